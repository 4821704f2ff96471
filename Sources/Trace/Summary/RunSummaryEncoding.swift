import Engine

/// The `--json` contract. Scripts read these key names (vLLM `bench serve` spelling), so keys are
/// only ever added, never renamed; each object's keys come in the fixed order written here.
/// Times are milliseconds rounded to the microsecond; undefined values are `null`.
extension RunSummary {
    /// `{"runs": [...]}` for one or more runs (`replay` prints one, `compare` one per policy).
    public static func json(_ runs: [RunSummary], pretty: Bool = true) -> String {
        JSONDocument.render(.object([("runs", .array(runs.map(\.jsonValue)))]), pretty: pretty)
    }

    /// This run as one element of `runs`.
    public var jsonValue: JSONValue {
        let r = report
        var pairs: [(String, JSONValue)] = [
            ("policy", .string(info.policy)),
            ("route", .string(info.route)),
            ("kv_transfer", .string(info.kvTransfer)),
            ("model", .string(info.model)),
            ("kv_link_gbps", .rounded(info.kvLinkGbps)),
            ("kv_cache_type", .string(info.kvCacheType)),
            ("completed", .int(r.completed)),
            ("rejected", .int(r.rejected)),
            ("aborted", .int(r.aborted)),
            ("unfinished", .int(r.unfinished)),
            ("num_preemptions", .int(r.numPreemptions)),
            ("duration_s", .rounded(r.durationSeconds)),
            ("total_input_tokens", .int(r.totalInputTokens)),
            ("total_output_tokens", .int(r.totalOutputTokens)),
            ("request_throughput", .rounded(r.requestThroughput)),
            ("output_throughput", .rounded(r.outputThroughput)),
        ]
        for (name, stats) in [("ttft", r.ttft), ("tpot", r.tpot), ("itl", r.itl), ("e2el", r.e2el),
                              ("queue_time", r.queueTime), ("prefill_time", r.prefillTime),
                              ("kv_transfer_time", r.kvTransferTime)] {
            pairs += Self.statistics(name, stats)
        }
        pairs += [("p999_itl_ms", Self.milliseconds(r.itl.percentile(99.9))), ("max_itl_ms", Self.milliseconds(r.itl.max))]
        pairs += [
            ("goodput_slo", Self.slo(r.goodput?.slo)),
            ("request_goodput", .rounded(r.goodput?.requestGoodput)),
            ("slo_attainment", .rounded(r.goodput?.sloAttainment)),
            ("prefix_cache_hits", .int(r.prefixCache.hits)),
            ("prefix_cache_hit_tokens", .int(r.prefixCache.tokens)),
            ("instances", .array(instanceRows.map(Self.instance))),
            ("kv_transfers", .object([
                ("count", .int(r.kvTransfers.count)),
                ("bytes", .int(r.kvTransfers.bytes)),
                ("mean_gb_s", .rounded(r.kvTransfers.meanGBps)),
                ("blocks", .int(r.kvTransfers.blocks)),
                ("time_s", .rounded(r.kvTransfers.totalSeconds)),
            ])),
            ("kv_cache", .array(r.kvCache.map(Self.cache))),
            ("rejection_reasons", .array(rejectionReasons.map { .object([("reason", .string($0.reason)), ("count", .int($0.count))]) })),
            ("requests", .array(r.requests.map(Self.request))),
        ]
        return .object(pairs)
    }

    /// Seconds → milliseconds, rounded to the microsecond so the JSON carries no float noise.
    static func milliseconds(_ seconds: Double?) -> JSONValue {
        .rounded(seconds.map { ($0 * 1e6).rounded() / 1e3 })
    }

    /// mean/median/p90/p99 (the contract) and std (vLLM also prints it) of one metric.
    private static func statistics(_ name: String, _ stats: MetricsDistribution) -> [(String, JSONValue)] {
        [("mean_\(name)_ms", milliseconds(stats.mean)),
         ("median_\(name)_ms", milliseconds(stats.median)),
         ("p90_\(name)_ms", milliseconds(stats.p90)),
         ("p99_\(name)_ms", milliseconds(stats.p99)),
         ("std_\(name)_ms", milliseconds(stats.std))]
    }

    private static func slo(_ slo: GoodputSLO?) -> JSONValue {
        guard let slo else { return .null }
        return .object([("ttft_ms", milliseconds(slo.ttft)), ("tpot_ms", milliseconds(slo.tpot)),
                        ("e2el_ms", milliseconds(slo.e2el))])
    }

    private static func instance(_ row: InstanceRow) -> JSONValue {
        .object([
            ("role", .string(row.role)),
            ("cores_requested", .ints(row.coresRequested)),
            ("cores_observed", .ints(row.coresObserved)),
            ("realtime", .bool(row.realtime)),
            ("busy_fraction", .rounded(row.busyFraction)),
            ("id", .int(row.id)),
            ("steps", .int(row.steps)),
            ("busy_s", .rounded(row.busySeconds)),
            ("kv_blocks", row.kvCache?.capacityBlocks.map { .int($0) } ?? .null),
            ("kv_cache_peak_usage", .rounded(row.kvCache?.peakUsage)),
        ])
    }

    private static func cache(_ stats: MetricsReport.KVCacheStats) -> JSONValue {
        .object([
            ("location", .string(stats.location.summaryName)),
            ("capacity_blocks", stats.capacityBlocks.map { .int($0) } ?? .null),
            ("used_blocks", .int(stats.usedBlocks)),
            ("peak_blocks", .int(stats.peakBlocks)),
            ("usage", .rounded(stats.usage)),
            ("peak_usage", .rounded(stats.peakUsage)),
        ])
    }

    private static func request(_ request: RequestMetrics) -> JSONValue {
        .object([
            ("id", .int(request.id)),
            ("user", .string(request.user)),
            ("prompt_tokens", .int(request.promptTokens)),
            ("output_tokens", .int(request.outputTokens)),
            ("output_text", .string(request.outputText)),
            ("ttft_ms", milliseconds(request.ttft)),
            ("e2el_ms", milliseconds(request.e2el)),
            ("state", .string(request.state.rawValue)),
            ("finish_reason", .string(request.finishReason?.rawValue)),
            ("reject_reason", .string(request.rejectReason)),
            ("arrival_s", .rounded(request.arrival)),
            ("tpot_ms", milliseconds(request.tpot)),
            ("max_itl_ms", milliseconds(request.itls.max())),
            ("queue_time_ms", milliseconds(request.queueTime)),
            ("prefill_time_ms", milliseconds(request.prefillTime)),
            ("kv_transfer_time_ms", milliseconds(request.kvTransferTime)),
            ("num_preemptions", .int(request.preemptions)),
            ("prefix_hit_tokens", .int(request.prefixHitTokens)),
        ])
    }
}
