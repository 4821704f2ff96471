import CKernels
import Foundation

/// Throughput of the matmul kernels at smollm-135m shapes (dim 576, hidden 1536), for
/// `pdscope bench-kernels`. Numbers are medians of `repeats` timed runs after one warm-up;
/// nothing here asserts a speed.
public enum KernelBenchmark {
    /// One measured case.
    public struct Case: Sendable {
        public let name: String
        public let type: TensorType
        public let rows: Int, cols: Int, tokenCount: Int
        public let implementation: String
    }

    /// Result keys look like `q8_0 gemm128 1536x576 fast` with GMAC/s (multiply-adds, so
    /// GFLOP/s = 2×) as values; matvec cases also report `… fast GB/s` of weight bytes read, and
    /// with several threads `threads.run latency us` is the median cost of an empty `run`.
    /// `includeReference` adds the plain Swift `Reference` kernels (slow) for comparison.
    /// `clock: .threadCPU` times only the CPU the calling thread got, which keeps single-thread
    /// numbers meaningful on a machine busy with other work (it undercounts multi-thread runs).
    public static func run(tokenCount: Int = 128, repeats: Int = 5, threads: ComputeThreads = ComputeThreads(),
                           types: [TensorType] = [.q8_0, .q4_0, .q4_1, .f32], includeReference: Bool = true,
                           clock: Clock = .wall) -> [String: Double] {
        var results: [String: Double] = [:]
        var rng = SystemRandomNumberGenerator()
        let rowGroups = RowGroupStore()  // the engine's decode reads them; so does "matvec" here
        for type in types {
            for (rows, cols) in [(1536, 576), (576, 1536)] {
                let weights = makeWeights(type: type, rows: rows, cols: cols, rng: &rng)
                for (label, tokens) in [("matvec", 1), ("gemm\(tokenCount)", tokenCount)] {
                    let name = "\(type.description.lowercased()) \(label) \(rows)x\(cols)"
                    let x = (0..<(tokens * cols)).map { _ in Float.random(in: -1..<1, using: &rng) }
                    var y = [Float](repeating: 0, count: tokens * rows)
                    let macs = Double(rows * cols * tokens)
                    weights.withUnsafeBytes { wp in
                        let file = MatrixView(type: type, rows: rows, cols: cols, data: wp.baseAddress!)
                        let w = RowGroupStore.isUseful ? rowGroups.add(file) : file
                        x.withUnsafeBufferPointer { xp in
                            y.withUnsafeMutableBufferPointer { yp in
                                let seconds = median(repeats: repeats, minimumSeconds: 0.05, clock: clock) {
                                    Ops.matmul(w, x: xp.baseAddress!, tokenCount: tokens, y: yp.baseAddress!, threads: threads)
                                }
                                results["\(name) fast"] = macs / seconds / 1e9
                                if tokens == 1 { results["\(name) fast GB/s"] = Double(weights.count) / seconds / 1e9 }
                                if includeReference {
                                    // The reference is ~100× slower: time a few tokens only.
                                    let refTokens = min(tokens, 4)
                                    let refSeconds = median(repeats: 3, minimumSeconds: 0, clock: clock) {
                                        Reference.matmul(w, x: xp.baseAddress!, tokenCount: refTokens, y: yp.baseAddress!)
                                    }
                                    results["\(name) reference"] = Double(rows * cols * refTokens) / refSeconds / 1e9
                                }
                            }
                        }
                    }
                }
            }
        }
        if threads.count > 1 {
            // Dispatch cost of one empty fork-join; a decode step pays it ~200 times.
            let seconds = median(repeats: repeats, minimumSeconds: 0.02, clock: .wall) { threads.run { _ in } }
            results["threads.run latency us"] = seconds * 1e6
        }
        return results
    }

    static func makeWeights(type: TensorType, rows: Int, cols: Int, rng: inout SystemRandomNumberGenerator) -> [UInt8] {
        let rowBytes = type.byteCount(elements: cols)!
        var bytes = [UInt8](repeating: 0, count: rows * rowBytes)
        var row = [Float](repeating: 0, count: cols)
        bytes.withUnsafeMutableBytes { dst in
            for r in 0..<rows {
                for c in 0..<cols { row[c] = Float.random(in: -0.1..<0.1, using: &rng) }
                row.withUnsafeBufferPointer { QuantizeReference.encodeRow($0.baseAddress!, count: cols, as: type, into: dst.baseAddress! + r * rowBytes) }
            }
        }
        return bytes
    }

    /// What the benchmark's seconds are.
    public enum Clock: Sendable {
        /// Elapsed (monotonic) time.
        case wall
        /// CPU time of the calling thread only.
        case threadCPU

        /// Parses `wall` or `cpu`.
        public init?(name: String) {
            switch name {
            case "wall": self = .wall
            case "cpu": self = .threadCPU
            default: return nil
            }
        }

        public func seconds() -> Double {
            var ts = timespec()
            clock_gettime(self == .wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        }
    }

    /// Single-thread DRAM read bandwidth (GB/s, best of 3 passes over 256 MiB): the bound of
    /// batch-1 decode, printed next to decode speeds.
    public static func readBandwidthGBs() -> Double { pd_read_bandwidth_gb_s(256 << 20, 3) }

    /// Median seconds per call; each sample repeats the call until it lasts `minimumSeconds`.
    static func median(repeats: Int, minimumSeconds: Double, clock: Clock, _ body: () -> Void) -> Double {
        body()  // warm caches, scratch buffers and worker threads
        var samples: [Double] = []
        for _ in 0..<max(1, repeats) {
            var calls = 0
            let start = clock.seconds()
            var elapsed = 0.0
            repeat {
                body(); calls += 1
                elapsed = clock.seconds() - start
            } while elapsed < minimumSeconds
            samples.append(elapsed / Double(calls))
        }
        return samples.sorted()[samples.count / 2]
    }

    /// The results as aligned lines, sorted by key.
    public static func format(_ results: [String: Double]) -> String {
        let width = results.keys.map(\.count).max() ?? 0
        return results.keys.sorted().map { key in
            key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + String(format: "%8.2f", results[key]!)
        }.joined(separator: "\n")
    }
}
