import Kernels

/// Random weight tensors for synthetic models, written straight into their on-disk encoding.
///
/// Quantized tensors are made from random int8 values / nibbles with one fixed scale per tensor,
/// never by quantizing floats: that is the same distribution a quantizer would produce for uniform
/// weights, at the cost of one random byte per weight, so a 90 MB model builds in a fraction of a
/// second. Values are uniform with standard deviation `std` (about 1/sqrt(fan_in) for matrices).
enum SyntheticWeights {
    /// Standard deviation of a uniform int8 over all 256 values, and of a Q4_0 value in -7...7
    /// (nibble 0, i.e. -8, is drawn as 8, i.e. 0, so the values have mean zero).
    private static let int8Std: Float = 73.9
    private static let nibbleStd: Float = 4.18

    /// `rows` rows of `cols` elements in `type` (cols must be a whole number of blocks).
    static func matrix(rows: Int, cols: Int, type: TensorType, std: Float, seed: UInt64) -> [UInt8] {
        let rowBytes = type.byteCount(elements: cols)!
        let total = rows * rowBytes
        var random = SamplerRandom(seed: seed)
        return [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            let out = UnsafeMutableRawPointer(buffer.baseAddress!)
            switch type {
            case .f32:
                let a = std * Float(3).squareRoot()
                for i in 0..<(rows * cols) {
                    out.storeBytes(of: ((random.nextUnitFloat() * 2 - 1) * a).bitPattern.littleEndian,
                                   toByteOffset: 4 * i, as: UInt32.self)
                }
            case .f16:
                let a = std * Float(3).squareRoot()
                for i in 0..<(rows * cols) {
                    out.storeBytes(of: halfBits(from: (random.nextUnitFloat() * 2 - 1) * a).littleEndian,
                                   toByteOffset: 2 * i, as: UInt16.self)
                }
            case .q8_0:
                fillBlocks(out, count: total / 34, blockBytes: 34, scale: halfBits(from: std / int8Std), random: &random)
            case .q4_1:
                // Q4_0's values re-laid out: m = −8·d makes nibble 8 zero, as Q4_0's implicit offset.
                let q4 = matrix(rows: rows, cols: cols, type: .q4_0, std: std, seed: seed)
                for b in 0..<(total / 20) {
                    let d = UInt16(q4[b * 18]) | UInt16(q4[b * 18 + 1]) << 8
                    out.storeBytes(of: d.littleEndian, toByteOffset: b * 20, as: UInt16.self)
                    let m = halfBits(from: -8 * float(fromHalfBits: d))
                    out.storeBytes(of: m.littleEndian, toByteOffset: b * 20 + 2, as: UInt16.self)
                    for j in 0..<16 { out.storeBytes(of: q4[b * 18 + 2 + j], toByteOffset: b * 20 + 4 + j, as: UInt8.self) }
                }
            case .q4_0:
                fillBlocks(out, count: total / 18, blockBytes: 18, scale: halfBits(from: std / nibbleStd), random: &random)
                let bytes = out.assumingMemoryBound(to: UInt8.self)
                for b in 0..<(total / 18) {
                    for j in (b * 18 + 2)..<(b * 18 + 18) {
                        let v = bytes[j]
                        bytes[j] = (v & 0x0F == 0 ? v | 0x08 : v) | (v & 0xF0 == 0 ? 0x80 : 0)
                    }
                }
            }
            initialized = total
        }
    }

    /// A vector of `count` F32 ones (RMSNorm weights that leave the normalised vector as is).
    static func ones(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 4 * count)
        out.withUnsafeMutableBytes { raw in
            for i in 0..<count { raw.storeBytes(of: Float(1).bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
        }
        return out
    }

    /// Each block: the fp16 scale, then random payload bytes (int8 values or packed nibbles).
    private static func fillBlocks(_ out: UnsafeMutableRawPointer, count: Int, blockBytes: Int, scale: UInt16,
                                   random: inout SamplerRandom) {
        let payloadWords = (blockBytes - 2) / 8  // 4 for Q8_0 (32 bytes), 2 for Q4_0 (16 bytes)
        for b in 0..<count {
            let block = out + b * blockBytes
            block.storeBytes(of: scale.littleEndian, as: UInt16.self)
            for w in 0..<payloadWords {
                block.storeBytes(of: random.next().littleEndian, toByteOffset: 2 + 8 * w, as: UInt64.self)
            }
        }
    }
}
