import CKernels

/// The kernels the model calls. Each has a plain twin in `Reference` and a test that compares
/// them. Bodies call the C kernels in CKernels (AVX-512, AVX2 or scalar, see `KernelISA`).
public enum Ops {
    /// Quantizes the activation rows once for a matmul of this weight type (into the calling
    /// thread's scratch buffer, reused across calls); nil for float weights, which need none.
    /// From `parallelPrepareMinTokens` tokens on, the instance's threads quantize disjoint token
    /// ranges (one more fork-join, ~1 µs, against a serial pass that was ~5 % of a one-thread
    /// prefill); the buffer holds the same bytes either way.
    static func prepareActivations(type: Int32, x: UnsafePointer<Float>, tokens: Int64, cols: Int64, threads: ComputeThreads) -> UnsafeRawPointer? {
        let bytes = pd_matmul_scratch_bytes(type, tokens, cols)
        guard bytes > 0 else { return nil }
        guard let buffer = pd_thread_scratch(bytes) else { fatalError("Ops.matmul: cannot allocate \(bytes) bytes of activation scratch") }
        let parts = min(threads.count, Int(tokens) / 8)
        if tokens < parallelPrepareMinTokens || parts <= 1 {
            pd_matmul_prepare(type, x, tokens, cols, buffer)
        } else {
            threads.run { part in
                let range = prepareRange(part: part, of: parts, tokens: Int(tokens))
                guard !range.isEmpty else { return }
                pd_matmul_prepare_range(type, x, tokens, cols, buffer, Int64(range.lowerBound), Int64(range.upperBound))
            }
        }
        return UnsafeRawPointer(buffer)
    }

    /// Fewer tokens are quantized on the caller: a decode step's few rows take less than a fork-join.
    static let parallelPrepareMinTokens: Int64 = 16

    /// The tokens thread `part` of `parts` quantizes: whole groups of 8 (a range must start on a
    /// multiple of 8, see `pd_matmul_prepare_range`), the last range taking the remainder.
    static func prepareRange(part: Int, of parts: Int, tokens: Int) -> Range<Int> {
        guard part < parts else { return 0..<0 }
        let groups = (tokens + 7) / 8
        return min(tokens, groups * part / parts * 8)..<min(tokens, groups * (part + 1) / parts * 8)
    }

