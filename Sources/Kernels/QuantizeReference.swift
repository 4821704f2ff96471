import Foundation

/// ggml's reference quantizers, bit for bit (`quantize_row_q8_0_ref`, `quantize_row_q4_0_ref`,
/// `quantize_row_q4_1_ref`), and the Q8_1 activation quantizer llama.cpp runs on x86.
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
            storeNibbles(x, minus: 0, times: id, plus: 8.5, into: (block + 2).assumingMemoryBound(to: UInt8.self))
        }
    }

    /// The 4-bit codes of one 32-element block, ggml's way: q = min(15, trunc((x − minus)·times + plus)),
    /// element j in the low nibble of byte j, element j+16 in its high nibble (Q4_0 and Q4_1 alike;
    /// x − 0 is x, so Q4_0's codes are unchanged).
    private static func storeNibbles(_ x: UnsafePointer<Float>, minus: Float, times: Float, plus: Float,
                                     into qs: UnsafeMutablePointer<UInt8>) {
        for j in 0..<16 {
            let x0 = (x[j] - minus) * times + plus, x1 = (x[j + 16] - minus) * times + plus
            let q0 = min(15, Int8(truncatingIfNeeded: Int(x0))), q1 = min(15, Int8(truncatingIfNeeded: Int(x1)))
            qs[j] = UInt8(truncatingIfNeeded: q0) | (UInt8(truncatingIfNeeded: q1) << 4)
        }
    }

    /// Q4_1: d = (max − min)/15, m = min (both stored fp16), q = min(15, trunc((x − min)/d + 0.5)),
    /// element j in the low nibble of byte j, element j+16 in its high nibble.
    public static func quantizeRowQ4_1(_ src: UnsafePointer<Float>, count: Int, into dst: UnsafeMutableRawPointer) {
        precondition(count % 32 == 0)
        for b in 0..<(count / 32) {
            let x = src + b * 32
            var lo = Float.greatestFiniteMagnitude, hi = -Float.greatestFiniteMagnitude
            for j in 0..<32 { lo = min(lo, x[j]); hi = max(hi, x[j]) }
            let d = (hi - lo) / 15
            let id: Float = d != 0 ? 1 / d : 0
            let block = dst + b * 20
            block.storeBytes(of: halfBits(from: d).littleEndian, as: UInt16.self)
            block.storeBytes(of: halfBits(from: lo).littleEndian, toByteOffset: 2, as: UInt16.self)
            storeNibbles(x, minus: lo, times: id, plus: 0.5, into: (block + 4).assumingMemoryBound(to: UInt8.self))
        }
    }

    /// Q8_1 activations as ggml-cpu's x86 `quantize_row_q8_1` computes them (the quantizer
    /// llama.cpp runs against Q4_1 weights on AVX2/AVX-512 machines; its `_ref` twin differs in
    /// rounding): d = amax/127, q = round-half-even(x · (127/amax)), s = d · Σq; d and s stored fp16.
    /// Blocks are 36 bytes: d, s, 32 int8.
    public static func quantizeRowQ8_1(_ src: UnsafePointer<Float>, count: Int, into dst: UnsafeMutableRawPointer) {
        precondition(count % 32 == 0)
        for b in 0..<(count / 32) {
            let x = src + b * 32
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(x[j])) }
            let d = amax / 127
            let id: Float = amax != 0 ? 127 / amax : 0
            let block = dst + b * 36
            let qs = (block + 4).assumingMemoryBound(to: Int8.self)
            var sum: Int32 = 0
            for j in 0..<32 {
                qs[j] = Int8((x[j] * id).rounded(.toNearestOrEven))
                sum += Int32(qs[j])
            }
            block.storeBytes(of: halfBits(from: d).littleEndian, as: UInt16.self)
            block.storeBytes(of: halfBits(from: d * Float(sum)).littleEndian, toByteOffset: 2, as: UInt16.self)
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
        case .q4_1: quantizeRowQ4_1(src, count: count, into: dst)
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
        case .q4_1:
            // ggml's dequantize_row_q4_1: x = q·d + m.
            for b in 0..<(count / 32) {
                let block = src + b * 20
                let d = float(fromHalfBits: UInt16(littleEndian: block.loadUnaligned(as: UInt16.self)))
                let m = float(fromHalfBits: UInt16(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
                let qs = (block + 4).assumingMemoryBound(to: UInt8.self)
                for j in 0..<16 {
                    dst[b * 32 + j] = Float(qs[j] & 0x0F) * d + m
                    dst[b * 32 + j + 16] = Float(qs[j] >> 4) * d + m
                }
            }
        }
    }
}
