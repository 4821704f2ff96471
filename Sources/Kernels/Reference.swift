import Foundation

/// Plain, obviously-correct implementations of every kernel. They are the spec: each fast kernel
/// in `Ops` is tested against its twin here. Arithmetic follows llama.cpp's CPU backend.
public enum Reference {
    /// y[t, r] = Σ_c W[r, c] · x[t, c] for t < tokenCount (x rows are `w.cols` long, y rows `w.rows`).
    /// Quantized weights (Q8_0, Q4_0) see activations quantized to Q8_0 blocks, integer sums per
    /// block and one fp16·fp16 scale multiply per block, as ggml's `vec_dot_q*_0_q8_0`; Q4_1 weights
    /// see Q8_1 blocks and add the minimum times the block sum (`vec_dot_q4_1_q8_1`).
    public static func matmul(_ w: MatrixView, x: UnsafePointer<Float>, tokenCount: Int, y: UnsafeMutablePointer<Float>) {
        let n = w.cols
        switch w.type {
        case .f32, .f16:
            var row = [Float](repeating: 0, count: n)
            for r in 0..<w.rows {
                row.withUnsafeMutableBufferPointer { QuantizeReference.decodeRow(w.row(r), count: n, as: w.type, into: $0.baseAddress!) }
                for t in 0..<tokenCount {
                    var sum: Float = 0
                    for c in 0..<n { sum += row[c] * x[t * n + c] }
                    y[t * w.rows + r] = sum
                }
            }
        case .q8_0, .q4_0:
            let blocks = n / 32
            let xq = UnsafeMutableRawPointer.allocate(byteCount: blocks * 34, alignment: 64)
            defer { xq.deallocate() }
            for t in 0..<tokenCount {
                QuantizeReference.quantizeRowQ8_0(x + t * n, count: n, into: xq)
                for r in 0..<w.rows {
                    y[t * w.rows + r] = w.type == .q8_0
                        ? dotQ8_0Q8_0(w.row(r), xq, blocks: blocks)
                        : dotQ4_0Q8_0(w.row(r), xq, blocks: blocks)
                }
            }
        case .q4_1:
            let blocks = n / 32
            let xq = UnsafeMutableRawPointer.allocate(byteCount: blocks * 36, alignment: 64)
            defer { xq.deallocate() }
            for t in 0..<tokenCount {
                QuantizeReference.quantizeRowQ8_1(x + t * n, count: n, into: xq)
                for r in 0..<w.rows { y[t * w.rows + r] = dotQ4_1Q8_1(w.row(r), xq, blocks: blocks) }
            }
        }
    }

    /// Σ over blocks of (Σ_j a_j·b_j) · d_a · d_b, both operands Q8_0.
    public static func dotQ8_0Q8_0(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Float = 0
        for i in 0..<blocks {
            let ba = a + i * 34, bb = b + i * 34
            let qa = (ba + 2).assumingMemoryBound(to: Int8.self), qb = (bb + 2).assumingMemoryBound(to: Int8.self)
            var s: Int32 = 0
            for j in 0..<32 { s += Int32(qa[j]) * Int32(qb[j]) }
            sum += Float(s) * (scale(ba) * scale(bb))
        }
        return sum
    }

    /// Σ over blocks of (Σ_j (nibble_j − 8)·b_j) · d_a · d_b; a is Q4_0, b is Q8_0.
    public static func dotQ4_0Q8_0(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Float = 0
        for i in 0..<blocks {
            let ba = a + i * 18, bb = b + i * 34
            let qa = (ba + 2).assumingMemoryBound(to: UInt8.self), qb = (bb + 2).assumingMemoryBound(to: Int8.self)
            var s: Int32 = 0
            for j in 0..<16 {
                s += (Int32(qa[j] & 0x0F) - 8) * Int32(qb[j])
                s += (Int32(qa[j] >> 4) - 8) * Int32(qb[j + 16])
            }
            sum += Float(s) * (scale(ba) * scale(bb))
        }
        return sum
    }

    /// Σ over blocks of d_a·d_b·Σ_j q_a,j·q_b,j + m_a·s_b; a is Q4_1 (element = d·nibble + m),
    /// b is Q8_1 (s = d·Σq), as ggml's generic `vec_dot_q4_1_q8_1`.
    public static func dotQ4_1Q8_1(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, blocks: Int) -> Float {
        var sum: Float = 0
        for i in 0..<blocks {
            let ba = a + i * 20, bb = b + i * 36
            let qa = (ba + 4).assumingMemoryBound(to: UInt8.self), qb = (bb + 4).assumingMemoryBound(to: Int8.self)
            var s: Int32 = 0
            for j in 0..<16 {
                s += Int32(qa[j] & 0x0F) * Int32(qb[j])
                s += Int32(qa[j] >> 4) * Int32(qb[j + 16])
            }
            sum += scale(ba) * scale(bb) * Float(s) + scale(ba + 2) * scale(bb + 2)
        }
        return sum
    }

    @inline(__always) static func scale(_ block: UnsafeRawPointer) -> Float {
        float(fromHalfBits: UInt16(littleEndian: block.loadUnaligned(as: UInt16.self)))
    }

    /// out = x / sqrt(mean(x²) + eps) · weight.
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, count: Int, eps: Float, into out: UnsafeMutablePointer<Float>) {
        var ss: Float = 0
        for i in 0..<count { ss += x[i] * x[i] }
        let scale = 1 / sqrtf(ss / Float(count) + eps)
        for i in 0..<count { out[i] = x[i] * scale * weight[i] }
    }

    /// llama.cpp's normal RoPE (type 0): rotate adjacent pairs (2i, 2i+1) of each head by
    /// angle position · base^(−2i/ropeDim); dimensions at or past ropeDim are left alone. The angle
    /// is computed as ggml's rope cache does: θ = position, then θ ·= base^(−2/ropeDim) per pair.
    public static func rope(_ v: UnsafeMutablePointer<Float>, headCount: Int, headDim: Int, ropeDim: Int, position: Int, freqBase: Float) {
        let thetaScale = powf(freqBase, -2 / Float(ropeDim))
        for h in 0..<headCount {
            let head = v + h * headDim
            var i = 0
            var theta = Float(position)
            while i < min(ropeDim, headDim) {
                let c = cosf(theta), s = sinf(theta)
                theta *= thetaScale
                let a = head[i], b = head[i + 1]
                head[i] = a * c - b * s
                head[i + 1] = a * s + b * c
                i += 2
            }
        }
    }

    /// In-place softmax with max subtraction.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        var m = x[0]
        for i in 1..<count { m = max(m, x[i]) }
        var sum: Float = 0
        for i in 0..<count { x[i] = expf(x[i] - m); sum += x[i] }
        for i in 0..<count { x[i] /= sum }
    }

    /// out = silu(gate) · up, silu(g) = g · (1 / (1 + e^−g)) (llama2.c's order of operations).
    public static func swiglu(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
        for i in 0..<count { let g = gate[i]; out[i] = g * (1 / (1 + expf(-g))) * up[i] }
    }
}
