import Dashboard
import Trace

/// The scraped servers' states in an attach recording: one `observed` line per server each time
/// a scrape brought a change (see `EventCoding.observedKind`). Replay reads over them; they
/// keep what the real servers reported (queues, KV usage, throughput) beside the traffic.
enum AttachStateLines {
    /// `{"ev": "observed", "inst", "url", "role", "up", ...}`, numbers only when the server gave them.
    static func encode(_ o: ObservedInstance, index: Int) -> JSONObject {
        var line = JSONObject()
        line["ev"] = .string(EventCoding.observedKind)
        line["inst"] = .int(index)
        line["url"] = .string(o.url)
        line["role"] = .string(o.role)
        line["up"] = .bool(o.isUp)
        if let v = o.engine { line["engine"] = .string(v) }
        if let v = o.model { line["model"] = .string(v) }
        if let v = o.error { line["error"] = .string(v) }
        if let v = o.running { line["running"] = .int(v) }
        if let v = o.waiting { line["waiting"] = .int(v) }
        if !o.queues.isEmpty {
            var queues = JSONObject()
            for q in o.queues { queues[q.name] = .int(q.count) }
            line["queues"] = .object(queues)
        }
        if let v = o.kvUsage { line["kv_usage"] = .double(v) }
        if let v = o.kvBlocksUsed { line["kv_used"] = .int(v); line["kv_unit"] = .string(o.kvUnit) }
        if let v = o.kvBlocksTotal { line["kv_total"] = .int(v) }
        if let v = o.promptTokensPerSecond { line["prompt_tok_s"] = .double(v) }
        if let v = o.generationTokensPerSecond { line["gen_tok_s"] = .double(v) }
        if let v = o.preemptions { line["preemptions"] = .int(v) }
        if let v = o.prefixHitRate { line["prefix_hit_rate"] = .double(v) }
        return line
    }
}
