import Foundation
import Kernels

extension ForwardContext {
    /// Embeds `rows`, runs every transformer layer (writing their K/V into the cache), and leaves the
    /// final residual stream in `scratch.x`.
    func runLayers(_ rows: [ForwardRow], blockTables: [[Int32]], kv: KVArena) {
        let c = model.config, t = model.tensors, s = scratch
        let n = rows.count, dim = c.dim, kvDim = c.kvDim
        for (i, r) in rows.enumerated() {
            QuantizeReference.decodeRow(t.tokenEmbedding.row(Int(r.token)), count: dim, as: t.tokenEmbedding.type, into: s.x + i * dim)
        }
        let plan = AttentionPlan(rows: rows, headCount: c.headCount, groupSize: c.headCount / c.kvHeadCount,
                                 tileRows: ForwardScratch.attentionTileRows)
        for (l, layer) in t.layers.enumerated() {
            // Attention block (after adding the previous layer's feed-forward output to the residual).
            layer.attnNorm.withUnsafeBufferPointer { w in
                forRows(n) { i in
                    if l > 0 { addResidual(row: i) }
                    Ops.rmsNorm(s.x + i * dim, weight: w.baseAddress!, count: dim, eps: c.rmsEps, into: s.xb + i * dim)
                }
            }
            Ops.matmul([(layer.wq, s.q), (layer.wk, s.k), (layer.wv, s.v)], x: s.xb, tokenCount: n, threads: threads)
            forRows(n) { i in
                let r = rows[i]
                Ops.rope(s.q + i * dim, headCount: c.headCount, headDim: c.headDim, ropeDim: c.ropeDim, position: r.position, freqBase: c.ropeFreqBase)
                Ops.rope(s.k + i * kvDim, headCount: c.kvHeadCount, headDim: c.headDim, ropeDim: c.ropeDim, position: r.position, freqBase: c.ropeFreqBase)
                let table = blockTables[r.sequence]
                let block = Int(table[r.position / kv.layout.blockSize]), slot = r.position % kv.layout.blockSize
                kv.write(s.k + i * kvDim, keys: true, block: block, layer: l, slot: slot)
                kv.write(s.v + i * kvDim, keys: false, block: block, layer: l, slot: slot)
            }
            attention(rows, plan: plan, blockTables: blockTables, kv: kv, layer: l)
            Ops.matmul(layer.wo, x: s.xb2, tokenCount: n, y: s.xb, threads: threads)

            // Feed-forward block (SwiGLU), after adding the attention output to the residual.
            layer.ffnNorm.withUnsafeBufferPointer { w in
                forRows(n) { i in
                    addResidual(row: i)
                    Ops.rmsNorm(s.x + i * dim, weight: w.baseAddress!, count: dim, eps: c.rmsEps, into: s.xb + i * dim)
                }
            }
            Ops.matmul([(layer.gate, s.hb), (layer.up, s.hb2)], x: s.xb, tokenCount: n, threads: threads)
            Ops.swiglu(gate: s.hb, up: s.hb2, rows: n, width: c.hiddenDim, into: s.hb, threads: threads)
            Ops.matmul(layer.down, x: s.hb, tokenCount: n, y: s.xb, threads: threads)
        }
        forRows(n) { i in addResidual(row: i) }  // the last layer's feed-forward output
    }

    /// x += xb for one row: a block's output joins the residual stream. Row-wise, so the next
    /// norm's `forRows` does it on the thread that normalises the row (no serial pass over n × dim).
    @inline(__always)
    private func addResidual(row i: Int) {
        let dim = model.config.dim, x = scratch.x + i * dim, xb = scratch.xb + i * dim
        for j in 0..<dim { x[j] += xb[j] }
    }

    /// body(i) for every row i < n, the rows split into contiguous ranges across the instance's
    /// threads (row-wise work: norms, RoPE, cache writes), so it is not serial on thread 0.
    func forRows(_ n: Int, _ body: (Int) -> Void) {
        let parts = min(threads.count, n)
        guard parts > 1 else { for i in 0..<n { body(i) }; return }
        threads.run { part in
            guard part < parts else { return }
            for i in (n * part / parts)..<(n * (part + 1) / parts) { body(i) }
        }
    }

    /// Causal attention of every row over its sequence's cached positions 0...position, through the
    /// block table; output in `scratch.xb2`. The calls come from `plan`, claimed by the threads in
    /// its order.
    func attention(_ rows: [ForwardRow], plan: AttentionPlan, blockTables: [[Int32]], kv: KVArena, layer: Int) {
        let c = model.config, s = scratch
        let headDim = c.headDim, dim = c.dim
        let groupSize = c.headCount / c.kvHeadCount
        let scale = 1 / sqrtf(Float(headDim))
        // Each sequence's block list for this layer, built once and shared by its rows and heads.
        let paged = blockTables.map { table in
            PagedKV(keyBlocks: table.map { UnsafeRawPointer(kv.keys(block: Int($0), layer: layer)) },
                    valueBlocks: table.map { UnsafeRawPointer(kv.values(block: Int($0), layer: layer)) },
                    type: kv.layout.cacheType, blockSize: kv.layout.blockSize, rowStride: c.kvDim)
        }
        threads.forEachItem(plan.items.count) { index, worker in
            let item = plan.items[index]
            let tile = plan.tiles[item.tile], h = item.head
            let first = tile.lowerBound, grouped = item.heads > 1
            Ops.attentionTile(q: s.q + first * dim + h * headDim, qStride: grouped ? headDim : dim,
                              counts: grouped ? Array(repeating: plan.counts[item.tile][0], count: item.heads) : plan.counts[item.tile],
                              kv: paged[rows[first].sequence], offset: (h / groupSize) * headDim, headDim: headDim,
                              scale: scale, scores: s.scores + worker * s.scoresPerThread, out: s.xb2 + first * dim + h * headDim,
                              outStride: grouped ? headDim : dim)
        }
    }

    /// Final norm and classifier for some rows of the last pass, as one matmul: the classifier
    /// (SmolLM2's is 28 MB) streams once per decode step, not once per sequence. Same bits as one
    /// row at a time (every kernel reduces an output element in one order).
    func computeLogits(localRows: [Int]) -> [[Float]] {
        guard !localRows.isEmpty else { return [] }
        let c = model.config, t = model.tensors, s = scratch
        // s.xb (maxRows × dim) is free once the layers have run.
        t.outputNorm.withUnsafeBufferPointer { w in
            for (i, row) in localRows.enumerated() {
                Ops.rmsNorm(s.x + row * c.dim, weight: w.baseAddress!, count: c.dim, eps: c.rmsEps, into: s.xb + i * c.dim)
            }
        }
        var all = [Float](repeating: 0, count: localRows.count * c.vocabSize)
        all.withUnsafeMutableBufferPointer { out in
            Ops.matmul(t.output, x: s.xb, tokenCount: localRows.count, y: out.baseAddress!, threads: threads)
        }
        return localRows.indices.map { Array(all[($0 * c.vocabSize)..<(($0 + 1) * c.vocabSize)]) }
    }
}
