import CKernels

extension Ops {
    /// Several products of one input, y_i = W_i · x (the Q, K and V projections; gate and up).
    /// When the weights share a type and width, the activations are prepared once instead of once
    /// per matrix and all rows run in one fork-join (the threads claim each matrix's row chunks as
    /// `matmul` cuts them), which shortens the serial part of a step on several threads. Every output element is
    /// the same bits as `matmul` gives: same kernel, same prepared activations.
    public static func matmul(_ products: [(w: MatrixView, y: UnsafeMutablePointer<Float>)], x: UnsafePointer<Float>,
                              tokenCount: Int, threads: ComputeThreads) {
        guard let first = products.first?.w, tokenCount > 0 else { return }
        guard products.allSatisfy({ $0.w.type == first.type && $0.w.cols == first.cols }) else {
            for p in products { matmul(p.w, x: x, tokenCount: tokenCount, y: p.y, threads: threads) }
            return
        }
        let type = Int32(first.type.rawValue), cols = Int64(first.cols), tokens = Int64(tokenCount)
        let scratch = prepareActivations(type: type, x: x, tokens: tokens, cols: cols, threads: threads)
        let chunks = products.map { RowChunks(rows: $0.w.rows, tokens: tokenCount, threads: threads.count) }
        let items = chunks.reduce(0) { $0 + $1.count }
        func run(item: Int) {
            var item = item, p = 0
            while item >= chunks[p].count { item -= chunks[p].count; p += 1 }
            let w = products[p].w, range = chunks[p][item]
            pd_matmul_rows(type, w.data, w.rowGroups?.base, w.rowGroupLayout, Int64(w.rows), cols, x, scratch, tokens, products[p].y,
                           Int64(range.lowerBound), Int64(range.upperBound))
        }
        threads.forEachItem(items) { item, _ in run(item: item) }
    }

    /// `swiglu` over `rows` rows of `width` floats, split by rows across `threads` (elementwise,
    /// so the bits do not depend on the split).
    public static func swiglu(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, rows: Int, width: Int,
                              into out: UnsafeMutablePointer<Float>, threads: ComputeThreads) {
        let parts = min(threads.count, rows)
        guard parts > 1 else { return swiglu(gate: gate, up: up, count: rows * width, into: out) }
        threads.run { part in
            let lower = rows * part / parts * width, upper = rows * (part + 1) / parts * width
            guard part < parts, upper > lower else { return }
            swiglu(gate: gate + lower, up: up + lower, count: upper - lower, into: out + lower)
        }
    }
}
