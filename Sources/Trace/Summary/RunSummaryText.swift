import Engine
import Foundation

/// Human-readable output of one run, laid out like vLLM's `bench serve` result so the numbers
/// can be read next to a vLLM run.
extension RunSummary {
    /// The summary table of this run.
    public func text() -> String {
        let r = report
        var lines: [String] = []
        func row(_ label: String, _ value: String) { lines.append(Self.pad(label + ":", 40) + " " + value) }
        func section(_ title: String) { lines.append(Self.banner(title, fill: "-")) }

        lines.append(Self.banner(" Serving Benchmark Result ", fill: "="))
        row("Policy", info.policy)
        if let route = info.route { row("Route", route) }
        if let kvTransfer = info.kvTransfer { row("KV transfer", kvTransfer) }
        if let kvCacheType = info.kvCacheType { row("KV cache type", kvCacheType) }
        if let gbps = info.kvLinkGbps { row("Simulated KV link (Gb/s)", Self.fixed(gbps, 1)) }
        if let model = info.model { row("Model", model) }
        row("Successful requests", String(r.completed))
        row("Rejected requests", String(r.rejected))
        lines += rejectionLines
        if r.aborted > 0 { row("Aborted requests", String(r.aborted)) }
        if r.unfinished > 0 { row("Unfinished requests", String(r.unfinished)) }
        row("Benchmark duration (s)", Self.fixed(r.durationSeconds, 2))
        row("Total input tokens", String(r.totalInputTokens))
        row("Total generated tokens", String(r.totalOutputTokens))
        row("Request throughput (req/s)", Self.fixed(r.requestThroughput, 2))
        row("Output token throughput (tok/s)", Self.fixed(r.outputThroughput, 2))
        if let goodput = r.goodput {
            row("Goodput SLO", goodput.slo.description)
            row("Request goodput (req/s)", Self.fixed(goodput.requestGoodput, 2))
            row("SLO attainment (%)", Self.fixed(goodput.sloAttainment * 100, 1))
        }
        row("Preemptions", String(r.numPreemptions))

        for (title, name, stats) in Self.latencySections(r) {
            section(title)
            row("Mean \(name) (ms)", Self.ms(stats.mean))
            row("Median \(name) (ms)", Self.ms(stats.median))
            row("P90 \(name) (ms)", Self.ms(stats.p90))
            row("P99 \(name) (ms)", Self.ms(stats.p99))
            if name == "ITL" {
                row("P99.9 ITL (ms)", Self.ms(stats.percentile(99.9)))
                row("Max ITL (ms)", Self.ms(stats.max))
            }
        }
        section("Queue and prefill")
        row("Mean / P99 queue time (ms)", Self.ms(r.queueTime.mean) + " / " + Self.ms(r.queueTime.p99))
        row("Mean / P99 prefill time (ms)", Self.ms(r.prefillTime.mean) + " / " + Self.ms(r.prefillTime.p99))
        row("Prefix cache hits", "\(r.prefixCache.hits) (\(EngineLimits.grouped(r.prefixCache.tokens)) tokens)")
        if r.kvTransfers.count > 0 {
            section("KV transfers")
            row("Transfers", String(r.kvTransfers.count))
            row("Bytes transferred", Self.bytes(r.kvTransfers.bytes))
            row("Mean transfer rate (GB/s)", Self.fixed(r.kvTransfers.meanGBps, 2))
            row("Mean / P99 KV transfer time (ms)", Self.ms(r.kvTransferTime.mean) + " / " + Self.ms(r.kvTransferTime.p99))
        }
        let rows = instanceRows
        if !rows.isEmpty {
            section("Instances")
            for instance in rows { lines.append(Self.instanceLine(instance)) }
        }
        if let store = r.kvCache.first(where: { $0.location == .store }) {
            lines.append("store    peak KV \(Self.usage(store))")
        }
        lines.append(String(repeating: "=", count: 50))
        return lines.joined(separator: "\n") + "\n"
    }

    static func latencySections(_ r: MetricsReport) -> [(String, String, MetricsDistribution)] {
        [("Time to First Token", "TTFT", r.ttft),
         ("Time per Output Token (excl. 1st token)", "TPOT", r.tpot),
         ("Inter-token Latency", "ITL", r.itl),
         ("End-to-end Latency", "E2EL", r.e2el)]
    }

    /// `#0 prefill  cores 0 (seen 0)  busy  43.2 %  peak KV 12.5 %`, then `  real-time` for a
    /// thread in the real-time class (`--realtime-decode`).
    static func instanceLine(_ row: InstanceRow) -> String {
        let requested = cores(row.coresRequested)
        let observed = cores(row.coresObserved)
        let placement = requested == observed ? "cores \(requested)" : "cores \(requested) (seen \(observed))"
        var line = pad("#\(row.id) \(row.role)", 12) + pad(placement, 22)
            + "busy " + leftPad(fixed(row.busyFraction * 100, 1), 5) + " %"
        if let cache = row.kvCache { line += "  peak KV \(usage(cache))" }
        if row.realtime { line += "  real-time" }
        return line
    }

    static func usage(_ cache: MetricsReport.KVCacheStats) -> String {
        if let peak = cache.peakUsage { return fixed(peak * 100, 1) + " %" }
        return "\(cache.peakBlocks) blocks"
    }

    static func cores(_ list: [Int]) -> String { list.isEmpty ? "-" : list.map(String.init).joined(separator: ",") }

    /// `nil`/NaN print as "-" (undefined), never as a fake 0.
    static func fixed(_ value: Double?, _ decimals: Int) -> String {
        guard let value, value.isFinite else { return "-" }
        return String(format: "%.\(decimals)f", value)
    }

    static func ms(_ seconds: Double?) -> String { fixed(seconds.map { $0 * 1000 }, 2) }

    static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(count) B" : String(format: "%.1f ", value) + units[unit]
    }

    /// `title` centred in a 50-wide line of `fill`, like vLLM's section rules.
    static func banner(_ title: String, fill: Character) -> String {
        let width = 50
        let left = max((width - title.count) / 2, 0)
        let right = max(width - title.count - left, 0)
        return String(repeating: fill, count: left) + title + String(repeating: fill, count: right)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func leftPad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
