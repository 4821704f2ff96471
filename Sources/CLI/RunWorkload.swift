import Dispatch
import Engine
import Foundation
import Model
import Synchronization
import Trace

/// One headless run of a workload on the real engine: the body shared by `replay`, `compare` and
/// `bench-headline`. It owns the engine for the run's length: starts it, submits every request at
/// its arrival offset (divided by `speed`) from a `TimedSubmitter` on the engine's clock, waits
/// until every submitted request has ended, shuts the engine down and builds the summary from
/// the metrics that consumed the event stream.
struct RunWorkload {
    var model: LlamaModel
    var config: EngineConfig
    var requests: [RequestSpec]
    /// Arrival offsets are divided by this (2 = twice as fast).
    var speed = 1.0
    var slo: GoodputSLO?
    /// Extra event consumers (a trace writer), added before the engine starts.
    var sinks: [EngineEventSink] = []
    var progress: RunProgress.Mode = .off
    /// Set from another thread (SIGINT) to stop submitting and end the run early.
    var interrupt: InterruptFlag?

    /// What a run leaves behind.
    struct Outcome {
        var summary: RunSummary
        var collector: MetricsCollector
        /// Engine warnings (core fallbacks, unpinned threads), for stderr.
        var warnings: [String]
        /// The instances as the run ended (roles, cores seen, real-time class).
        var instances: [InstanceStatus]
        /// Requests never submitted because the run was interrupted.
        var notSubmitted: Int
        var wasInterrupted: Bool
    }

    /// Runs the workload to its end (or to an interrupt) and returns the summary.
    func run() throws -> Outcome {
        let clock = MonotonicClock()
        let engine: Engine
        do {
            engine = try Engine(config: config, clock: clock, runnerFactory: LlamaRunner.factory(model: model))
        } catch { throw CLIError("\(error)") }
        let collector = MetricsCollector()
        let counter = TokenCounter()
        engine.addSink(collector)
        engine.addSink(counter)
        for sink in sinks { engine.addSink(sink) }

        let interrupt = interrupt
        let submitter = TimedSubmitter(engine: engine, requests: requests, speed: speed) { interrupt?.isSet == true }
        engine.start()
        let origin = clock.now()
        submitter.start(origin: origin)
        let lastArrival = requests.map(\.arrivalOffset).max() ?? 0
        let meter = RunProgress(mode: progress, total: requests.count, lastArrival: lastArrival / speed)

        // Poll rather than block in waitUntilIdle, so that the progress line moves and an
        // interrupt is noticed; a snapshot is a short copy under the engine lock.
        var wasInterrupted = false
        while true {
            let snapshot = engine.snapshot()
            let submittedAll = submitter.isDone
            meter.update(done: snapshot.ended, submitted: submitter.submittedCount, tokens: counter.count, elapsed: clock.now() - origin)
            if submittedAll && snapshot.ended >= submitter.submittedCount { break }
            if interrupt?.isSet == true { wasInterrupted = true; break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        submitter.stopAndWait()
        let snapshot = engine.snapshot()
        engine.shutdown()
        meter.finish()

        let info = Self.runInfo(config: config, model: model, snapshot: snapshot, slo: slo)
        let summary = RunSummary(info: info, collector: collector)
        return Outcome(summary: summary, collector: collector, warnings: engine.warnings, instances: snapshot.instances,
                       notSubmitted: requests.count - submitter.submittedCount, wasInterrupted: wasInterrupted)
    }

    /// What the summary needs to know about the configuration and the placement actually seen.
    static func runInfo(config: EngineConfig, model: LlamaModel, snapshot: EngineSnapshot, slo: GoodputSLO?) -> RunInfo {
        let isDisaggregated = config.policy == .disaggregated
        let instances = snapshot.instances.map {
            RunInstanceInfo(id: $0.id, role: $0.role, coresRequested: $0.coresRequested,
                            coresObserved: $0.coresObserved, kvBlocks: $0.kvBlocks, realtime: $0.realtime)
        }
        return RunInfo(policy: config.policy.rawValue,
                       route: isDisaggregated ? config.route.rawValue : nil,
                       kvTransfer: isDisaggregated ? config.kvTransfer.rawValue : nil, kvCacheType: config.kvCacheType.rawValue,
                       model: model.name, kvLinkGbps: isDisaggregated ? config.kvLinkGbps : nil,
                       kvStoreBlocks: isDisaggregated && config.kvTransfer == .pool && snapshot.storeBlocks > 0 ? snapshot.storeBlocks : nil,
                       instances: instances, goodput: slo)
    }
}

/// Counts emitted tokens for the progress line (one atomic-enough increment under a lock).
final class TokenCounter: EngineEventSink, Sendable {
    private let tokens = Mutex(0)
    func receive(_ event: EngineEvent) {
        if case .tokenEmitted = event.kind { tokens.withLock { $0 += 1 } }
    }
    var count: Int { tokens.withLock { $0 } }
}
