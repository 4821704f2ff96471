/// Turns a /metrics page into an `InstanceReading`, engine by engine. Where a metric was renamed
/// the new name is read first, then the old one.
public enum EngineInterpreter {
    public struct UnknownEngine: Error, CustomStringConvertible {
        public var description: String { "/metrics has no vllm:, sglang: or llamacpp: series" }
    }

    public static func read(_ page: MetricsPage) throws -> InstanceReading {
        guard let kind = EngineKind.identify(page) else { throw UnknownEngine() }
        switch kind {
        case .vllm, .pdscope: return vllm(page, kind: kind)
        case .sglang: return sglang(page)
        case .llamacpp: return llamacpp(page)
        }
    }

    static func vllm(_ p: MetricsPage, kind: EngineKind) -> InstanceReading {
        var r = InstanceReading(engine: kind)
        r.roles = p.labelValues("role", prefix: "vllm:").sorted()
        r.modelName = p.labelValues("model_name", prefix: "vllm:").sorted().first
        r.running = p.total("vllm:num_requests_running")
        r.waiting = p.total("vllm:num_requests_waiting")
        r.waitingByReason = p.totals("vllm:num_requests_waiting_by_reason", by: "reason").map { NamedCount($0.0, $0.1) }
        let usages = p.series("vllm:kv_cache_usage_perc").isEmpty ? p.series("vllm:gpu_cache_usage_perc") : p.series("vllm:kv_cache_usage_perc")
        if !usages.isEmpty { r.kvUsage = usages.reduce(0) { $0 + $1.value } / Double(usages.count) }
        let blocks = p.series("vllm:cache_config_info").compactMap { $0.labels["num_gpu_blocks"].flatMap { Int($0) } }
        if !blocks.isEmpty { r.kvBlocksTotal = blocks.reduce(0, +) }
        r.queues = p.totals("vllm:num_requests_kv_fetch_by_stage", by: "stage").map { NamedCount("kv fetch " + $0.0, $0.1) }
        r.promptTokens = p.total("vllm:prompt_tokens_total")
        r.generationTokens = p.total("vllm:generation_tokens_total")
        r.preemptions = p.total("vllm:num_preemptions_total")
        r.prefixQueries = p.total(anyOf: ["vllm:prefix_cache_queries_total", "vllm:gpu_prefix_cache_queries_total"])
        r.prefixHits = p.total(anyOf: ["vllm:prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits_total"])
        let failures = ["vllm:nixl_num_failed_transfers_total", "vllm:nixl_num_failed_notifications_total"].compactMap { p.total($0) }
        if !failures.isEmpty { r.transferFailures = failures.reduce(0, +) }
        let names: [(String, [String])] = [
            ("ttft", ["vllm:time_to_first_token_seconds"]),
            ("itl", ["vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds"]),
            ("e2e", ["vllm:e2e_request_latency_seconds"]),
            ("queue", ["vllm:request_queue_time_seconds"]),
            ("kv_transfer", ["vllm:nixl_xfer_time_seconds"]),
            ("kv_transfer_bytes", ["vllm:nixl_bytes_transferred"]),
        ]
        for (key, candidates) in names {
            if let h = candidates.lazy.compactMap({ p.histogram($0) }).first { r.histograms[key] = h }
        }
        return r
    }

    static func sglang(_ p: MetricsPage) -> InstanceReading {
        var r = InstanceReading(engine: .sglang)
        r.roles = p.labelValues("engine_type", prefix: "sglang:").sorted()
        r.modelName = p.labelValues("model_name", prefix: "sglang:").sorted().first
        r.running = p.total("sglang:num_running_reqs")
        r.waiting = p.total("sglang:num_queue_reqs")
        r.kvTokensUsed = p.total(anyOf: ["sglang:num_used_tokens", "sglang:kv_used_tokens"])
        r.kvTokensTotal = p.total("sglang:max_total_num_tokens")
        if let used = r.kvTokensUsed, let total = r.kvTokensTotal, total > 0 { r.kvUsage = used / total }
        else { r.kvUsage = p.total("sglang:token_usage") }
        let stages: [(String, String)] = [
            ("prefill bootstrap", "sglang:num_prefill_bootstrap_queue_reqs"),
            ("prefill prealloc", "sglang:num_prefill_prealloc_queue_reqs"),
            ("prefill inflight", "sglang:num_prefill_inflight_queue_reqs"),
            ("decode prealloc", "sglang:num_decode_prealloc_queue_reqs"),
            ("decode transfer", "sglang:num_decode_transfer_queue_reqs"),
        ]
        r.queues = stages.compactMap { name, metric in p.total(metric).map { NamedCount(name, $0) } }
        r.promptTokens = p.total("sglang:prompt_tokens_total")
        r.generationTokens = p.total("sglang:generation_tokens_total")
        r.preemptions = p.total(anyOf: ["sglang:num_retracted_requests_total", "sglang:num_retracted_reqs"])
        r.reportedPrefixHitRate = p.total("sglang:cache_hit_rate")
        let failures = ["sglang:num_transfer_failed_reqs_total", "sglang:num_bootstrap_failed_reqs_total"].compactMap { p.total($0) }
        if !failures.isEmpty { r.transferFailures = failures.reduce(0, +) }
        r.lastTransferSeconds = p.total("sglang:kv_transfer_latency_ms").map { $0 / 1000 }
        r.lastTransferGBps = p.total("sglang:kv_transfer_speed_gb_s")
        let names: [(String, [String])] = [
            ("ttft", ["sglang:time_to_first_token_seconds"]),
            ("itl", ["sglang:inter_token_latency_seconds", "sglang:time_per_output_token_seconds"]),
            ("e2e", ["sglang:e2e_request_latency_seconds"]),
            ("queue", ["sglang:queue_time_seconds"]),
        ]
        for (key, candidates) in names {
            if let h = candidates.lazy.compactMap({ p.histogram($0) }).first { r.histograms[key] = h }
        }
        return r
    }

    /// llama.cpp has no labels and no histograms; its slots (`GET /slots`) are read by the scraper.
    static func llamacpp(_ p: MetricsPage) -> InstanceReading {
        var r = InstanceReading(engine: .llamacpp)
        r.running = p.total("llamacpp:requests_processing")
        r.waiting = p.total("llamacpp:requests_deferred")
        r.queues = [("deferred", "llamacpp:requests_deferred"), ("processing", "llamacpp:requests_processing")]
            .compactMap { name, metric in p.total(metric).map { NamedCount(name, $0) } }
        r.promptTokens = p.total("llamacpp:prompt_tokens_total")
        r.generationTokens = p.total("llamacpp:tokens_predicted_total")
        if let cached = p.total("llamacpp:prompt_tokens_cached_total"), let computed = r.promptTokens {
            // Prefix hit rate in tokens: cached / (cached + computed), as vLLM's hits / queries.
            r.prefixHits = cached; r.prefixQueries = cached + computed
        }
        if let usage = p.total("llamacpp:kv_cache_usage_ratio") { r.kvUsage = usage }
        return r
    }
}
