import Kernels

/// Activation buffers for up to `rows` token rows, allocated once per instance.
final class ForwardScratch {
    /// Query rows that share one pass over K and V in attention.
    static let attentionTileRows = 16
    /// Byte alignment of every buffer (a cache line).
    static let alignment = 64
    let rows: Int
    let x: UnsafeMutablePointer<Float>       // (rows, dim) residual stream
    let xb: UnsafeMutablePointer<Float>      // (rows, dim) normed input
    let xb2: UnsafeMutablePointer<Float>     // (rows, dim) attention output / projection output
    let q: UnsafeMutablePointer<Float>       // (rows, dim)
    let k: UnsafeMutablePointer<Float>       // (rows, kvDim)
    let v: UnsafeMutablePointer<Float>       // (rows, kvDim)
    let hb: UnsafeMutablePointer<Float>      // (rows, hidden)
    let hb2: UnsafeMutablePointer<Float>     // (rows, hidden)
    let scores: UnsafeMutablePointer<Float>  // (threads, scoresPerThread) attention scores
    /// Attention scratch of one thread: a tile's rows over one segment, not the whole context.
    let scoresPerThread: Int
    private var all: [UnsafeMutablePointer<Float>] = []

    init(config c: LlamaConfig, rows: Int, threads: Int) {
        self.rows = rows
        // Cache-line aligned: threads write neighbouring head slices (256 bytes for head_dim 64)
        // and neighbouring score buffers, so an unaligned base would put two threads' hot stores
        // on one cache line (false sharing) for the whole attention loop.
        func make(_ n: Int) -> UnsafeMutablePointer<Float> {
            let count = max(1, n)
            let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: Self.alignment)
            let p = raw.bindMemory(to: Float.self, capacity: count)
            p.initialize(repeating: 0, count: count)
            return p
        }
        x = make(rows * c.dim); xb = make(rows * c.dim); xb2 = make(rows * c.dim)
        q = make(rows * c.dim); k = make(rows * c.kvDim); v = make(rows * c.kvDim)
        hb = make(rows * c.hiddenDim); hb2 = make(rows * c.hiddenDim)
        let floatsPerLine = Self.alignment / MemoryLayout<Float>.stride
        let scoreFloats = Ops.attentionScratch(rows: max(Self.attentionTileRows, c.headCount / c.kvHeadCount), count: c.contextLength)
        scoresPerThread = (scoreFloats + floatsPerLine - 1) / floatsPerLine * floatsPerLine  // each thread's own lines
        scores = make(threads * scoresPerThread)
        all = [x, xb, xb2, q, k, v, hb, hb2, scores]
    }

    deinit { all.forEach { UnsafeMutableRawPointer($0).deallocate() } }
}
