import Engine
import Foundation
import Trace

/// Everything `bench-headline` measured, with the seed's claims checked on every run.
struct HeadlineResult {
    var model: String
    var duration: Double
    var cores: Int
    var slo: GoodputSLO
    var chatRequests: Int
    var longPrompts: Int
    var entries: [HeadlineEntry]
    /// `--realtime-decode` was asked for, and whether every decode instance of every run got it
    /// (nil: no decode instance ran).
    /// `--retries`: how many times a disturbed pair of runs could be measured again.
    var retries = 0
    var realtimeDecodeRequested = false
    var realtimeDecode: Bool?

    /// One of the seed's claims and whether it held on every run.
    struct Goal: Equatable {
        /// Which entry it is about (its label), for the per-entry JSON.
        var subject: String
        var text: String
        /// nil when the runs it needs are missing.
        var met: Bool?
        /// The measured margin, e.g. "smallest ratio 63×".
        var detail: String
    }

    /// Disaggregated's worst gap is ≥ this many times smaller than colocated FCFS's.
    static let disaggregationFactor = 20.0
    /// Disaggregated's worst gap is at most this many times its isolated p99.
    static let isolationFactor = 5.0

    func entry(_ policy: SchedulingPolicy) -> HeadlineEntry? {
        entries.first { $0.arrangement.policy == policy && $0.arrangement.colocatedInstances == 1 }
    }

    var goals: [Goal] {
        let seconds = HeadlineFormat.seconds, times = HeadlineFormat.times
        let fcfs = entry(.colocatedFCFS), chunked = entry(.chunkedPrefill), disagg = entry(.disaggregated)
        var goals: [Goal] = []
        // Runs are paired by round: the same machine state, one arrangement after the other.
        let fcfsOverDisagg = zip(fcfs?.storm ?? [], disagg?.storm ?? []).map { $0.itlMax / $1.itlMax }
        goals.append(Goal(subject: SchedulingPolicy.colocatedFCFS.rawValue,
                          text: "worst chat gap ≥ \(Int(Self.disaggregationFactor))× smaller under disaggregated than colocated-fcfs",
                          met: fcfsOverDisagg.isEmpty ? nil : fcfsOverDisagg.allSatisfy { $0 >= Self.disaggregationFactor },
                          detail: fcfsOverDisagg.isEmpty ? "needs both runs" : "ratio per run: " + fcfsOverDisagg.map { times($0) }.joined(separator: ", ")))
        let chunkedVsFCFS = zip(chunked?.storm ?? [], fcfs?.storm ?? []).map { ($0.itlMax, $1.itlMax) }
        goals.append(Goal(subject: SchedulingPolicy.chunkedPrefill.rawValue,
                          text: "chunked prefill bounds the worst chat gap below colocated-fcfs's",
                          met: chunkedVsFCFS.isEmpty ? nil : chunkedVsFCFS.allSatisfy { $0 < $1 },
                          detail: chunkedVsFCFS.isEmpty ? "needs both runs" : "per run: " + chunkedVsFCFS.map { "\(seconds($0)) vs \(seconds($1))" }.joined(separator: ", ")))
        let disaggRuns = Array(zip(disagg?.storm ?? [], disagg?.isolated ?? []))
        let disaggVsAlone = disaggRuns.map { $0.itlMax / $1.itlP99 }
        // A run whose worst gap lost a millisecond or more to the host says how much, so a miss
        // the host caused reads as one.
        let perRun = disaggRuns.map { storm, alone in
            times(storm.itlMax / alone.itlP99)
                + (storm.worstGapOffCPU >= 0.001 ? " (\(seconds(storm.worstGapOffCPU)) of its \(seconds(storm.itlMax)) off the CPU)" : "")
        }
        goals.append(Goal(subject: SchedulingPolicy.disaggregated.rawValue,
                          text: "disaggregated worst chat gap ≤ \(Int(Self.isolationFactor))× its isolated p99",
                          met: disaggVsAlone.isEmpty ? nil : disaggVsAlone.allSatisfy { $0 <= Self.isolationFactor },
                          detail: disaggVsAlone.isEmpty ? "needs its runs" : "per run: " + perRun.joined(separator: ", ")))
        return goals
    }

    /// What disaggregation costs in TTFT at equal cores, against each colocated policy's default arrangement.
    var ttftCost: [String] {
        let seconds = HeadlineFormat.seconds, times = HeadlineFormat.times
        guard let disagg = entry(.disaggregated) else { return [] }
        return [SchedulingPolicy.colocatedFCFS, .chunkedPrefill].compactMap { policy in
            guard let other = entry(policy) else { return nil }
            let p50 = (disagg.storm(\.ttftP50).median, other.storm(\.ttftP50).median)
            let p99 = (disagg.storm(\.ttftP99).median, other.storm(\.ttftP99).median)
            return "chat TTFT p50 \(seconds(p50.0)) vs \(seconds(p50.1)) under \(policy.rawValue) (\(times(p50.0 / p50.1))), p99 \(seconds(p99.0)) vs \(seconds(p99.1)) (\(times(p99.0 / p99.1)))"
        }
    }
}

enum HeadlineFormat {
/// "12.3 ms" or "2.71 s"; "-" when undefined.
static func seconds(_ s: Double) -> String {
    guard s.isFinite else { return "-" }
    return s < 1 ? String(format: "%.1f ms", s * 1000) : String(format: "%.2f s", s)
}

/// "63×", "2.4×", "0.61×"; "-" when undefined.
static func times(_ x: Double) -> String {
    guard x.isFinite else { return "-" }
    return x >= 10 ? String(format: "%.0f×", x) : String(format: "%.2g×", x)
}
}
