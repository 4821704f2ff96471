import Foundation
import Model
import XCTest
@testable import Engine

/// The lock box hands its value out only inside `withLock` / `waitUntil`, and wakes waiters.
final class ConditionLockedTests: XCTestCase {
    final class Counter { var value = 0; var seenByWaiter = false }

    func testWaiterSeesEveryBroadcastChange() {
        let box = ConditionLocked(Counter())
        let thread = Thread {
            // A generous deadline only so a broken wake-up fails instead of hanging the suite.
            let deadline = Date().addingTimeInterval(30)
            let reached = box.waitUntil { counter -> ConditionLocked<Counter>.Wait<Bool> in
                if counter.value >= 3 { return .done(true) }
                return Date() > deadline ? .done(false) : .sleep(until: deadline)
            }
            box.withLock(broadcast: true) { $0.seenByWaiter = reached }
        }
        thread.start()
        for _ in 0..<3 { box.withLock(broadcast: true) { $0.value += 1 } }
        let seen = box.waitUntil { counter -> ConditionLocked<Counter>.Wait<Bool> in
            counter.seenByWaiter ? .done(true) : .sleep(until: Date().addingTimeInterval(1))
        }
        XCTAssertTrue(seen)
        XCTAssertEqual(box.withLock { $0.value }, 3)
    }

    func testWakeOthersAndRetryRunsTheBodyAgain() {
        let box = ConditionLocked(Counter())
        let runs = box.waitUntil { counter -> ConditionLocked<Counter>.Wait<Int> in
            counter.value += 1
            return counter.value < 3 ? .wakeOthersAndRetry : .done(counter.value)
        }
        XCTAssertEqual(runs, 3)
    }
}

/// An instance's running count of queued prefill tokens always equals a scan of its queue.
final class InstanceQueueTests: XCTestCase {
    func testWaitingPrefillTokensFollowTheQueue() {
        let layout = KVLayout(layerCount: 1, kvDim: 2, blockSize: 16)
        let instance = Instance(id: 0, role: .both, cores: [], blockCount: 4, layout: layout, runner: FakeModelRunner(clock: nil))
        func request(_ id: RequestID, tokens: Int) -> Request {
            Request(id: id, spec: synthetic(tokens, maxTokens: 1), prompt: Array(repeating: 5, count: tokens),
                    sampler: ArgmaxSampler(), arrivalTime: 0)
        }
        let requests = [request(0, tokens: 10), request(1, tokens: 20), request(2, tokens: 30)]
        for r in requests { instance.enqueue(r, atFront: r.id == 2) }
        XCTAssertEqual(instance.waiting.map(\.id), [2, 0, 1])
        XCTAssertEqual(instance.waitingPrefillTokens, 60)
        XCTAssertEqual(instance.dequeueHead().id, 2)
        instance.removeWaiting(requests[0])
        XCTAssertEqual(instance.waitingPrefillTokens, 20)
        XCTAssertEqual(instance.waiting.map(\.id), [1])
        XCTAssertNil(requests[0].queuedOn)
        XCTAssertEqual(requests[1].queuedOn, 0)
        instance.removeAllRequests()
        XCTAssertEqual(instance.waitingPrefillTokens, 0)
        XCTAssertEqual(instance.queuedPrefillTokens, 0)
    }
}

/// The request states' order: progress first, terminal states last.
final class RequestStateOrderTests: XCTestCase {
    func testTerminalStatesSortLast() {
        let states: [RequestState] = [.rejected("x"), .decoding, .finished(.stop), .waiting, .preempted,
                                      .transferring, .decodeWaiting, .prefilling, .waitingForRemoteKV]
        XCTAssertEqual(states.sorted(), [.waiting, .prefilling, .waitingForRemoteKV, .transferring, .decodeWaiting,
                                         .decoding, .preempted, .finished(.stop), .rejected("x")])
        XCTAssertEqual(states.filter(\.isTerminal).count, 2)
        XCTAssertTrue(RequestState.finished(.aborted) < .finished(.stop), "ties broken so the order is total")
        XCTAssertFalse(RequestState.finished(.stop) < .finished(.stop))
    }
}
