import Engine
import Foundation
import Model
import Trace

/// The project's headline measurement: how much long prompts hurt the chat users' decode under
/// each policy at equal cores. For each configuration it runs a long-prompt storm and, on a fresh
/// engine, the storm's chat requests alone (same requests, same seeds), `repeats` times, and
/// reports the chat users' gaps (p99, p99.9, worst), TTFT and goodput in both.
struct HeadlineBenchmark {
    var model: LlamaModel
    var config: EngineConfig
    var duration: Double
    var rate: Double
    var seed: UInt64 = 2
    var repeats = 3
    /// Extra attempts at a pair of runs the host disturbed (`HeadlineRunStats.isDisturbed`).
    var retries = 2
    var slo = HeadlineBenchmark.defaultSLO
    var arrangements: [Arrangement]? = nil
    var progress: RunProgress.Mode = .off
    var interrupt: InterruptFlag?

    /// Chat objectives when `--goodput` is not given: a first token within 2 s, 50 ms per token.
    static let defaultSLO = GoodputSLO(ttft: 2, tpot: 0.05)

    /// A policy and how the cores are shared out: colocated policies run as one instance owning
    /// every core (`colocatedInstances` 1) or data-parallel (one instance per core).
    struct Arrangement: Equatable {
        var policy: SchedulingPolicy
        var colocatedInstances = 1

        var isColocated: Bool { policy != .disaggregated }
        /// Only disaggregated's disturbed runs are measured again: its worst gap is a few decode
        /// steps on one real-time thread, so time off the CPU there is the host's and can decide
        /// goal 3. Colocated worst gaps are prefill stalls of hundreds of ms, and their instances'
        /// off-CPU time includes waits for their own other threads (pool or sibling instance).
        var repeatsDisturbedRuns: Bool { policy == .disaggregated }
        /// `colocated-fcfs`, `colocated-fcfs ×2` (data-parallel), `disaggregated`.
        var label: String { isColocated && colocatedInstances > 1 ? "\(policy.rawValue) ×\(colocatedInstances)" : policy.rawValue }

        func describe(cores: Int) -> String {
            switch policy {
            case .disaggregated: return "prefill + decode instances"
            default:
                return colocatedInstances == 1 ? "1 instance × \(cores) cores"
                    : "\(colocatedInstances) instances × \(max(1, cores / colocatedInstances)) core(s)"
            }
        }
    }

    /// Every policy; the colocated ones both as one instance and one instance per core.
    static func defaultArrangements(cores: Int) -> [Arrangement] {
        var result: [Arrangement] = []
        for policy in [SchedulingPolicy.colocatedFCFS, .chunkedPrefill] {
            result.append(Arrangement(policy: policy))
            if cores > 1 { result.append(Arrangement(policy: policy, colocatedInstances: cores)) }
        }
        return result + [Arrangement(policy: .disaggregated)]
    }

    /// The storm workload (chat + long prompts) and its chat part alone.
    func makeWorkloads() -> (storm: [RequestSpec], isolated: [RequestSpec]) {
        let storm = WorkloadGenerator.make(kind: .longPromptStorm, rate: rate, duration: duration, seed: seed,
                                           contextLength: model.config.contextLength)
        return (storm, storm.filter(Self.isChat))
    }

    static func isChat(_ spec: RequestSpec) -> Bool { !PromptLibrary.longPromptUsers.contains(spec.user) }

