import Engine
import Foundation
import Model
import Trace

/// The project's headline measurement: how much long prompts hurt the chat users' decode under
/// each policy. For each policy it runs a long-prompt storm and, on a fresh engine, the storm's
/// chat requests alone (the same requests, same seeds), and divides the chat decodes' ITL p99 in
/// the storm by their ITL p99 in isolation. 1× means the long prompts cost the chatters nothing.
struct HeadlineBenchmark {
    var model: LlamaModel
    var config: EngineConfig
    var duration: Double
    var rate: Double
    var seed: UInt64 = 2
    var policies: [SchedulingPolicy] = SchedulingPolicy.allCases
    var progress: RunProgress.Mode = .off
    var interrupt: InterruptFlag?

    /// The goal of each policy's ratio: `≤ 1.2×` for disaggregated, `≥ 5×` for colocated FCFS
    /// (the stall the seed set out to show), none for chunked prefill (it sits in between).
    enum Goal: Equatable {
        case atMost(Double), atLeast(Double), none

        static func of(_ policy: SchedulingPolicy) -> Goal {
            switch policy {
            case .disaggregated: return .atMost(1.2)
            case .colocatedFCFS: return .atLeast(5)
            case .chunkedPrefill: return .none
            }
        }

        func isMet(_ ratio: Double) -> Bool? {
            switch self {
            case .atMost(let limit): return ratio <= limit
            case .atLeast(let limit): return ratio >= limit
            case .none: return nil
            }
        }

        var text: String {
            switch self {
            case .atMost(let limit): return "≤ \(JSONWriter.format(limit))×"
            case .atLeast(let limit): return "≥ \(JSONWriter.format(limit))×"
            case .none: return "-"
            }
        }
    }

    /// One policy's numbers.
    struct Row {
        var policy: SchedulingPolicy
        var isolatedP99: Double
        var stormP99: Double
        /// The storm's p99 without each request's first gap (first token → second token), which
        /// in a disaggregated run includes the KV handoff; shows whether a miss is the handoff's.
        var stormDecodeP99: Double = .nan
        var ratio: Double { stormP99 / isolatedP99 }
        var goal: Goal
        /// The worst chat gap in the storm run and what ran meanwhile.
        var worstStall: String?
        var chatRequests: Int
        var longPrompts: Int
    }

    /// The storm workload (chat + long prompts) and its chat part alone.
    func makeWorkloads() -> (storm: [RequestSpec], isolated: [RequestSpec]) {
        let storm = WorkloadGenerator.make(kind: .longPromptStorm, rate: rate, duration: duration, seed: seed,
                                           contextLength: model.config.contextLength)
        return (storm, storm.filter(Self.isChat))
    }

    static func isChat(_ spec: RequestSpec) -> Bool { !PromptLibrary.longPromptUsers.contains(spec.user) }

    /// Runs every policy (storm, then isolated); stops early on an interrupt with the rows so far.
    func run(log: (String) -> Void) throws -> [Row] {
        let (storm, isolated) = makeWorkloads()
        guard !isolated.isEmpty, storm.count > isolated.count else {
            throw CLIError("--duration \(JSONWriter.format(duration)) s is too short for a storm: long prompts start at 2 s and need chat requests around them")
        }
        var rows: [Row] = []
        for policy in policies {
            var config = self.config
            config.policy = policy
            log("\(policy.rawValue): storm (\(storm.count) requests, \(storm.count - isolated.count) long prompts)…")
            let stormy = try runOnce(config, storm)
            if interrupt?.isSet == true { break }
            log("\(policy.rawValue): chat alone (\(isolated.count) requests)…")
            let alone = try runOnce(config, isolated)
            if interrupt?.isSet == true { break }
            let chatIDs = Set(stormy.summary.report.requests.filter { !PromptLibrary.longPromptUsers.contains($0.user) }.map(\.id))
            let worst = stormy.collector.stalls(minGap: 0).first { chatIDs.contains($0.request) }
            rows.append(Row(policy: policy, isolatedP99: Self.chatITLp99(alone), stormP99: Self.chatITLp99(stormy),
                            stormDecodeP99: Self.chatITLp99(stormy, skippingFirstGap: true), goal: .of(policy), worstStall: worst.map(Self.describe),
                            chatRequests: isolated.count, longPrompts: storm.count - isolated.count))
        }
        return rows
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

    /// p99 of every inter-token gap of the chat requests (optionally without each first gap).
    static func chatITLp99(_ outcome: RunWorkload.Outcome, skippingFirstGap: Bool = false) -> Double {
        let gaps = outcome.summary.report.requests.filter { !PromptLibrary.longPromptUsers.contains($0.user) }
            .flatMap { skippingFirstGap ? Array($0.itls.dropFirst()) : $0.itls }
        return MetricsDistribution(gaps).percentile(99) ?? .nan
    }
}
