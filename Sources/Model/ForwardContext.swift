import Kernels

/// One token row of a forward pass: which token, at which position, of which sequence
/// (an index into the block tables passed alongside).
public struct ForwardRow: Equatable, Sendable {
    public var token: Int32
    public var position: Int
    public var sequence: Int
    public init(token: Int32, position: Int, sequence: Int) {
        self.token = token; self.position = position; self.sequence = sequence
    }
}

/// One sequence's next token in a decode step.
public struct DecodeInput: Equatable, Sendable {
    public var token: Int32
    public var position: Int
    public var blockTable: [Int32]
    public init(token: Int32, position: Int, blockTable: [Int32]) {
        self.token = token; self.position = position; self.blockTable = blockTable
    }
}

/// Runs a `LlamaModel` for one instance: owns the scratch memory and the compute threads.
/// Not thread-safe; one per instance. K/V are read and written through per-sequence block tables
/// into a `KVArena` that the caller owns.
///
/// Prefill and decode are the same computation on a different set of rows: a prefill chunk is
/// N rows of one sequence at consecutive positions, a decode step is one row per sequence, and a
/// chunked-prefill step mixes both. Every row attends to all earlier positions of its sequence.
public final class ForwardContext {
    public let model: LlamaModel
    public let threads: ComputeThreads
    /// Rows processed per pass; longer inputs are processed in pieces (same result).
    public let maxRows: Int
    let scratch: ForwardScratch

    public init(model: LlamaModel, threads: ComputeThreads = ComputeThreads(count: 1), maxChunkTokens: Int = 512, maxBatch: Int = 64) {
        self.model = model
        self.threads = threads
        maxRows = max(1, max(maxChunkTokens, maxBatch))
        scratch = ForwardScratch(config: model.config, rows: maxRows, threads: threads.count)
    }

    /// Prefill of `tokens` at positions startPosition..<startPosition+count of one sequence.
    /// Returns the logits of the last token.
    public func prefill(tokens: [Int32], startPosition: Int, blockTable: [Int32], kv: KVArena) -> [Float] {
        precondition(!tokens.isEmpty)
        let rows = tokens.enumerated().map { ForwardRow(token: $1, position: startPosition + $0, sequence: 0) }
        return forward(rows: rows, blockTables: [blockTable], kv: kv, logitRows: [rows.count - 1])[0]
    }

    /// One decode step for a batch of sequences; returns logits per sequence, in order.
    public func decode(_ batch: [DecodeInput], kv: KVArena) -> [[Float]] {
        let rows = batch.enumerated().map { ForwardRow(token: $1.token, position: $1.position, sequence: $0) }
        return forward(rows: rows, blockTables: batch.map(\.blockTable), kv: kv, logitRows: Array(rows.indices))
    }

    /// The general entry point. Rows of one sequence must be in increasing position order, and
    /// every position before a row's position must already be in the cache or earlier in `rows`.
    /// Returns the logits of the rows listed in `logitRows`.
    public func forward(rows: [ForwardRow], blockTables: [[Int32]], kv: KVArena, logitRows: [Int]) -> [[Float]] {
        let c = model.config
        precondition(kv.layout.layerCount == c.layerCount && kv.layout.kvDim == c.kvDim, "KV arena does not fit this model")
        var logits = [[Float]](repeating: [], count: logitRows.count)
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + maxRows)
            let piece = Array(rows[start..<end])
            for r in piece {
                precondition(r.position >= 0 && r.position < c.contextLength, "position \(r.position) outside the context")
                precondition(r.token >= 0 && Int(r.token) < c.vocabSize, "token \(r.token) outside the vocabulary")
                precondition(r.position / kv.layout.blockSize < blockTables[r.sequence].count, "block table too short")
            }
            runLayers(piece, blockTables: blockTables, kv: kv)
            let wanted = logitRows.indices.filter { logitRows[$0] >= start && logitRows[$0] < end }
            let computed = computeLogits(localRows: wanted.map { logitRows[$0] - start })
            for (i, out) in zip(wanted, computed) { logits[i] = out }
            start = end
        }
        return logits
    }
}
