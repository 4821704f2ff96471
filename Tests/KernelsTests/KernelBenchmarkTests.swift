import Foundation
import XCTest
import Kernels

/// Prints kernel throughput when PDSCOPE_BENCH=1 (build with `-c release` for real numbers).
/// Never asserts a speed.
final class KernelBenchmarkTests: XCTestCase {
    func testPrintKernelThroughput() throws {
        let env = ProcessInfo.processInfo.environment
        guard env["PDSCOPE_BENCH"] == "1" else { throw XCTSkip("set PDSCOPE_BENCH=1 to run the kernel benchmark") }
        let threadCount = Int(env["PDSCOPE_BENCH_THREADS"] ?? "") ?? 1
        let tokens = Int(env["PDSCOPE_BENCH_TOKENS"] ?? "") ?? 128
        let clock: KernelBenchmark.Clock = env["PDSCOPE_BENCH_CLOCK"] == "cpu" ? .threadCPU : .wall
        let results = KernelBenchmark.run(tokenCount: tokens, threads: ComputeThreads(count: threadCount), clock: clock)
        print("kernel benchmark (\(KernelISA.current), \(threadCount) thread(s), \(clock) clock), GMAC/s:\n" + KernelBenchmark.format(results))
        XCTAssertFalse(results.isEmpty)
    }
}
