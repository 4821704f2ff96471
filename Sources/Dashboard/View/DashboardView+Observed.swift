import Engine

/// The panels' text for instances seen from outside (`pdscope attach`): the same bands as the
/// in-process dashboard, filled from `ObservedInstance` records instead of engine events.
extension DashboardView {
    static var attachedTitle: String { "pdscope attach" }

    /// Panel title: "i0 decode · vllm 0.32.0 · KV 12%" or "i1 both · DOWN".
    public static func observedTitle(_ id: InstanceID, _ o: ObservedInstance) -> String {
        var title = "i\(id) \(o.role)"
        if let engine = o.engine { title += " · " + engine + (o.version.map { " " + $0 } ?? "") }
        if o.error != nil { return title + " · DOWN" }
        if let usage = o.kvUsage { title += " · KV \(Int((usage * 100).rounded()))%" }
        return title
    }

    /// Panel lines, most telling first (the panel shows as many as fit).
    public static func observedLines(_ o: ObservedInstance, now: Double) -> [(String, Style)] {
        var lines: [(String, Style)] = []
        if let error = o.error {
            lines.append((error, Style(foreground: Palette.red, isBold: true)))
            let seen = o.lastSeen.map { "last seen \(Format.seconds(now - $0)) ago" } ?? "never reached"
            lines.append((o.url + " · " + seen + " · retrying", .dim))
            return lines
        }
        guard o.lastSeen != nil else { return [(o.url + " · connecting…", .dim)] }
        var load = "run \(o.running.map(String.init) ?? "-") · wait \(o.waiting.map(String.init) ?? "-")"
        let reasons = o.waitingReasons.filter { $0.count > 0 }
        if !reasons.isEmpty { load += " (" + reasons.map { "\($0.name) \($0.count)" }.joined(separator: ", ") + ")" }
        if let used = o.kvBlocksUsed, let total = o.kvBlocksTotal { load += " · KV \(used)/\(total) \(o.kvUnit)" }
        lines.append((load, .bold))
        var rates = "tok/s in " + (o.promptTokensPerSecond.map { Format.fixed($0, 1) } ?? "-")
            + " out " + (o.generationTokensPerSecond.map { Format.fixed($0, 1) } ?? "-")
        if let p = o.preemptions { rates += " · preempt \(p)" }
        if let hit = o.prefixHitRate { rates += " · prefix hit \(Int((hit * 100).rounded()))%" }
        lines.append((rates, .plain))
        lines.append(((o.model ?? "model ?") + " · " + o.url, .dim))
        for e in o.estimates {
            lines.append(("~" + e.name + " p50/p90/p99 " + [e.p50, e.p90, e.p99].map(Format.millis).joined(separator: "/")
                          + " ms (\(e.count), est.)", .plain))
        }
        return lines
    }

    /// Line one of the header when attached: what is watched, and the totals of line two.
    static func observedHeader(_ state: DashboardState, separator sep: String) -> (String, String) {
        let all = state.orderedInstances.compactMap { state.observed[$0.description.id] }
        let up = all.filter(\.isUp)
        let models = Set(up.compactMap(\.model)).sorted().joined(separator: ", ")
        let first = attachedTitle + sep + "\(all.count) instance" + (all.count == 1 ? "" : "s")
            + (models.isEmpty ? "" : sep + "model " + models) + sep + "up " + Format.clock(state.now)
        let out = up.compactMap(\.generationTokensPerSecond).reduce(0, +)
        let running = up.compactMap(\.running).reduce(0, +), waiting = up.compactMap(\.waiting).reduce(0, +)
        var second = Format.fixed(out, 1) + " tok/s" + sep + "running \(running) · waiting \(waiting)"
        if up.count < all.count { second += sep + "down \(all.count - up.count)" }
        return (first, second)
    }

    /// The queues band when attached: every instance's queues by stage, and KV transfers.
    static func renderObservedMiddle(_ state: DashboardState, into buffer: inout ScreenBuffer, rect: Rect) {
        let (left, right) = rect.splitLeft(min(60, rect.width / 2))
        let queues = Box(title: "queues by stage (scraped)").framing(into: &buffer, rect: left)
        var rows: [[TableCell]] = []
        for status in state.orderedInstances {
            let id = status.description.id
            guard let o = state.observed[id], o.isUp else { continue }
            let stages = [ObservedInstance.Count("running", o.running ?? 0), ObservedInstance.Count("waiting", o.waiting ?? 0)]
                + o.waitingReasons.map { ObservedInstance.Count("waiting " + $0.name, $0.count) } + o.queues
            for stage in stages {
                let style: Style? = stage.count == 0 ? .dim : nil
                rows.append([.text("i\(id)", style), .text(stage.name, style), .text("\(stage.count)", style)])
            }
        }
        var table = Table(columns: [TableColumn("inst", width: 4), TableColumn("stage", width: max(8, queues.width - 12)),
                                    TableColumn("n", width: 5, isRightAligned: true)], rows: rows)
        table.isHeaderShown = queues.height > rows.count
        table.render(into: &buffer, rect: queues)

        let inner = Box(title: "KV transfers (scraped, est.)").framing(into: &buffer, rect: right)
        var y = inner.y
        for status in state.orderedInstances where y < inner.maxY {
            let id = status.description.id
            guard let o = state.observed[id], o.isUp else { continue }
            let transfer = o.estimates.first { $0.name == "KV xfer" }
            guard o.transfers != nil || o.transferFailures != nil || transfer != nil else { continue }
            var line = "i\(id) \(o.transfers ?? 0) in \(Int(o.window)) s"
            if let t = transfer { line += " · p50/p99 " + Format.millis(t.p50) + "/" + Format.millis(t.p99) + " ms" }
            if let rate = o.transferBytesPerSecond { line += " · " + Format.bytes(Int(rate)) + "/s" }
            if let failed = o.transferFailures { line += " · failed \(failed)" }
            buffer.put(line.truncated(toWidth: inner.width, ellipsis: buffer.glyphs.ellipsis), x: inner.x, y: y,
                       style: (o.transferFailures ?? 0) > 0 ? Style(foreground: Palette.red) : .plain, maxWidth: inner.width)
            y += 1
        }
        if y == inner.y, !inner.isEmpty {
            buffer.put("no KV transfer metrics (nixl_*, kv_transfer_*)", x: inner.x, y: y, style: .dim, maxWidth: inner.width)
        }
    }

    /// The summary band when attached: what the percentiles are (estimates from histogram deltas).
    static func renderObservedSummary(_ state: DashboardState, into buffer: inout ScreenBuffer, rect: Rect) {
        guard !rect.isEmpty else { return }
        let window = state.observed.values.map(\.window).max() ?? 0
        let line = "~ = estimated from /metrics histogram bucket deltas over the last \(Int(window)) s (good to a bucket's width);"
            + " per-user TTFT/ITL need the --listen proxy"
        buffer.put(line.truncated(toWidth: rect.width, ellipsis: buffer.glyphs.ellipsis), x: rect.x, y: rect.y, style: .dim,
                   maxWidth: rect.width)
    }
}
