import Kernels

/// Single-element edits of encoded weight tensors, used to build the "bias channel" of synthetic
/// models (see `SyntheticModel`). Rows are `cols` elements of `type`, stored one after another.
extension SyntheticWeights {
    /// Sets element (row, col) to `value`, as exactly as the encoding allows. In a quantized block
    /// a non-zero value gets a new block scale, and the block's other elements are rescaled so they
    /// keep (approximately) their values. Zero just clears the element.
    static func setElement(_ data: inout [UInt8], row: Int, col: Int, cols: Int, type: TensorType, value: Float) {
        let rowBytes = type.byteCount(elements: cols)!
        data.withUnsafeMutableBytes { raw in
            let rowStart = raw.baseAddress! + row * rowBytes
            switch type {
            case .f32:
                rowStart.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 4 * col, as: UInt32.self)
            case .f16:
                rowStart.storeBytes(of: halfBits(from: value).littleEndian, toByteOffset: 2 * col, as: UInt16.self)
            case .q8_0:
                let block = rowStart + (col / 32) * 34
                let qs = (block + 2).assumingMemoryBound(to: Int8.self)
                if value != 0 {
                    let old = float(fromHalfBits: UInt16(littleEndian: block.load(as: UInt16.self)))
                    let d = abs(value) / 127
                    let ratio = d > 0 ? old / d : 0
                    for j in 0..<32 { qs[j] = Int8(max(-127, min(127, (Float(qs[j]) * ratio).rounded()))) }
                    block.storeBytes(of: halfBits(from: d).littleEndian, as: UInt16.self)
                }
                qs[col % 32] = value == 0 ? 0 : (value > 0 ? 127 : -127)
            case .q4_1:
                // As Q4_0 with an explicit minimum m = −8·d, so nibble 8 is exactly zero.
                let block = rowStart + (col / 32) * 20
                let qs = (block + 4).assumingMemoryBound(to: UInt8.self)
                if value != 0 {
                    let old = float(fromHalfBits: UInt16(littleEndian: block.load(as: UInt16.self)))
                    let oldMin = float(fromHalfBits: UInt16(littleEndian: block.load(fromByteOffset: 2, as: UInt16.self)))
                    let d = float(fromHalfBits: halfBits(from: -value / 8))
                    for j in 0..<32 {
                        let v = Float(nibble(qs, j)) * old + oldMin
                        setNibble(qs, j, UInt8(max(1, min(15, (v / d).rounded() + 8))))
                    }
                    block.storeBytes(of: halfBits(from: d).littleEndian, as: UInt16.self)
                    block.storeBytes(of: halfBits(from: -8 * d).littleEndian, toByteOffset: 2, as: UInt16.self)
                }
                setNibble(qs, col % 32, value == 0 ? 8 : 0)
            case .q4_0:
                let block = rowStart + (col / 32) * 18
                let qs = (block + 2).assumingMemoryBound(to: UInt8.self)
                if value != 0 {
                    // Nibble 0 means -8·d: a negative d gives a positive value.
                    let old = float(fromHalfBits: UInt16(littleEndian: block.load(as: UInt16.self)))
                    let d = -value / 8
                    let ratio = old / d
                    for j in 0..<32 {
                        let q = Float(nibble(qs, j)) - 8
                        setNibble(qs, j, UInt8(max(1, min(15, (q * ratio).rounded() + 8))))
                    }
                    block.storeBytes(of: halfBits(from: d).littleEndian, as: UInt16.self)
                }
                setNibble(qs, col % 32, value == 0 ? 8 : 0)
            }
        }
    }

    /// Sets every element of `row` to zero.
    static func zeroRow(_ data: inout [UInt8], row: Int, cols: Int, type: TensorType) {
        let rowBytes = type.byteCount(elements: cols)!
        data.withUnsafeMutableBytes { raw in
            let rowStart = raw.baseAddress! + row * rowBytes
            switch type {
            case .f32, .f16:
                rowStart.initializeMemory(as: UInt8.self, repeating: 0, count: rowBytes)
            case .q8_0, .q4_0, .q4_1:
                // A zero scale (and Q4_1 minimum) zeroes the whole block whatever its payload.
                for b in 0..<(cols / 32) {
                    rowStart.storeBytes(of: UInt16(0), toByteOffset: b * type.blockBytes, as: UInt16.self)
                    if type == .q4_1 { rowStart.storeBytes(of: UInt16(0), toByteOffset: b * type.blockBytes + 2, as: UInt16.self) }
                }
            }
        }
    }

    /// Q4_0 element j of a block: low nibble of byte j for j < 16, high nibble of byte j-16 above.
    private static func nibble(_ qs: UnsafeMutablePointer<UInt8>, _ j: Int) -> UInt8 {
        j < 16 ? qs[j] & 0x0F : qs[j - 16] >> 4
    }

    private static func setNibble(_ qs: UnsafeMutablePointer<UInt8>, _ j: Int, _ v: UInt8) {
        if j < 16 { qs[j] = (qs[j] & 0xF0) | v } else { qs[j - 16] = (qs[j - 16] & 0x0F) | (v << 4) }
    }
}
