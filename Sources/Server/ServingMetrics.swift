import Engine
import Foundation
import Prometheus
import Synchronization

/// `/metrics`: vLLM v1's Prometheus metrics, one series per engine instance (labels `model_name`,
/// `engine` = instance id, `role`), reduced from the engine's event stream. Gauges are read from
/// the engine's snapshot at scrape time. Where a request's work is split between instances, each
/// number goes where the work happened: prompt tokens, TTFT, queue and prefill time to the
/// instance that ran the prefill; ITL, decode time, E2E and finishes to the instance that
/// produced the last token; KV transfers (vLLM's NIXL connector names) to the receiving side.
public final class ServingMetrics: EngineEventSink, Sendable {
    public let registry: PrometheusCollectorRegistry
    private let state: Mutex<Reducer>

    /// `kvBlocks` and `blockSize` go into `vllm:cache_config_info` (`num_gpu_blocks`, `block_size`),
    /// where vLLM publishes its pool size, so a scraper can turn the usage fraction into blocks.
    public init(modelName: String, instances: [(id: InstanceID, role: InstanceRole)], kvBlocks: [InstanceID: Int] = [:],
                blockSize: Int? = nil) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        var series: [InstanceID: InstanceSeries] = [:]
        for instance in instances {
            let labels = [("model_name", modelName), ("engine", String(instance.id)), ("role", instance.role.rawValue)]
            series[instance.id] = InstanceSeries(registry: registry, labels: labels)
            if let blocks = kvBlocks[instance.id] {
                let info = labels + [("num_gpu_blocks", String(blocks)), ("block_size", blockSize.map(String.init) ?? "None")]
                registry.makeGauge(descriptor: .init(metricName: "vllm:cache_config_info", unitName: "",
                                                     helpText: "Information of the LLMEngine CacheConfig"), labels: info).set(to: 1)
            }
        }
        state = Mutex(Reducer(series: series))
    }

    /// The exposition text, with the gauges set from `snapshot` first.
    public func exposition(snapshot: EngineSnapshot) -> String {
        state.withLock { state in
            for instance in snapshot.instances {
                guard let s = state.series[instance.id] else { continue }
                s.running.set(to: Double(instance.running))
                s.waiting.set(to: Double(instance.waiting))
                s.kvUsage.set(to: instance.kvBlocks > 0 ? Double(instance.kvBlocksUsed) / Double(instance.kvBlocks) : 0)
            }
        }
        return registry.emitToString()
    }

    public func receive(_ event: EngineEvent) {
        state.withLock { $0.reduce(event) }
    }
}

/// The series and what is remembered of requests in flight, changed only under the metrics' lock.
private struct Reducer {
    let series: [InstanceID: InstanceSeries]
    var requests: [RequestID: RequestTimes] = [:]
    var transferStarts: [Int: Double] = [:]

    mutating func reduce(_ event: EngineEvent) {
        let t = event.time
        switch event.kind {
        case .arrived(let id, _, let promptTokens):
            requests[id] = RequestTimes(arrival: t, promptTokens: promptTokens)
        case .routed(let id, let instance, _, _):
            if requests[id]?.instance == nil { requests[id]?.instance = instance }
        case .stepStarted(let instance, _, let decodes, let prefills):
            for id in decodes + prefills.map(\.request) { scheduled(id, on: instance, at: t) }
        case .tokenEmitted(let id, let index, _, _):
            token(id, index: index, at: t)
        case .preempted(_, let instance, _):
            series[instance]?.preemptions.increment()
        case .finished(let id, let reason, _):
            finished(id, reason: reason, at: t)
        case .rejected(let id, _):
            requests[id] = nil
        case .kvTransferStarted(let transfer, _, _, _, _, _, _):
            transferStarts[transfer] = t
        case .kvTransferEnded(let transfer, _, let from, let to, _, let bytes, _):
            let start = transferStarts.removeValue(forKey: transfer) ?? t
            let receiver: InstanceID?
            if case .instance(let id) = to { receiver = id } else if case .instance(let id) = from { receiver = id } else { receiver = nil }
            if let receiver, let s = series[receiver] {
                s.transferSeconds.record(max(t - start, 0))
                s.transferBytes.record(Double(bytes))
            }
        default:
            break
        }
    }

    private mutating func scheduled(_ id: RequestID, on instance: InstanceID, at t: Double) {
        guard var times = requests[id] else { return }
        times.instance = instance
        if times.firstScheduled == nil {
            times.firstScheduled = t
            series[instance]?.queueTime.record(max(t - times.arrival, 0))
        }
        requests[id] = times
    }

