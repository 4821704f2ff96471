import Engine
import Foundation
import Trace

/// What the headline measures of the chat users in one run (storm or isolated). Seconds.
struct HeadlineRunStats: Equatable {
    var itlMedian: Double = .nan
    var itlP99: Double = .nan
    var itlP999: Double = .nan
    var itlMax: Double = .nan
    /// p99 without each request's first gap (its first decode step, which waits for the batch it joins).
    var itlP99WithoutFirstGap: Double = .nan
    /// Share of chat gaps longer than 5× the isolated run's median gap (set on storm runs).
    var slowGapFraction: Double = .nan
    var ttftP50: Double = .nan
    var ttftP99: Double = .nan
    /// Chat requests meeting the SLO per second.
    var requestGoodput: Double = .nan
    /// The worst chat gap and what ran during it.
    var worstStall: String?
    /// Seconds of the worst chat gap its instance's thread was off the CPU (host steal, another
    /// task on its core): what the host, not the policy, added to it.
    var worstGapOffCPU: Double = .nan

    /// A gap this many times the isolated median counts as slow.
    static let slowFactor = 5.0

    /// The host, not the policy, shaped this run: its thread was off the CPU for at least 1 ms
    /// (what a stall line mentions) and a fifth of its worst chat gap. The gap's own cost is then
    /// unknown, so `bench-headline` measures the run again (`--retries`) and lists it as repeated.
    var isDisturbed: Bool { worstGapOffCPU >= 0.001 && worstGapOffCPU >= 0.2 * itlMax }

    init() {}

    /// The chat users' numbers of one finished run.
    init(_ outcome: RunWorkload.Outcome, slo: GoodputSLO, isolatedMedian: Double? = nil) {
        let report = outcome.summary.report
        let chat = report.requests.filter { !PromptLibrary.longPromptUsers.contains($0.user) }
        let gaps = chat.flatMap(\.itls)
        let itl = MetricsDistribution(gaps)
        itlMedian = itl.median ?? .nan
        itlP99 = itl.p99 ?? .nan
        itlP999 = itl.percentile(99.9) ?? .nan
        itlMax = itl.max ?? .nan
        itlP99WithoutFirstGap = MetricsDistribution(chat.flatMap { $0.itls.dropFirst() }).p99 ?? .nan
        if let median = isolatedMedian, median.isFinite, !gaps.isEmpty {
            slowGapFraction = Double(gaps.filter { $0 > Self.slowFactor * median }.count) / Double(gaps.count)
        }
        let ttft = MetricsDistribution(chat.filter(\.isCompleted).compactMap(\.ttft))
        ttftP50 = ttft.median ?? .nan
        ttftP99 = ttft.p99 ?? .nan
        let good = chat.filter { slo.isMet(by: $0) }.count
        requestGoodput = report.durationSeconds > 0 ? Double(good) / report.durationSeconds : .nan
        let chatIDs = Set(chat.map(\.id))
        let worst = outcome.collector.stalls(minGap: 0).first { chatIDs.contains($0.request) }
        worstStall = worst.map(HeadlineBenchmark.describe)
        worstGapOffCPU = worst?.offCPU ?? .nan
    }
}

/// One value over the repeated runs of a configuration: its median and spread.
struct Spread: Equatable {
    var values: [Double]
    var finite: [Double] { values.filter(\.isFinite).sorted() }
    var median: Double {
        let v = finite
        guard !v.isEmpty else { return .nan }
        return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
    }
    var min: Double { finite.first ?? .nan }
    var max: Double { finite.last ?? .nan }
}

/// A pair of runs measured again because the host disturbed one of them (`isDisturbed`).
struct HeadlineRepeat: Equatable {
    /// The round (1-based) the pair belonged to.
    var round: Int
    /// "storm" or "isolated": the disturbed run (the storm's when both were).
    var part: String
    var worstGap: Double
    var offCPU: Double
}

extension HeadlineRepeat: CustomStringConvertible {
    /// "run 3's storm: 8.1 ms of its 18.2 ms worst chat gap off the CPU".
    var description: String {
        "run \(round)'s \(part): \(HeadlineFormat.seconds(offCPU)) of its \(HeadlineFormat.seconds(worstGap)) worst chat gap off the CPU"
    }
}

/// One configuration (policy and arrangement) with its storm and isolated runs, one pair per repeat.
struct HeadlineEntry {
    var arrangement: HeadlineBenchmark.Arrangement
    var storm: [HeadlineRunStats] = []
    var isolated: [HeadlineRunStats] = []
    /// Pairs measured again, in order; not in `storm` / `isolated`.
    var repeated: [HeadlineRepeat] = []

    func storm(_ metric: KeyPath<HeadlineRunStats, Double>) -> Spread { Spread(values: storm.map { $0[keyPath: metric] }) }
    func isolated(_ metric: KeyPath<HeadlineRunStats, Double>) -> Spread { Spread(values: isolated.map { $0[keyPath: metric] }) }
    /// The storm p99 over the isolated p99 (the headline's original ratio), median over runs.
    var ratio: Double { Spread(values: zip(storm, isolated).map { $0.itlP99 / $1.itlP99 }).median }
    /// The worst stall of the run with the largest worst gap.
    var worstStall: String? { storm.max { !($0.itlMax >= $1.itlMax) }?.worstStall }
}
