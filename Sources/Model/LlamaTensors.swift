import Kernels

/// One transformer block's weights. Matrices are borrowed views (rows = output dim, cols = input dim);
/// norms are decoded to floats because they are tiny and read on every token.
public struct LlamaLayerTensors: Sendable {
    public let attnNorm: [Float]
    /// (dim, dim), (kvDim, dim), (kvDim, dim), (dim, dim) as rows × cols.
    public let wq, wk, wv, wo: MatrixView
    public let ffnNorm: [Float]
    /// gate = w1 and up = w3 are (hiddenDim, dim); down = w2 is (dim, hiddenDim).
    public let gate, up, down: MatrixView

    public init(attnNorm: [Float], wq: MatrixView, wk: MatrixView, wv: MatrixView, wo: MatrixView,
                ffnNorm: [Float], gate: MatrixView, up: MatrixView, down: MatrixView) {
        self.attnNorm = attnNorm; self.wq = wq; self.wk = wk; self.wv = wv; self.wo = wo
        self.ffnNorm = ffnNorm; self.gate = gate; self.up = up; self.down = down
    }
}

/// All weights of a Llama model, located in a GGUF file by llama.cpp's tensor names and checked
/// against the configuration. Keeps the file alive, since the matrix views point into it.
public struct LlamaTensors: Sendable {
    /// (vocab, dim): row t is token t's embedding.
    public let tokenEmbedding: MatrixView
    /// (vocab, dim) classifier; the token embedding itself when the file has no output.weight (tied).
    public let output: MatrixView
    public let outputNorm: [Float]
    public let layers: [LlamaLayerTensors]
    /// The file the views borrow from.
    public let file: GGUFFile
    /// The matrices' row-group copies for decode (empty when the kernels read the file layout).
    public let rowGroups: RowGroupStore

    public init(gguf: GGUFFile, config: LlamaConfig) throws {
        let c = config
        let store = RowGroupStore()
        let finder = TensorFinder(file: gguf, rowGroups: RowGroupStore.isUseful ? store : nil)
        // The embedding is a matmul operand (with row groups) only when it doubles as the classifier.
        let tied = gguf.tensor(named: "output.weight") == nil
        tokenEmbedding = try (tied ? finder : TensorFinder(file: gguf, rowGroups: nil))
            .matrix("token_embd.weight", rows: c.vocabSize, cols: c.dim)
        output = tied ? tokenEmbedding : try finder.matrix("output.weight", rows: c.vocabSize, cols: c.dim)
        outputNorm = try finder.vector("output_norm.weight", count: c.dim)
        layers = try (0..<c.layerCount).map { i in
            let p = "blk.\(i)."
            return LlamaLayerTensors(
                attnNorm: try finder.vector(p + "attn_norm.weight", count: c.dim),
                wq: try finder.matrix(p + "attn_q.weight", rows: c.dim, cols: c.dim),
                wk: try finder.matrix(p + "attn_k.weight", rows: c.kvDim, cols: c.dim),
                wv: try finder.matrix(p + "attn_v.weight", rows: c.kvDim, cols: c.dim),
                wo: try finder.matrix(p + "attn_output.weight", rows: c.dim, cols: c.dim),
                ffnNorm: try finder.vector(p + "ffn_norm.weight", count: c.dim),
                gate: try finder.matrix(p + "ffn_gate.weight", rows: c.hiddenDim, cols: c.dim),
                up: try finder.matrix(p + "ffn_up.weight", rows: c.hiddenDim, cols: c.dim),
                down: try finder.matrix(p + "ffn_down.weight", rows: c.dim, cols: c.hiddenDim))
        }
        file = gguf
        rowGroups = store
    }
}

/// Looks tensors up by name and checks their ggml shape (ne0 = cols first).
private struct TensorFinder {
    let file: GGUFFile
    /// Where matrices get their decode copies; nil: none.
    let rowGroups: RowGroupStore?

    func find(_ name: String, expected: [Int]) throws -> GGUFTensorInfo {
        let shown = expected.map(String.init).joined(separator: " x ")
        guard let info = file.tensor(named: name) else {
            throw GGUFError("\(file.name): tensor '\(name)' (\(shown)) is missing")
        }
        guard info.shape == expected else {
            throw GGUFError("\(file.name): tensor '\(name)' has shape \(info.shapeDescription), expected \(shown)")
        }
        return info
    }

    func matrix(_ name: String, rows: Int, cols: Int) throws -> MatrixView {
        let info = try find(name, expected: [cols, rows])
        // The parser already checked that cols is a whole number of blocks, so MatrixView's precondition holds.
        let view = MatrixView(type: info.type, rows: rows, cols: cols, data: file.data(of: info))
        return rowGroups?.add(view) ?? view
    }

    func vector(_ name: String, count: Int) throws -> [Float] {
        file.floats(of: try find(name, expected: [count]))
    }
}