    /// y[t, r] = Σ_c W[r, c] · x[t, c]; work is split by output rows across `threads`.
    /// Quantized weights: the activation rows are quantized to Q8_0 once (into the caller's
    /// scratch buffer, reused across calls; by all threads from 16 tokens on, see
    /// `prepareActivations`), then the threads claim chunks of rows (`RowChunks`) and run the
    /// row-dot kernels on them (on the matrix's row groups when it has them) or, on AVX2 for
    /// Q8_0 from 32 tokens, the GEMM. F32/F16: float dot products. A row's bits do not depend on
    /// the chunk it is in or the thread that runs it.
    public static func matmul(_ w: MatrixView, x: UnsafePointer<Float>, tokenCount: Int, y: UnsafeMutablePointer<Float>, threads: ComputeThreads) {
        guard tokenCount > 0, w.rows > 0 else { return }
        let type = Int32(w.type.rawValue), rows = Int64(w.rows), cols = Int64(w.cols), tokens = Int64(tokenCount)
        let scratch = prepareActivations(type: type, x: x, tokens: tokens, cols: cols, threads: threads)
        let chunks = RowChunks(rows: w.rows, tokens: tokenCount, threads: threads.count)
        threads.forEachItem(chunks.count) { item, _ in  // one chunk or one thread: runs on the caller
            let range = chunks[item]
            pd_matmul_rows(type, w.data, w.rowGroups?.base, w.rowGroupLayout, rows, cols, x, scratch, tokens, y, Int64(range.lowerBound), Int64(range.upperBound))
        }
    }

    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, count: Int, eps: Float, into out: UnsafeMutablePointer<Float>) {
        pd_rmsnorm(x, weight, Int64(count), eps, out)
    }
    public static func rope(_ v: UnsafeMutablePointer<Float>, headCount: Int, headDim: Int, ropeDim: Int, position: Int, freqBase: Float) {
        pd_rope(v, Int64(headCount), Int64(headDim), Int64(ropeDim), Int64(position), freqBase)
    }
    /// In-place softmax with max subtraction (vectorised exp, see `exp`).
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) { pd_softmax(x, Int64(count)) }
    /// out = silu(gate) · up (vectorised exp, see `exp`).
    public static func swiglu(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
        pd_swiglu(gate, up, Int64(count), out)
    }
    /// Σ a[i]·b[i] in float (attention scores).
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        pd_dot_f32(a, b, Int64(count))
    }
    /// y += alpha · x (attention value accumulation).
    @inline(__always)
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        pd_axpy(alpha, x, y, Int64(count))
    }

    /// out[i] = fp16(x[i]), round to nearest even; the same bits on every ISA level.
    public static func storeHalf(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<UInt16>) {
        pd_fp32_to_fp16_row(x, Int64(count), out)
    }

    /// Writes `count` floats as one KV cache row of `type` at `out` (the cache's writes).
    public static func storeKV(_ x: UnsafePointer<Float>, count: Int, type: KVCacheType, into out: UnsafeMutableRawPointer) {
        switch type {
        case .f16: storeHalf(x, count: count, into: out.assumingMemoryBound(to: UInt16.self))
        case .f32: out.copyMemory(from: x, byteCount: count * 4)
        }
    }

    /// out[i] = e^x[i] with the kernels' fast exp: relative error ≤ ~2e-7 on the AVX2 path
    /// (degree-6 polynomial), libm on the scalar path; 0 below ln(FLT_MIN), clamped above 88.
    public static func exp(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
        pd_exp(x, Int64(count), out)
    }

    /// Quantizes `count` floats (a multiple of 32) into Q8_0 blocks, bit-exact with
    /// `QuantizeReference.quantizeRowQ8_0` (d = amax/127, round half away from zero).
    public static func quantizeRowQ8_0(_ src: UnsafePointer<Float>, count: Int, into dst: UnsafeMutableRawPointer) {
        precondition(count % 32 == 0, "Q8_0 rows are whole blocks of 32")
        pd_quantize_row_q8_0(src, Int64(count), dst)
    }
    /// Fast twin of `Reference.dotQ8_0Q8_0`.
    public static func dotQ8_0Q8_0(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, blocks: Int) -> Float {
        pd_dot_q8_0_q8_0(a, b, Int64(blocks))
    }
    /// Q8_1 blocks bit-exact with `QuantizeReference.quantizeRowQ8_1` (ggml-cpu's x86 arithmetic).
    public static func quantizeRowQ8_1(_ src: UnsafePointer<Float>, count: Int, into dst: UnsafeMutableRawPointer) {
        precondition(count % 32 == 0, "Q8_1 rows are whole blocks of 32")
        pd_quantize_row_q8_1(src, Int64(count), dst)
    }
    /// Fast twin of `Reference.dotQ4_1Q8_1`.
    public static func dotQ4_1Q8_1(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, blocks: Int) -> Float {
        pd_dot_q4_1_q8_1(a, b, Int64(blocks))
    }
    /// Fast twin of `Reference.dotQ4_0Q8_0`.
    public static func dotQ4_0Q8_0(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, blocks: Int) -> Float {
        pd_dot_q4_0_q8_0(a, b, Int64(blocks))
    }
}

/// How a matmul's output rows are cut into the items its threads claim: whole 8-row groups (the
/// row-group kernels' unit, so no chunk splits one); from 16 tokens about 8 chunks per thread, so
/// that a thread slowed by its core (another task, steal) leaves its share to the others. A decode
/// step's few tokens stream the weights, and one long contiguous read per thread streams fastest:
/// one chunk per thread (2 per thread was 5-10 % slower on two cores, 4 and 8 slower still).
struct RowChunks {
    static let rowGroup = 8
    let rows: Int
    let size: Int
    let count: Int

    init(rows: Int, tokens: Int, threads: Int) {
        let perThread = tokens >= 16 ? 8 : 1
        let target = (rows + threads * perThread - 1) / max(1, threads * perThread)
        self.rows = rows
        size = threads <= 1 ? max(1, rows) : max(Self.rowGroup, (target + Self.rowGroup - 1) / Self.rowGroup * Self.rowGroup)
        count = (rows + size - 1) / size
    }

    subscript(item: Int) -> Range<Int> { min(rows, item * size)..<min(rows, (item + 1) * size) }
}
