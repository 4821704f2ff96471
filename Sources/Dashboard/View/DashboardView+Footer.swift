import Engine

extension DashboardView {
    /// Percentiles (vLLM's names, milliseconds) and SLO attainment; one line on wide screens.
    static func renderSummary(_ state: DashboardState, into buffer: inout ScreenBuffer, rect: Rect) {
        guard !rect.isEmpty else { return }
        if !state.observed.isEmpty && state.users.isEmpty { renderObservedSummary(state, into: &buffer, rect: rect); return }
        let report = state.metricsReport
        let summaries = DashboardState.summaries(of: report)
        // The ITL line also shows p99.9 and max: a rare huge stall hides below p99.
        let metrics = summaries.map { m in
            "\(m.name) " + [m.mean, m.median, m.p99].map(Format.millis).joined(separator: "/")
                + (m.name == "itl" ? " p99.9 \(Format.millis(m.p999)) max \(Format.millis(m.max))" : "")
        }.joined(separator: "  ")
        let window = state.config.metricsWindow.map { "last \(Int($0)) s" } ?? "all"
        var slo: String
        if let goodput = report.goodput, goodput.sloAttainment.isFinite {
            let percent = Int((goodput.sloAttainment * 100).rounded())
            slo = "SLO \(goodput.slo): \(percent)% of \(report.requests.count) (\(window))"
        } else {
            slo = report.goodput == nil ? "SLO - (--goodput \"ttft:MS tpot:MS\")" : "SLO -"
        }
        slo += "  rejected \(report.rejected)  preemptions \(state.preemptionCount)"
        let short = report.goodput.map { $0.sloAttainment.isFinite ? "\(Int(($0.sloAttainment * 100).rounded()))%" : "-" } ?? "-"
        let combined = "ms mean/p50/p99 (\(window))  " + metrics + "  " + slo
        let lines = rect.height >= 2 ? ["ms mean/p50/p99 (\(window))  " + metrics, slo]
            : combined.terminalWidth <= rect.width ? [combined]   // only when it fits: never cut the SLO
            : [metrics + "  SLO " + short]
        for (i, line) in lines.prefix(rect.height).enumerated() {
            buffer.put(line.truncated(toWidth: rect.width, ellipsis: buffer.glyphs.ellipsis), x: rect.x, y: rect.y + i,
                       style: i == 0 ? .plain : .bold, maxWidth: rect.width)
        }
    }

    /// The input line and a key hint line (or the status message). Returns the input cursor position.
    static func renderFooter(_ state: DashboardState, _ options: DashboardViewOptions, into buffer: inout ScreenBuffer, rect: Rect) -> (x: Int, y: Int)? {
        guard !rect.isEmpty else { return nil }
        let hints = options.isInputFocused
            ? "Enter send · Esc leave · ←/→ move · Backspace delete"
            : "i type · L/S long/short · g load [ ] rate · p pause · r rec · ? help · q quit"
        let isEditing = options.isInputFocused || !options.input.isEmpty
        // One row: the input line while editing, else the status message or the hints.
        if rect.height == 1 && !isEditing {
            buffer.put(options.statusMessage ?? hints, x: rect.x, y: rect.y, style: options.statusMessage == nil ? .dim : .bold,
                       maxWidth: rect.width)
            return nil
        }
        let prompt = "> "
        buffer.put(prompt, x: rect.x, y: rect.y, style: .bold)
        let field = Rect(x: rect.x + prompt.count, y: rect.y, width: rect.width - prompt.count, height: 1)
        var cursor: (x: Int, y: Int)? = nil
        if isEditing {
            let input = InputField(options.input, style: options.isInputFocused ? .plain : .dim)
            input.render(into: &buffer, rect: field)
            cursor = (input.cursorColumn(in: field), rect.y)
        } else {
            buffer.put("press i to type a prompt (@alice tell me a story)", x: field.x, y: field.y, style: .dim, maxWidth: field.width)
        }
        guard rect.height >= 2 else { return cursor }
        if let message = options.statusMessage {
            buffer.put(message, x: rect.x, y: rect.y + 1, style: .bold, maxWidth: rect.width)
        } else {
            buffer.put(hints, x: rect.x, y: rect.y + 1, style: .dim, maxWidth: rect.width)
        }
        return cursor
    }
}