    /// Runs every arrangement `repeats` times (the repeats outermost, so slow drift of the machine
    /// hits every arrangement alike); stops early on an interrupt with what finished so far.
    func run(log: (String) -> Void) throws -> HeadlineResult {
        let (storm, isolated) = makeWorkloads()
        guard !isolated.isEmpty, storm.count > isolated.count else {
            throw CLIError("--duration \(JSONWriter.format(duration)) s is too short for a storm: long prompts start at 2 s and need chat requests around them")
        }
        let layout = arrangements ?? Self.defaultArrangements(cores: config.allCores.count)
        var entries = layout.map { HeadlineEntry(arrangement: $0) }
        var result = HeadlineResult(model: model.name, duration: duration, cores: config.allCores.count, slo: slo,
                                    chatRequests: isolated.count, longPrompts: storm.count - isolated.count, entries: [])
        result.realtimeDecodeRequested = config.realtimeDecode
        result.retries = retries
        var decodeInstances: [InstanceStatus] = []
        runs: for round in 1...max(repeats, 1) {
            for index in entries.indices {
                var config = self.config
                config.policy = entries[index].arrangement.policy
                config.colocatedInstances = entries[index].arrangement.colocatedInstances
                let name = "\(entries[index].arrangement.label) run \(round)/\(repeats)"
                let attempts = entries[index].arrangement.repeatsDisturbedRuns ? retries : 0
                let measured = try Self.measureUndisturbed(round: round, retries: attempts, log: log) {
                    log("\(name): chat alone (\(isolated.count) requests)…")
                    let alone = try runOnce(config, isolated)
                    if interrupt?.isSet == true { return nil }
                    log("\(name): storm (\(storm.count) requests, \(storm.count - isolated.count) long prompts)…")
                    let stormy = try runOnce(config, storm)
                    if interrupt?.isSet == true { return nil }
                    decodeInstances += (alone.instances + stormy.instances).filter { $0.role == .decode }
                    let isolatedStats = HeadlineRunStats(alone, slo: slo)
                    return (isolatedStats, HeadlineRunStats(stormy, slo: slo, isolatedMedian: isolatedStats.itlMedian))
                }
                entries[index].repeated += measured.repeated
                guard let pair = measured.pair else { break runs }
                entries[index].isolated.append(pair.isolated)
                entries[index].storm.append(pair.storm)
            }
        }
        result.entries = entries.filter { !$0.storm.isEmpty }
        result.realtimeDecode = decodeInstances.isEmpty ? nil : decodeInstances.allSatisfy(\.realtime)
        return result
    }

    /// Measures a pair (isolated, storm) and measures it again, at most `retries` more times, while
    /// the host disturbed either run; returns the last pair (nil when `measure` was interrupted)
    /// and the disturbed ones it replaced.
    static func measureUndisturbed(round: Int, retries: Int, log: (String) -> Void,
                                   _ measure: () throws -> (isolated: HeadlineRunStats, storm: HeadlineRunStats)?) rethrows
        -> (pair: (isolated: HeadlineRunStats, storm: HeadlineRunStats)?, repeated: [HeadlineRepeat]) {
        var repeated: [HeadlineRepeat] = []
        while true {
            guard let pair = try measure() else { return (nil, repeated) }
            let disturbed = pair.storm.isDisturbed ? ("storm", pair.storm) : pair.isolated.isDisturbed ? ("isolated", pair.isolated) : nil
            guard let (part, run) = disturbed, repeated.count < retries else { return (pair, repeated) }
            let again = HeadlineRepeat(round: round, part: part, worstGap: run.itlMax, offCPU: run.worstGapOffCPU)
            log("  measuring again: \(again.description)")
            repeated.append(again)
        }
    }

    private func runOnce(_ config: EngineConfig, _ requests: [RequestSpec]) throws -> RunWorkload.Outcome {
        let outcome = try RunWorkload(model: model, config: config, requests: requests, progress: progress, interrupt: interrupt).run()
        outcome.warnings.forEach { printError("warning: \($0)") }
        return outcome
    }

    /// A stall in one line: the gap and its three largest prefills (a colocated FCFS stall can
    /// sit behind a dozen chat prefills too, which would bury the long prompt that caused it).
    static func describe(_ stall: Stall) -> String {
        var short = stall
        short.causes = Array(stall.causes.sorted { $0.tokens > $1.tokens }.prefix(3))
        let more = stall.causes.count - short.causes.count
        return short.description + (more > 0 ? " and \(more) shorter prefill\(more == 1 ? "" : "s")" : "")
    }
}
