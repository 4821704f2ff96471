import Foundation

/// ggml's reference quantizers, bit for bit (`quantize_row_q8_0_ref`, `quantize_row_q4_0_ref`).
/// These are the spec that faster paths and converted files are checked against.
public enum QuantizeReference {
    /// Q8_0: d = amax/127 (stored fp16), q = round(x * (1/d)), halves away from zero.
    /// `count` must be a multiple of 32; `dst` receives count/32 blocks of 34 bytes.
    public static func quantizeRowQ8_0(_ src: UnsafePointer<Float>, count: Int, into dst: UnsafeMutableRawPointer) {
        precondition(count % 32 == 0)
        for b in 0..<(count / 32) {
            let x = src + b * 32
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(x[j])) }
            let d = amax / 127
            let id: Float = d != 0 ? 1 / d : 0
            let block = dst + b * 34
            block.storeBytes(of: halfBits(from: d).littleEndian, as: UInt16.self)
            let qs = (block + 2).assumingMemoryBound(to: Int8.self)
            for j in 0..<32 { qs[j] = Int8(roundf(x[j] * id)) }
        }
    }

    /// Q4_0: d = (signed value of largest magnitude) / -8, q = min(15, trunc(x/d + 8.5)),
    /// element j in the low nibble of byte j, element j+16 in its high nibble.
    public static func quantizeRowQ4_0(_ src: UnsafePointer<Float>, count: Int, into dst: UnsafeMutableRawPointer) {
        precondition(count % 32 == 0)
        for b in 0..<(count / 32) {
            let x = src + b * 32
            var amax: Float = 0
            var maxValue: Float = 0
            for j in 0..<32 where amax < abs(x[j]) {
                amax = abs(x[j]); maxValue = x[j]
            }
            let d = maxValue / -8
            let id: Float = d != 0 ? 1 / d : 0
            let block = dst + b * 18
            block.storeBytes(of: halfBits(from: d).littleEndian, as: UInt16.self)
            let qs = (block + 2).assumingMemoryBound(to: UInt8.self)
            for j in 0..<16 {
                let x0 = x[j] * id + 8.5, x1 = x[j + 16] * id + 8.5
                let q0 = min(15, Int8(truncatingIfNeeded: Int(x0))), q1 = min(15, Int8(truncatingIfNeeded: Int(x1)))
                qs[j] = UInt8(truncatingIfNeeded: q0) | (UInt8(truncatingIfNeeded: q1) << 4)
            }
        }
    }

    /// Quantizes (or converts) one row of floats into `type`'s encoding.
    public static func encodeRow(_ src: UnsafePointer<Float>, count: Int, as type: TensorType, into dst: UnsafeMutableRawPointer) {
        switch type {
        case .f32: dst.copyMemory(from: src, byteCount: count * 4)
        case .f16:
            let out = dst.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count { out[i] = halfBits(from: src[i]).littleEndian }
        case .q8_0: quantizeRowQ8_0(src, count: count, into: dst)
        case .q4_0: quantizeRowQ4_0(src, count: count, into: dst)
        }
    }

    /// Decodes one row of `count` elements of `type` back to floats.
    public static func decodeRow(_ src: UnsafeRawPointer, count: Int, as type: TensorType, into dst: UnsafeMutablePointer<Float>) {
        switch type {
        case .f32: UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * 4)
        case .f16:
            for i in 0..<count { dst[i] = float(fromHalfBits: UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case .q8_0:
            for b in 0..<(count / 32) {
                let block = src + b * 34
                let d = float(fromHalfBits: UInt16(littleEndian: block.loadUnaligned(as: UInt16.self)))
                let qs = (block + 2).assumingMemoryBound(to: Int8.self)
                for j in 0..<32 { dst[b * 32 + j] = Float(qs[j]) * d }
            }
        case .q4_0:
            for b in 0..<(count / 32) {
                let block = src + b * 18
                let d = float(fromHalfBits: UInt16(littleEndian: block.loadUnaligned(as: UInt16.self)))
                let qs = (block + 2).assumingMemoryBound(to: UInt8.self)
                for j in 0..<16 {
                    dst[b * 32 + j] = Float(Int(qs[j] & 0x0F) - 8) * d
                    dst[b * 32 + j + 16] = Float(Int(qs[j] >> 4) - 8) * d
                }
            }
        }
    }
}
