import Engine
import XCTest
@testable import Trace

final class WorkloadGeneratorTests: XCTestCase {
    func testSameSeedSameRequestsOtherSeedOtherRequests() {
        for kind in WorkloadKind.allCases {
            let a = WorkloadGenerator.make(kind: kind, rate: 2, duration: 30, seed: 7, contextLength: 2048)
            let b = WorkloadGenerator.make(kind: kind, rate: 2, duration: 30, seed: 7, contextLength: 2048)
            let c = WorkloadGenerator.make(kind: kind, rate: 2, duration: 30, seed: 8, contextLength: 2048)
            XCTAssertEqual(a, b, "\(kind)")
            XCTAssertNotEqual(a, c, "\(kind)")
        }
    }

    func testEveryKindIsSortedInsideTheDurationAndFitsTheContext() {
        for kind in WorkloadKind.allCases {
            for context in [128, 512, 2048] {
                let requests = WorkloadGenerator.make(kind: kind, rate: 3, duration: 40, seed: 1, contextLength: context)
                XCTAssertFalse(requests.isEmpty)
                XCTAssertEqual(requests.map(\.arrivalOffset), requests.map(\.arrivalOffset).sorted(), "\(kind)")
                for r in requests {
                    XCTAssertTrue((0..<40).contains(r.arrivalOffset), "\(kind) \(r)")
                    XCTAssertGreaterThanOrEqual(r.maxTokens, 1)
                    if case .synthetic(let count, _, _) = r.prompt {
                        XCTAssertLessThanOrEqual(count + r.maxTokens, context, "\(kind) \(r)")
                    }
                }
            }
        }
    }

    func testSteadyIsShortEnglishPromptsAtThePoissonRate() {
        let requests = WorkloadGenerator.make(kind: .steady, rate: 2, duration: 500, seed: 3, contextLength: 2048)
        // 1000 expected; a Poisson count's standard deviation is about 32.
        XCTAssertTrue((850...1150).contains(requests.count), "\(requests.count)")
        XCTAssertGreaterThanOrEqual(Set(requests.map(\.user)).count, 4, "several users")
        for r in requests {
            guard case .text(let text) = r.prompt else { return XCTFail("steady prompts are text") }
            XCTAssertTrue(PromptLibrary.chat.contains(text))
        }
    }

    func testStormHasALongPromptEveryFewSeconds() {
        let requests = WorkloadGenerator.make(kind: .longPromptStorm, rate: 1, duration: 60, seed: 5, contextLength: 2048)
        let long = requests.filter { PromptLibrary.longPromptUsers.contains($0.user) }
        let chat = requests.filter { PromptLibrary.chatUsers.contains($0.user) }
        XCTAssertEqual(long.count + chat.count, requests.count)
        XCTAssertGreaterThan(chat.count, 30)
        for r in long {
            guard case .synthetic(let count, let keys, _) = r.prompt else { return XCTFail("long prompts are synthetic") }
            XCTAssertTrue((1843...1946).contains(count), "90–95% of 2048, got \(count)")
            XCTAssertTrue(keys.isEmpty)
        }
        let gaps = zip(long.dropFirst(), long).map { $0.arrivalOffset - $1.arrivalOffset }
        XCTAssertGreaterThanOrEqual(long.count, 12)
        XCTAssertTrue(gaps.allSatisfy { (3.0...5.0).contains($0) }, "\(gaps)")
        XCTAssertEqual(Set(long.map(\.user)).count, 2, "the long prompts come from other users")
    }

    func testMixedHasSpreadOfLengthsAndSharedSystemPrompts() {
        let requests = WorkloadGenerator.make(kind: .mixed, rate: 4, duration: 100, seed: 9, contextLength: 2048)
        let counts = requests.compactMap { r -> Int? in
            if case .synthetic(let count, _, _) = r.prompt { return count } else { return nil }
        }.sorted()
        XCTAssertEqual(counts.count, requests.count)
        XCTAssertTrue((80...180).contains(counts[counts.count / 2]), "median near 120, got \(counts[counts.count / 2])")
        XCTAssertLessThan(counts.first!, 40)
        XCTAssertGreaterThan(counts.last!, 600)
        let shared = requests.filter { if case .synthetic(_, [1000], 128) = $0.prompt { return true } else { return false } }
        XCTAssertGreaterThan(shared.count, 10)
        XCTAssertTrue(shared.allSatisfy { $0.user.hasPrefix("app-") })
    }

    func testBadSettingsGiveAProblemAndNoRequests() {
        XCTAssertNotNil(WorkloadGenerator.problem(rate: .nan, duration: 10, contextLength: 2048))
        XCTAssertNotNil(WorkloadGenerator.problem(rate: 1, duration: -1, contextLength: 2048))
        XCTAssertNotNil(WorkloadGenerator.problem(rate: 1e9, duration: 1e9, contextLength: 2048))
        XCTAssertNotNil(WorkloadGenerator.problem(rate: 1, duration: 1, contextLength: 10))
        XCTAssertNil(WorkloadGenerator.problem(rate: 1, duration: 1, contextLength: 2048))
        XCTAssertEqual(WorkloadGenerator.make(kind: .steady, rate: -1, duration: 10, seed: 1, contextLength: 2048), [])
    }

    func testSeededRandomIsStable() {
        var random = SeededRandom(seed: 0)
        // SplitMix64's published first outputs for seed 0: the generator must never drift.
        XCTAssertEqual(random.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(random.next(), 0x6E78_9E6A_A1B9_65F4)
    }
}
