import XCTest
@testable import Model

final class SamplerTests: XCTestCase {
    /// Fixed pseudo-random logits in about [-4, 4].
    private func logits(_ n: Int, seed: UInt64) -> [Float] {
        var r = SamplerRandom(seed: seed)
        return (0..<n).map { _ in r.nextUnitFloat() * 8 - 4 }
    }

    private func draws(_ params: SamplingParams, _ logits: [Float], count: Int) -> [Int32] {
        var s = Sampler(params: params, vocabSize: logits.count)
        return (0..<count).map { _ in s.sample(logits) }
    }

    func testGreedyIsArgmaxWithFirstMaxWinning() {
        var s = Sampler(params: .greedy, vocabSize: 5)
        XCTAssertEqual(s.sample([0, 3, 1, 3, -2]), 1)
        XCTAssertEqual(s.sample([-5, -4, -3, -2, -1]), 4)
        XCTAssertEqual(s.sample([.nan, 1, .nan, 2, 0]), 3)
        XCTAssertEqual(s.sample([Float](repeating: .nan, count: 5)), 0)
    }

    func testSameSeedSameTokens() {
        let l = logits(300, seed: 1)
        let p = SamplingParams(temperature: 1, seed: 1234)
        let a = draws(p, l, count: 200), b = draws(p, l, count: 200)
        XCTAssertEqual(a, b)
        XCTAssertGreaterThan(Set(a).count, 20, "a flat distribution should give many different tokens")
    }

    func testDifferentSeedsDiffer() {
        let l = logits(300, seed: 1)
        let a = draws(SamplingParams(temperature: 1, seed: 1), l, count: 100)
        let b = draws(SamplingParams(temperature: 1, seed: 2), l, count: 100)
        XCTAssertNotEqual(a, b)
    }

    func testTopKOneEqualsGreedy() {
        for seed in 0..<20 as Range<UInt64> {
            var l = logits(1000, seed: seed)
            l[Int(seed) * 7] = l.max()!  // a tie: the lower id must win, as in greedy
            let greedy = draws(.greedy, l, count: 1)[0]
            XCTAssertEqual(draws(SamplingParams(temperature: 2, topK: 1, seed: seed), l, count: 20),
                           Array(repeating: greedy, count: 20))
        }
    }

    func testTinyTopPEqualsGreedy() {
        for seed in 0..<20 as Range<UInt64> {
            let l = logits(1000, seed: seed + 100)
            let greedy = draws(.greedy, l, count: 1)[0]
            XCTAssertEqual(draws(SamplingParams(temperature: 1.5, topP: 1e-6, seed: seed), l, count: 20),
                           Array(repeating: greedy, count: 20))
        }
    }

    func testTopKKeepsOnlyTheKLikeliest() {
        let l = logits(500, seed: 9)
        let top5 = Set(l.indices.sorted { l[$0] > l[$1] }.prefix(5).map(Int32.init))
        let got = Set(draws(SamplingParams(temperature: 5, topK: 5, seed: 3), l, count: 500))
        XCTAssertEqual(got, top5, "a high temperature should reach all of the top 5 and nothing else")
    }

    func testTopPKeepsTheNucleus() {
        // Probabilities 0.5, 0.3, 0.15, 0.05 at temperature 1: top-p 0.7 keeps ids 0 and 1.
        let l: [Float] = [0.5, 0.3, 0.15, 0.05].map { logf($0) }
        let got = draws(SamplingParams(temperature: 1, topP: 0.7, seed: 5), l, count: 2000)
        XCTAssertEqual(Set(got), [0, 1])
        let share0 = Double(got.filter { $0 == 0 }.count) / 2000
        XCTAssertEqual(share0, 0.625, accuracy: 0.05, "0.5 / (0.5 + 0.3) after renormalising")
    }

    func testDrawFrequenciesFollowTheSoftmax() {
        let probs: [Float] = [0.1, 0.2, 0.3, 0.4]
        let l = probs.map { logf($0) }
        let n = 20_000
        var counts = [Int](repeating: 0, count: 4)
        for t in draws(SamplingParams(temperature: 1, seed: 77), l, count: n) { counts[Int(t)] += 1 }
        for i in 0..<4 {
            // 4 standard deviations of a binomial share at n = 20,000 is at most 0.014.
            XCTAssertEqual(Double(counts[i]) / Double(n), Double(probs[i]), accuracy: 0.015, "token \(i)")
        }
    }

    func testTemperatureSharpensAndFlattens() {
        let l: [Float] = [2, 1, 0, -1]
        let cold = draws(SamplingParams(temperature: 0.1, seed: 8), l, count: 1000).filter { $0 == 0 }.count
        let hot = draws(SamplingParams(temperature: 10, seed: 8), l, count: 1000).filter { $0 == 0 }.count
        XCTAssertGreaterThan(cold, 990)
        XCTAssertLessThan(hot, 400)
    }

    func testBoundedHeapSelectsSortedLargest() {
        let items: [UInt64] = [9, 3, 7, 1, 8, 2, 6, 9]
        XCTAssertEqual(Sampler.largest(3, of: items), [9, 9, 8])
        XCTAssertEqual(Sampler.largest(1, of: items), [9])
    }

    func testCandidateKeysOrderByProbabilityThenLowerId() {
        let a = Sampler.key(probability: 0.5, token: 7), b = Sampler.key(probability: 0.5, token: 3)
        let c = Sampler.key(probability: 0.25, token: 1)
        XCTAssertGreaterThan(b, a)
        XCTAssertGreaterThan(a, c)
        XCTAssertEqual(Sampler.token(a), 7)
        XCTAssertEqual(Sampler.probability(c), 0.25)
    }

    func testRandomIsReproducibleAndInRange() {
        var a = SamplerRandom(seed: 42), b = SamplerRandom(seed: 42), c = SamplerRandom(seed: 43)
        let xs = (0..<1000).map { _ in a.nextUnitFloat() }
        XCTAssertEqual(xs, (0..<1000).map { _ in b.nextUnitFloat() })
        XCTAssertNotEqual(xs, (0..<1000).map { _ in c.nextUnitFloat() })
        XCTAssertTrue(xs.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(Double(xs.reduce(0, +)) / 1000, 0.5, accuracy: 0.05)
    }
}
