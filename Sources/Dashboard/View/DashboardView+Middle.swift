import Engine

extension DashboardView {
    /// Queues by stage on the left; recent KV transfers and stall attributions on the right.
    static func renderMiddle(_ state: DashboardState, into buffer: inout ScreenBuffer, rect: Rect) {
        if !state.observed.isEmpty { renderObservedMiddle(state, into: &buffer, rect: rect); return }
        let showNames = rect.width >= 140
        let (left, right) = rect.splitLeft(showNames ? 80 : 40)
        renderQueues(state, into: &buffer, rect: left, showNames: showNames)
        renderTransfersAndStalls(state, into: &buffer, rect: right)
    }

    static func renderQueues(_ state: DashboardState, into buffer: inout ScreenBuffer, rect: Rect, showNames: Bool) {
        let inner = Box(title: "queues").framing(into: &buffer, rect: rect)
        // Counts below 10,000 and tokens below a million in full, larger ones compact (24k, 12.3M):
        // never cut to "24…".
        var columns = [TableColumn("stage", width: 15), TableColumn("n", width: 5, isRightAligned: true),
                       TableColumn("oldest", width: 7, isRightAligned: true), TableColumn("tokens", width: 8, isRightAligned: true)]
        if showNames { columns.append(TableColumn("vLLM / SGLang", width: max(0, inner.width - 39))) }
        let queues = state.queues
        let rows: [[TableCell]] = queues.map { q in
            let style: Style? = q.count == 0 ? .dim : (q.stage == .preempted ? Style(foreground: Palette.red) : nil)
            return [.text(q.stage.label, style), .text(Format.compact(q.count, fullBelow: 10_000), style),
                    .text(q.oldestAge.map(Format.seconds) ?? "-", style), .text(Format.compact(q.tokens, fullBelow: 1_000_000), style),
                    .text(q.stage.vllmName + " / " + q.stage.sglangName, .dim)]
        }
        // With room for all six stages plus a header row, draw the header; otherwise stages only.
        var table = Table(columns: columns, rows: rows)
        table.isHeaderShown = inner.height > queues.count
        table.render(into: &buffer, rect: inner)
    }

    static func renderTransfersAndStalls(_ state: DashboardState, into buffer: inout ScreenBuffer, rect: Rect) {
        let hasTransfers = state.config.transferMode != nil
        let inner = Box(title: hasTransfers ? "KV transfers · stalls" : "stalls").framing(into: &buffer, rect: rect)
        guard !inner.isEmpty else { return }
        let transfers = state.recentTransfers.reversed().map { transferLine($0, arrow: buffer.glyphs.rightArrow) }
        let stalls = state.stalls.reversed().map(\.summary)
        var transferRows = hasTransfers ? min(transfers.count, max(1, inner.height / 2)) : 0
        if stalls.isEmpty { transferRows = min(transfers.count, inner.height) }
        var y = inner.y
        if hasTransfers && transfers.isEmpty {
            buffer.put("no transfers yet", x: inner.x, y: y, style: .dim, maxWidth: inner.width); y += 1
        }
        for line in transfers.prefix(transferRows) {
            buffer.put(line.truncated(toWidth: inner.width, ellipsis: buffer.glyphs.ellipsis), x: inner.x, y: y, maxWidth: inner.width)
            y += 1
        }
        if stalls.isEmpty, y < inner.maxY {
            buffer.put("no stalls", x: inner.x, y: y, style: .dim, maxWidth: inner.width)
        }
        // Stall lines wrap (continuations indented) so the culprit's name is never cut off.
        for stall in stalls {
            for (i, part) in TextView.wrap(stall, width: max(1, inner.width - 2)).enumerated() where y < inner.maxY {
                buffer.put((i == 0 ? "" : "  ") + part, x: inner.x, y: y, style: Style(foreground: Palette.yellow), maxWidth: inner.width)
                y += 1
            }
        }
    }

    /// "#9 i0→i1 3.2 ms 0.49 GB/s 1.5 MiB 12 blk p2p": most telling first, so truncation drops the rest.
    static func transferLine(_ t: TransferRecord, arrow: String) -> String {
        let rate = t.gigabytesPerSecond.map { Format.fixed($0, 2) + " GB/s" } ?? "- GB/s"
        return "#\(t.request) \(locationName(t.from))\(arrow)\(locationName(t.to)) " + Format.millis(t.duration) + " ms "
            + rate + " " + Format.bytes(t.bytes) + " \(t.blocks) blk \(t.mode.rawValue)"
    }
}
