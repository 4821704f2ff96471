import Kernels

/// Activation buffers for up to `rows` token rows, allocated once per instance.
final class ForwardScratch {
    /// Query rows that share one pass over K and V in attention.
    static let attentionTileRows = 16
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
    let final: UnsafeMutablePointer<Float>   // (dim) one normed row for the classifier
    private var all: [UnsafeMutablePointer<Float>] = []

    init(config c: LlamaConfig, rows: Int, threads: Int) {
        self.rows = rows
        func make(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n))
            p.initialize(repeating: 0, count: max(1, n))
            return p
        }
        x = make(rows * c.dim); xb = make(rows * c.dim); xb2 = make(rows * c.dim)
        q = make(rows * c.dim); k = make(rows * c.kvDim); v = make(rows * c.kvDim)
        hb = make(rows * c.hiddenDim); hb2 = make(rows * c.hiddenDim)
        scoresPerThread = Ops.attentionScratch(rows: max(Self.attentionTileRows, c.headCount / c.kvHeadCount), count: c.contextLength)
        scores = make(threads * scoresPerThread); final = make(c.dim)
        all = [x, xb, xb2, q, k, v, hb, hb2, scores, final]
    }

    deinit { all.forEach { $0.deallocate() } }
}
