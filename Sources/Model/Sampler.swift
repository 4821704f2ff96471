import Foundation

/// Chooses the next token from a row of logits, following one request's `SamplingParams`.
///
/// Greedy (temperature 0) is argmax with the first maximum winning, as llama2.c. Otherwise the
/// logits are divided by the temperature and softmaxed, cut to the top-k, then to the nucleus
/// (smallest prefix of the sorted candidates whose mass reaches top-p), and one token is drawn with
/// the request's own seeded generator, so the same seed always gives the same tokens.
/// Scratch buffers are allocated once per sampler; one sampler belongs to one request.
public struct Sampler {
    public let params: SamplingParams
    public let vocabSize: Int
    private var random: SamplerRandom
    private var probabilities: [Float]
    /// Packed (probability, token) keys, see `key(probability:token:)`.
    private var candidates: [UInt64]

    public init(params: SamplingParams, vocabSize: Int) {
        precondition(vocabSize > 0, "a sampler needs a non-empty vocabulary")
        self.params = params
        self.vocabSize = vocabSize
        random = SamplerRandom(seed: params.seed)
        probabilities = params.isGreedy ? [] : [Float](repeating: 0, count: vocabSize)
        candidates = []
        if !params.isGreedy { candidates.reserveCapacity(vocabSize) }
    }

    /// Samples one token id. `logits` must hold `vocabSize` values. NaN logits are never chosen
    /// unless all are NaN (then token 0). O(V) for plain sampling, O(V + c log c) with top-k/top-p
    /// where c is the number of candidates kept.
    public mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        precondition(logits.count == vocabSize, "expected \(vocabSize) logits, got \(logits.count)")
        if params.isGreedy { return Sampler.argmax(logits) }

        // Softmax at the temperature; subtracting the max keeps exp in range.
        let maxLogit = logits[Int(Sampler.argmax(logits))]
        guard maxLogit.isFinite else { return Sampler.argmax(logits) }
        let invT = 1 / params.temperature
        var sum: Float = 0
        for i in 0..<vocabSize {
            let l = logits[i]
            let p = l.isNaN ? 0 : expf((l - maxLogit) * invT)
            probabilities[i] = p
            sum += p
        }
        let useTopK = params.topK > 0 && params.topK < vocabSize
        let useTopP = params.topP > 0 && params.topP < 1
        if !useTopK && !useTopP { return drawFromAll(mass: sum) }
        return drawFromCandidates(total: sum, topK: useTopK ? params.topK : vocabSize, topP: useTopP ? params.topP : 1)
    }

    public mutating func sample(_ logits: [Float]) -> Int32 {
        logits.withUnsafeBufferPointer { sample($0) }
    }

    /// Index of the first largest value (NaN never wins; all NaN gives 0).
    public static func argmax(_ values: UnsafeBufferPointer<Float>) -> Int32 {
        var best = 0
        var bestValue = -Float.infinity
        for i in 0..<values.count where values[i] > bestValue {
            bestValue = values[i]; best = i
        }
        return Int32(best)
    }

    /// Multinomial draw over the whole vocabulary (unnormalised probabilities summing to `mass`).
    private mutating func drawFromAll(mass: Float) -> Int32 {
        let coin = random.nextUnitFloat() * mass
        var cdf: Float = 0
        var last = 0
        for i in 0..<vocabSize where probabilities[i] > 0 {
            cdf += probabilities[i]
            last = i
            if coin < cdf { return Int32(i) }
        }
        return Int32(last)  // rounding can leave coin just above the final sum
    }

    /// Sorts the likeliest tokens (ties: lower id first, so top-k 1 is exactly greedy), keeps `topK`
    /// of them, then the nucleus of mass `topP` among those, and draws from what is left.
    private mutating func drawFromCandidates(total: Float, topK: Int, topP: Float) -> Int32 {
        candidates.removeAll(keepingCapacity: true)
        // Tokens far below the nucleus threshold can never be kept (llama2.c's cutoff); pruning
        // them first makes the sort cheap. With top-k alone every token stays a candidate.
        let cutoff = topK == vocabSize ? (1 - topP) / Float(vocabSize - 1) * total : 0
        for i in 0..<vocabSize where probabilities[i] > 0 && probabilities[i] >= cutoff {
            candidates.append(Sampler.key(probability: probabilities[i], token: Int32(i)))
        }
        if candidates.isEmpty { return probabilities.withUnsafeBufferPointer { Sampler.argmax($0) } }
        if topK < candidates.count {
            candidates = Sampler.largest(topK, of: candidates)
        } else {
            candidates.sort(by: >)
        }
        var kept = candidates.count
        var mass: Float = 0
        for key in candidates { mass += Sampler.probability(key) }
        if topP < 1 {
            let target = topP * mass
            var cumulative: Float = 0
            for i in 0..<candidates.count {
                cumulative += Sampler.probability(candidates[i])
                if cumulative >= target { kept = i + 1; mass = cumulative; break }
            }
        }
        let coin = random.nextUnitFloat() * mass
        var cdf: Float = 0
        for i in 0..<kept {
            cdf += Sampler.probability(candidates[i])
            if coin < cdf { return Sampler.token(candidates[i]) }
        }
        return Sampler.token(candidates[kept - 1])
    }

    /// Candidates are sorted as plain integers: the probability's bits (positive floats order like
    /// their bit patterns) above the inverted token id, so a larger key is a likelier token and,
    /// on equal probability, a lower id. Much faster than sorting ids with a closure.
    @inline(__always)
    static func key(probability: Float, token: Int32) -> UInt64 {
        UInt64(probability.bitPattern) << 32 | UInt64(UInt32.max - UInt32(bitPattern: token))
    }

    @inline(__always)
    static func probability(_ key: UInt64) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: key >> 32)) }

    @inline(__always)
    static func token(_ key: UInt64) -> Int32 { Int32(bitPattern: UInt32.max - UInt32(truncatingIfNeeded: key)) }

    /// The `k` largest keys, largest first, in O(n log k) with a bounded min-heap.
    static func largest(_ k: Int, of items: [UInt64]) -> [UInt64] {
        // Min-heap of the best k seen so far: its root is the worst kept item.
        var heap: [UInt64] = []
        heap.reserveCapacity(k)
        for item in items {
            if heap.count < k {
                heap.append(item)
                var i = heap.count - 1
                while i > 0, heap[(i - 1) / 2] > heap[i] { heap.swapAt(i, (i - 1) / 2); i = (i - 1) / 2 }
            } else if item > heap[0] {
                heap[0] = item
                var i = 0
                while true {
                    let l = 2 * i + 1, r = l + 1
                    var smallest = i
                    if l < k, heap[l] < heap[smallest] { smallest = l }
                    if r < k, heap[r] < heap[smallest] { smallest = r }
                    if smallest == i { break }
                    heap.swapAt(i, smallest); i = smallest
                }
            }
        }
        return heap.sorted(by: >)
    }
}
