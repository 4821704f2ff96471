import CPlatform
import Foundation
import Synchronization
import XCTest
@testable import Kernels

/// The worker pool: every index runs exactly once per `run`, index 0 on the caller, workers
/// sleep and wake, nested and concurrent calls fall back to the caller instead of deadlocking.
final class ComputeThreadsTests: XCTestCase {
    func testEveryIndexRunsOncePerRun() {
        for count in 1...4 {
            let threads = ComputeThreads(count: count)
            var visits = [Int](repeating: 0, count: count)
            visits.withUnsafeMutableBufferPointer { slots in
                for _ in 0..<500 { threads.run { slots[$0] += 1 } }  // each index owns its slot
            }
            XCTAssertEqual(visits, [Int](repeating: 500, count: count), "count \(count)")
        }
    }

    func testIndexZeroRunsOnTheCallerAndOthersOnWorkers() {
        let threads = ComputeThreads(count: 3)
        var owners = [pthread_t?](repeating: nil, count: 3)
        owners.withUnsafeMutableBufferPointer { slots in threads.run { slots[$0] = pthread_self() } }
        XCTAssertTrue(pthread_equal(owners[0]!, pthread_self()) != 0)
        XCTAssertTrue(pthread_equal(owners[1]!, pthread_self()) == 0)
        XCTAssertTrue(pthread_equal(owners[2]!, pthread_self()) == 0)
        XCTAssertTrue(pthread_equal(owners[1]!, owners[2]!) == 0)
    }

    func testWorkersThatSleepAreWoken() {
        // No spinning: every run has to wake the workers from the futex.
        let threads = ComputeThreads(count: 2, cores: nil, spinMicroseconds: 0)
        var sums = [Int](repeating: 0, count: 2)
        sums.withUnsafeMutableBufferPointer { slots in
            for round in 1...300 { threads.run { slots[$0] += round } }
        }
        XCTAssertEqual(sums, [45150, 45150])
    }

    func testNestedRunCompletesOnTheCaller() {
        let threads = ComputeThreads(count: 2)
        var inner = [Int](repeating: 0, count: 2)
        inner.withUnsafeMutableBufferPointer { slots in
            threads.run { outer in
                if outer == 0 { threads.run { slots[$0] += 1 } }
            }
        }
        XCTAssertEqual(inner, [1, 1])
    }

    func testConcurrentCallersBothComplete() {
        let threads = ComputeThreads(count: 2)
        let totals = Mutex([Int](repeating: 0, count: 4))  // [caller][index]
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            // Each caller's runs write its own slots unsynchronised, as kernels do; read after.
            var counts = [0, 0]
            counts.withUnsafeMutableBufferPointer { slots in
                for _ in 0..<200 { threads.run { slots[$0] += 1 } }
            }
            totals.withLock { $0[caller * 2] = counts[0]; $0[caller * 2 + 1] = counts[1] }
        }
        XCTAssertEqual(totals.withLock { $0 }, [200, 200, 200, 200])
    }

    func testPoolsCanBeCreatedAndReleasedRepeatedly() {
        var total = 0
        for _ in 0..<50 {
            let threads = ComputeThreads(count: 3, cores: nil, spinMicroseconds: 10)
            var hits = [Int](repeating: 0, count: 3)
            hits.withUnsafeMutableBufferPointer { slots in threads.run { slots[$0] = 1 } }
            total += hits.reduce(0, +)
        }
        XCTAssertEqual(total, 150)
    }

    func testPinning() throws {
        XCTAssertFalse(ComputeThreads(count: 2).pinCaller(), "no cores given")
        // Pin only the worker (not the test runner), to a CPU this process may use.
        let cpu = pd_current_cpu()
        try XCTSkipIf(cpu < 0, "the current CPU is unknown on this platform")
        let threads = ComputeThreads(count: 2, cores: [Int(cpu)])
        var workerCPU: Int32 = -2
        withUnsafeMutablePointer(to: &workerCPU) { slot in threads.run { if $0 == 1 { slot.pointee = pd_current_cpu() } } }
        XCTAssertEqual(workerCPU, cpu, "worker 1 is pinned to cores[1 % 1]")
    }
}