    private mutating func token(_ id: RequestID, index: Int, at t: Double) {
        guard var times = requests[id], let instance = times.instance, let s = series[instance] else { return }
        s.generationTokens.increment()
        if index == 0 {
            times.firstToken = t
            s.promptTokens.increment(by: Int64(times.promptTokens))
            s.ttft.record(max(t - times.arrival, 0))
            s.prefillTime.record(max(t - (times.firstScheduled ?? times.arrival), 0))
        } else if let last = times.lastToken {
            s.itl.record(max(t - last, 0))
        }
        times.lastToken = t
        requests[id] = times
    }

    private mutating func finished(_ id: RequestID, reason: FinishReason, at t: Double) {
        guard let times = requests.removeValue(forKey: id), let instance = times.instance, let s = series[instance] else { return }
        s.success[reason]?.increment()
        s.e2e.record(max(t - times.arrival, 0))
        if let first = times.firstToken, let last = times.lastToken { s.decodeTime.record(max(last - first, 0)) }
        if let scheduled = times.firstScheduled { s.inferenceTime.record(max(t - scheduled, 0)) }
    }
}

/// What the reducer remembers of a request until it ends.
private struct RequestTimes {
    var arrival: Double
    var promptTokens: Int
    var instance: InstanceID?
    var firstScheduled: Double?
    var firstToken: Double?
    var lastToken: Double?
}

/// One instance's series. Buckets are vLLM's.
private struct InstanceSeries {
    let running, waiting, kvUsage: Gauge
    let promptTokens, generationTokens, preemptions: Counter
    let success: [FinishReason: Counter]
    let ttft, itl, e2e, queueTime, prefillTime, decodeTime, inferenceTime, transferSeconds, transferBytes: ValueHistogram

    static let ttftBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
                              20.0, 40.0, 80.0, 160.0, 640.0, 2560.0]
    static let itlBuckets = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0]
    static let requestBuckets = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0,
                                 240.0, 480.0, 960.0, 1920.0, 7680.0]
    static let transferSecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 5.0]
    static let transferBytesBuckets = (0..<12).map { 2048.0 * pow(4.0, Double($0)) }

    init(registry r: PrometheusCollectorRegistry, labels: [(String, String)]) {
        func gauge(_ name: String, _ help: String) -> Gauge {
            r.makeGauge(descriptor: .init(metricName: name, unitName: "", helpText: help), labels: labels)
        }
        func counter(_ name: String, _ help: String, extra: [(String, String)] = []) -> Counter {
            r.makeCounter(descriptor: .init(metricName: name, unitName: "total", helpText: help), labels: labels + extra)
        }
        func histogram(_ name: String, _ help: String, _ buckets: [Double]) -> ValueHistogram {
            r.makeValueHistogram(descriptor: .init(metricName: name, unitName: "", helpText: help), labels: labels, buckets: buckets)
        }
        running = gauge("vllm:num_requests_running", "Number of requests in model execution batches.")
        waiting = gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.")
        kvUsage = gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.")
        promptTokens = counter("vllm:prompt_tokens", "Number of prefill tokens processed.")
        generationTokens = counter("vllm:generation_tokens", "Number of generation tokens processed.")
        preemptions = counter("vllm:num_preemptions", "Cumulative number of preemption from the engine.")
        var success: [FinishReason: Counter] = [:]
        for reason in [FinishReason.stop, .length, .aborted] {
            success[reason] = counter("vllm:request_success", "Count of successfully processed requests.",
                                      extra: [("finished_reason", ResponseShape.finishReason(reason))])
        }
        self.success = success
        ttft = histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", Self.ttftBuckets)
        itl = histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", Self.itlBuckets)
        e2e = histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", Self.requestBuckets)
        queueTime = histogram("vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", Self.requestBuckets)
        prefillTime = histogram("vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request.", Self.requestBuckets)
        decodeTime = histogram("vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request.", Self.requestBuckets)
        inferenceTime = histogram("vllm:request_inference_time_seconds", "Histogram of time spent in RUNNING phase for request.", Self.requestBuckets)
        transferSeconds = histogram("vllm:nixl_xfer_time_seconds", "Histogram of transfer duration for KV cache transfers (pdscope's KV connector).", Self.transferSecondsBuckets)
        transferBytes = histogram("vllm:nixl_bytes_transferred", "Histogram of bytes transferred per KV cache transfer (pdscope's KV connector).", Self.transferBytesBuckets)
    }
}
