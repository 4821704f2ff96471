import Engine

extension DashboardView {
    /// One panel per instance (and one for the shared KV store in pool mode), each with its block map.
    static func renderInstances(_ state: DashboardState, _ options: DashboardViewOptions, into buffer: inout ScreenBuffer,
                                rect: Rect, layout: Layout) {
        var panels: [(title: String, lines: [(String, Style)], location: KVLocation)] = []
        for status in state.orderedInstances {
            let d = status.description
            if let o = state.observed[d.id] {   // seen from outside: text lines, no block map
                panels.append((title: observedTitle(d.id, o), lines: observedLines(o, now: state.now), location: .instance(d.id)))
                continue
            }
            let usage = state.blockUsage(at: .instance(d.id))
            var cores = "cores " + d.cores.map(String.init).joined(separator: ",")
            if let seen = status.observedCores { cores += seen == d.cores ? " (seen)" : " (seen " + seen.map(String.init).joined(separator: ",") + ")" }
            if status.isRealtime { cores += " real-time" }
            let step = status.lastStepDuration.map { "step " + Format.millis($0) + " ms" } ?? "no step yet"
            let activity = status.activityText
            panels.append((
                title: "i\(d.id) \(d.role.rawValue) · KV \(percent(usage))",
                lines: [(cores + " · " + step + " · busy \(status.busyPercent(now: state.now))%", .plain),
                        (activity, activity == "idle" ? .dim : .bold)],
                location: .instance(d.id)))
        }
        if state.config.poolBlocks[.store] != nil {
            let usage = state.blockUsage(at: .store)
            panels.append((title: "KV store · \(percent(usage))",
                           lines: [("shared pool: 2 copies, prefix hits", .dim), ("\(usage.used)/\(usage.total) blocks", .plain)],
                           location: .store))
        }
        guard !panels.isEmpty else { return }
        let rowHeight = rect.height / max(1, layout.panelRows)
        for row in 0..<layout.panelRows {
            let rowPanels = Array(panels.dropFirst(row * layout.panelsPerRow).prefix(layout.panelsPerRow))
            let rowRect = Rect(x: rect.x, y: rect.y + row * rowHeight, width: rect.width, height: rowHeight)
            for (panel, cell) in zip(rowPanels, rowRect.columns(layout.panelsPerRow)) {
                let inner = Box(title: panel.title).framing(into: &buffer, rect: cell)
                for (i, line) in panel.lines.enumerated() where i < inner.height {
                    buffer.put(line.0.truncated(toWidth: inner.width, ellipsis: buffer.glyphs.ellipsis),
                               x: inner.x, y: inner.y + i, style: line.1, maxWidth: inner.width)
                }
                guard state.observed.isEmpty else { continue }
                let mapRect = Rect(x: inner.x, y: inner.y + panel.lines.count, width: inner.width, height: inner.height - panel.lines.count)
                BlockMap(owners: state.blockOwners[panel.location] ?? [], isLabelled: !options.isColorEnabled)
                    .render(into: &buffer, rect: mapRect)
            }
        }
    }

    static func percent(_ usage: (used: Int, total: Int)) -> String {
        usage.total == 0 ? "-" : "\(Int((Double(usage.used) * 100 / Double(usage.total)).rounded()))%"
    }
}
