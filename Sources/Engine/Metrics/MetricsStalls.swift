import Foundation

/// A long gap between two tokens of one request, with the prefill work that ran on the same
/// instance during it: the evidence for "#7 waited 1.8 s behind prefill of #12 (2,010 tokens)".
public struct Stall: Sendable, Equatable, CustomStringConvertible {
    public var request: RequestID
    /// Instance that produced the late token (nil if unknown).
    public var instance: InstanceID?
    /// Index of the late token (≥ 1); the gap ends at it and starts at token `tokenIndex − 1`.
    public var tokenIndex: Int
    public var start: Double
    public var end: Double
    /// Prefill work of each request that overlapped the gap on that instance, largest overlap first.
    public var causes: [StallCause]
    /// Seconds of the gap the instance's thread was off its CPU in the steps that ended in it
    /// (host steal, another task on its core; see `EngineClock.threadCPUTime`): time no scheduling
    /// policy could have used.
    public var offCPU: Double

    public var gap: Double { end - start }

    public init(request: RequestID, instance: InstanceID?, tokenIndex: Int, start: Double, end: Double, causes: [StallCause],
                offCPU: Double = 0) {
        self.request = request; self.instance = instance; self.tokenIndex = tokenIndex
        self.start = start; self.end = end; self.causes = causes; self.offCPU = offCPU
    }

    /// One line, e.g. `#7 waited 1.80 s behind prefill of #12 (2,010 tokens)`, and when the
    /// instance's thread lost its CPU for a millisecond or more of it, e.g. `; its thread was off
    /// the CPU for 16.2 ms of it`.
    public var description: String {
        let head = "#\(request) waited \(Self.seconds(gap))"
        let off = offCPU >= 0.001 ? "; its thread was off the CPU for \(Self.seconds(offCPU)) of it" : ""
        guard !causes.isEmpty else { return head + " (no prefill ran on its instance\(off))" }
        let culprits = causes.map { "#\($0.request) (\(EngineLimits.grouped($0.tokens)) tokens)" }
        return head + " behind prefill of " + culprits.joined(separator: ", ") + off
    }

    static func seconds(_ value: Double) -> String {
        value >= 1 ? String(format: "%.2f s", value) : String(format: "%.1f ms", value * 1000)
    }
}

/// The prefill work of one request inside a stall.
public struct StallCause: Sendable, Equatable {
    public var request: RequestID
    /// Prefill chunks of that request that overlapped the gap.
    public var chunks: Int
    /// Prompt tokens in those chunks.
    public var tokens: Int
    /// Seconds of the gap those chunks covered.
    public var overlap: Double

    public init(request: RequestID, chunks: Int, tokens: Int, overlap: Double) {
        self.request = request; self.chunks = chunks; self.tokens = tokens; self.overlap = overlap
    }
}

extension MetricsCollector {
    /// Every token gap of at least `minGap` seconds, worst first, each with the prefill chunks that
    /// ran on the instance producing the late token while the request waited. The request's own
    /// chunks (a recompute after preemption) are listed too: they are a cause as well.
    /// - Complexity: O(tokens + chunks log chunks + stalls × (log chunks + chunks in the gap)).
    public func stalls(minGap: Double) -> [Stall] {
        let state = snapshot()
        var timelines: [InstanceID: ChunkTimeline] = [:]
        var found: [Stall] = []
        for request in state.requests.values {
            let times = request.tokenTimes
            guard times.count > 1 else { continue }
            for index in 1..<times.count where times[index] - times[index - 1] >= minGap {
                let owner = request.tokenInstances[index]
                if owner >= 0, timelines[owner] == nil { timelines[owner] = ChunkTimeline(state.instances[owner]?.chunks ?? []) }
                found.append(Self.stall(request, tokenIndex: index, timeline: owner >= 0 ? timelines[owner] : nil,
                                        offCPUSteps: state.instances[owner]?.offCPUSteps ?? []))
            }
        }
        return found.sorted { ($0.gap, $1.request, $1.tokenIndex) > ($1.gap, $0.request, $0.tokenIndex) }
    }

    /// The gap ending at token `tokenIndex` of `request`, its causes from the timeline of the
    /// instance that produced the token and its off-CPU time from that instance's steps.
    static func stall(_ request: RequestMetrics, tokenIndex: Int, timeline: ChunkTimeline?, offCPUSteps: [OffCPUStep]) -> Stall {
        let owner = request.tokenInstances[tokenIndex]
        let start = request.tokenTimes[tokenIndex - 1], end = request.tokenTimes[tokenIndex]
        return Stall(request: request.id, instance: owner >= 0 ? owner : nil, tokenIndex: tokenIndex, start: start, end: end,
                     causes: timeline?.causes(from: start, to: end) ?? [],
                     offCPU: owner >= 0 ? offCPU(offCPUSteps, from: start, to: end) : 0)
    }

    /// Off-CPU seconds of the steps that ended in (start, end]: the steps that produced the late
    /// token and any before it in the gap (the previous token's step ended before `start`: a step's
    /// tokens are stamped when applied, after its measured end).
    static func offCPU(_ steps: [OffCPUStep], from start: Double, to end: Double) -> Double {
        var low = 0, high = steps.count  // first step ending after `start` (steps are in end order)
        while low < high {
            let middle = (low + high) / 2
            if steps[middle].end <= start { low = middle + 1 } else { high = middle }
        }
        var total = 0.0
        for step in steps[low...] {
            guard step.end <= end else { break }
            total += step.seconds
        }
        return total
    }
}

/// One instance's prefill chunks sorted by start, with the running maximum of their ends, so the
/// chunks overlapping a gap are found by a binary search and a short backward walk.
struct ChunkTimeline {
    private let runs: [MetricsCollector.ChunkRun]
    /// `latestEnd[i]` = max end of `runs[0...i]`: once it is at or before the gap's start, no
    /// earlier chunk can overlap the gap.
    private let latestEnd: [Double]

    init(_ chunks: [MetricsCollector.ChunkRun]) {
        runs = chunks.sorted { $0.start < $1.start }
        var latest = -Double.infinity
        latestEnd = runs.map { latest = max(latest, $0.end); return latest }
    }

    /// The chunks overlapping (start, end), grouped by request, largest overlap first.
    func causes(from start: Double, to end: Double) -> [StallCause] {
        // First chunk starting at or after `end`: nothing from there on can overlap.
        var low = 0, high = runs.count
        while low < high {
            let middle = (low + high) / 2
            if runs[middle].start < end { low = middle + 1 } else { high = middle }
        }
        var byRequest: [RequestID: StallCause] = [:]
        var index = low - 1
        while index >= 0 && latestEnd[index] > start {
            let run = runs[index]
            index -= 1
            let overlap = min(run.end, end) - max(run.start, start)
            // A chunk measured as taking no time still counts when it ran inside the gap.
            let inside = overlap > 0 || (run.start == run.end && run.start > start && run.start < end)
            guard inside else { continue }
            var cause = byRequest[run.chunk.request] ?? StallCause(request: run.chunk.request, chunks: 0, tokens: 0, overlap: 0)
            cause.chunks += 1
            cause.tokens += run.chunk.tokens
            cause.overlap += max(overlap, 0)
            byRequest[run.chunk.request] = cause
        }
        return byRequest.values.sorted { ($0.overlap, $1.request) > ($1.overlap, $0.request) }
    }
}
