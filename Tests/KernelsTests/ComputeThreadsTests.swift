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

    func testEveryItemIsClaimedOnceByAValidWorker() {
        for count in 1...3 {
            let threads = ComputeThreads(count: count)
            for items in [0, 1, 2, 7, 100] {
                // Each item owns its slots; the runs are joined before they are read.
                var visits = [Int](repeating: 0, count: items), workers = [Int](repeating: -1, count: items)
                visits.withUnsafeMutableBufferPointer { v in
                    workers.withUnsafeMutableBufferPointer { w in
                        for _ in 0..<50 { threads.forEachItem(items) { item, worker in v[item] += 1; w[item] = worker } }
                    }
                }
                XCTAssertEqual(visits, [Int](repeating: 50, count: items), "count \(count) items \(items)")
                XCTAssertTrue(workers.allSatisfy { (0..<count).contains($0) }, "\(workers)")
            }
        }
    }

    /// A thread whose item takes long claims no more while the others take up the rest (a fixed
    /// split would have left it half of them).
    func testASlowThreadLeavesItsShareToTheOthers() {
        let threads = ComputeThreads(count: 2)
        let done = Atomic<Int>(0)
        var byWorker = [Int](repeating: -1, count: 40)
        byWorker.withUnsafeMutableBufferPointer { slots in
            threads.forEachItem(40) { item, worker in
                slots[item] = worker
                // Worker 1 is the slow one: its item lasts until every other item is done.
                if worker == 1 { while done.load(ordering: .acquiring) < 39 { sched_yield() } }
                done.add(1, ordering: .releasing)
            }
        }
        XCTAssertFalse(byWorker.contains(-1))
        XCTAssertGreaterThanOrEqual(byWorker.filter { $0 == 0 }.count, 39, "\(byWorker)")
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
