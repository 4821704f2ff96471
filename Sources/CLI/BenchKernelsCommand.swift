import ArgumentParser
import Engine
import Foundation
import Kernels
import Trace

/// `pdscope bench-kernels`: GMAC/s of the matmul kernels against their reference twins.
struct BenchKernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-kernels",
        abstract: "Measure the matmul kernels (GMAC/s) at smollm-135m shapes, fast vs reference.",
        discussion: "GMAC/s = multiply-adds per second (GFLOP/s is twice that). Run pinned, e.g. `taskset -c 1 pdscope bench-kernels`.")

    @Option(name: .customLong("tokens"), help: "Rows of the prefill-shaped GEMM.") var tokenCount: Int = 128
    @Option(help: "Repeats per case (the median is reported).") var repeats: Int = 5
    @Flag(help: "Skip the slow reference kernels.") var noReference = false
    @Option(help: ArgumentHelp("wall, or cpu: the calling thread's CPU time (steadier on a busy machine).", valueName: "wall|cpu")) var clock: String = "wall"
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard KernelBenchmark.Clock(name: clock) != nil else { throw ValidationError("--clock must be wall or cpu, got '\(clock)'") }
        try FlagBounds.count(tokenCount, flag: "--tokens", in: 1...8192, why: "the GEMM's activations are held in memory")
        try FlagBounds.count(repeats, flag: "--repeats", in: 1...1000, why: "each repeat runs every case")
    }

    func run() throws {
        let results = KernelBenchmark.run(tokenCount: tokenCount, repeats: repeats, includeReference: !noReference,
                                          clock: KernelBenchmark.Clock(name: clock) ?? .wall)
        if json {
            let body = results.keys.sorted().map { "\(JSONQuoting.quoted($0)): \(String(format: "%.3f", results[$0]!))" }.joined(separator: ", ")
            print("{\"isa\": \"\(KernelISA.current)\", \"best_isa\": \"\(KernelISA.best)\", \"results\": {\(body)}}")
        } else {
            print("kernels: \(KernelISA.current.summary), best on this CPU: \(KernelISA.best) (PDSCOPE_ISA=scalar|avx2|avx512 forces a level)")
            if let note = KernelISA.environmentNote { print("note: \(note)") }
            for key in results.keys.sorted() {
                let unit = key.hasSuffix("GB/s") ? "" : " GMAC/s"
                print(String(format: "%-40@ %9.2f%@", key as NSString, results[key]!, unit))
            }
        }
    }
}
