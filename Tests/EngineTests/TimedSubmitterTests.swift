import Foundation
import Synchronization
import XCTest
@testable import Engine

/// The one timed submitter, on a manual clock: nothing is submitted before its time on the
/// engine's clock, everything is submitted in arrival order, and a stop leaves the rest.
final class TimedSubmitterTests: XCTestCase {
    private final class Log: Sendable {
        private let users = Mutex<[String]>([])
        private let onSubmit: @Sendable (Int) -> Void
        init(onSubmit: @escaping @Sendable (Int) -> Void = { _ in }) { self.onSubmit = onSubmit }
        @Sendable func add(_ spec: RequestSpec) -> RequestID {
            let count = users.withLock { $0.append(spec.user); return $0.count }
            onSubmit(count)
            return 100 + count
        }
        var all: [String] { users.withLock { $0 } }
    }

    private func specs(_ offsets: [Double]) -> [RequestSpec] {
        offsets.map { RequestSpec(arrivalOffset: $0, user: "at\(Int($0))", prompt: .text("hi"), maxTokens: 4) }
    }

    func testSubmitsInArrivalOrderWhenTheEngineClockReachesEachOffset() {
        let clock = ManualClock(start: 10)
        let first = expectation(description: "the request due at once")
        let rest = expectation(description: "the later ones")
        let log = Log { count in
            if count == 1 { first.fulfill() }
            if count == 3 { rest.fulfill() }
        }
        let submitter = TimedSubmitter(requests: specs([4, 0, 2]), speed: 2, clock: clock, submit: log.add)
        submitter.start()
        wait(for: [first], timeout: 30)
        XCTAssertEqual(log.all, ["at0"], "the clock stands still: nothing else is due")
        XCTAssertFalse(submitter.isDone)
        clock.advanceTime(by: 2)  // offsets are halved: 4 s is due at 2 s
        wait(for: [rest], timeout: 30)
        submitter.waitUntilDone()
        XCTAssertEqual(log.all, ["at0", "at2", "at4"])
        XCTAssertEqual(submitter.submittedIDs, [101, 102, 103])
    }

    func testStopLeavesTheRestUnsubmitted() {
        let clock = ManualClock()
        let first = expectation(description: "the request due at once")
        let log = Log { if $0 == 1 { first.fulfill() } }
        let submitter = TimedSubmitter(requests: specs([0, 5, 6]), clock: clock, submit: log.add)
        submitter.start()
        wait(for: [first], timeout: 30)
        submitter.stopAndWait()
        clock.advanceTime(by: 10)
        XCTAssertTrue(submitter.isDone)
        XCTAssertEqual(submitter.submittedCount, 1)
        XCTAssertEqual(log.all, ["at0"])
    }

    func testAStopConditionEndsTheWait() {
        let flag = Log()  // a stop is asked for once it has logged anything
        let submitter = TimedSubmitter(requests: specs([1]), clock: ManualClock(), shouldStop: { !flag.all.isEmpty }) { _ in 0 }
        submitter.start()
        _ = flag.add(specs([0])[0])
        submitter.waitUntilDone()
        XCTAssertEqual(submitter.submittedCount, 0, "due at 1 s on a clock standing at 0: only the stop condition ends it")
    }
}
