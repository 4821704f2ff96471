import Foundation
import XCTest
@testable import Engine

/// Collects every event (thread-safe).
final class EventRecorder: EngineEventSink {
    private let stored = ConditionLocked<[EngineEvent]>([])
    func receive(_ event: EngineEvent) { stored.withLock { $0.append(event) } }
    var events: [EngineEvent] { stored.withLock { $0 } }

    func tokenTimes(_ id: RequestID) -> [Double] {
        events.compactMap { if case .tokenEmitted(id, _, _, _) = $0.kind { return $0.time } else { return nil } }
    }
    func text(_ id: RequestID) -> String {
        events.compactMap { if case .tokenEmitted(id, _, _, let text) = $0.kind { return text } else { return nil } }.joined()
    }
    func gaps(_ id: RequestID) -> [Double] {
        let times = tokenTimes(id)
        return zip(times.dropFirst(), times).map { $0 - $1 }
    }
    func ends() -> [RequestID: String] {
        var result: [RequestID: String] = [:]
        for event in events {
            switch event.kind {
            case .finished(let id, let reason, _): result[id, default: ""] += reason.rawValue
            case .rejected(let id, _): result[id, default: ""] += "rejected"
            default: break
            }
        }
        return result
    }
    var preemptionCount: Int { events.filter { if case .preempted = $0.kind { return true } else { return false } }.count }
    var transferEnds: [EngineEvent.Kind] {
        events.map(\.kind).filter { if case .kvTransferEnded = $0 { return true } else { return false } }
    }
    func routedReasons(_ id: RequestID) -> [String] {
        events.compactMap { if case .routed(id, _, _, let reason) = $0.kind { return reason } else { return nil } }
    }
}

/// Scripted costs used by most tests: 1 ms per prefill token, 10 ms per decode step.
let testCosts = FakeModelRunner.Costs(prefillFixed: 0, prefillPerToken: 0.001, decodeFixed: 0.010, decodePerSequence: 0)

func makeConfig(_ policy: SchedulingPolicy, route: RoutePolicy = .pFirst, transfer: KVTransferMode = .p2p,
                sameCores: Bool = false) -> EngineConfig {
    var config = EngineConfig()
    config.policy = policy
    config.route = route
    config.kvTransfer = transfer
    config.prefillCores = CoreSet([0])
    config.decodeCores = CoreSet(sameCores ? [0] : [1])
    config.blockSize = 16
    return config
}

/// A simulation with fake runners on one manual clock, plus a recorder of its events.
func makeSimulation(_ config: EngineConfig, costs: FakeModelRunner.Costs = testCosts, contextLength: Int = 512,
                    eosAfter: Int = .max) throws -> (EngineSimulation, EventRecorder) {
    let clock = ManualClock()
    let simulation = try EngineSimulation(config: config, clock: clock) { _ in
        FakeModelRunner(clock: clock, costs: costs, contextLength: contextLength,
                        eos: eosAfter == .max ? nil : 2, eosAfterPosition: eosAfter)
    }
    let recorder = EventRecorder()
    simulation.addSink(recorder)
    return (simulation, recorder)
}

func synthetic(_ count: Int, maxTokens: Int, at offset: Double = 0, keys: [Int] = [], user: String = "u") -> RequestSpec {
    RequestSpec(arrivalOffset: offset, user: user, prompt: .synthetic(count: count, prefixKeys: keys, segmentTokens: 16),
                maxTokens: maxTokens)
}

/// Every pool's blocks are back (the store may keep shareable prefix blocks cached).
func assertAllBlocksReturned(_ simulation: EngineSimulation, file: StaticString = #filePath, line: UInt = #line) {
    for instance in simulation.core.instances {
        XCTAssertEqual(instance.pool.usedCount, 0, "instance \(instance.id) still holds blocks", file: file, line: line)
        instance.pool.checkInvariants()
    }
    if let store = simulation.core.store {
        XCTAssertEqual(store.usedCount, store.cachedCount, "store holds uncached blocks", file: file, line: line)
    }
}

/// All policy/route/transfer combinations worth comparing.
let allArrangements: [(SchedulingPolicy, RoutePolicy, KVTransferMode)] = {
    var result: [(SchedulingPolicy, RoutePolicy, KVTransferMode)] = [(.colocatedFCFS, .pFirst, .p2p), (.chunkedPrefill, .pFirst, .p2p)]
    for route in RoutePolicy.allCases { for mode in KVTransferMode.allCases { result.append((.disaggregated, route, mode)) } }
    return result
}()
