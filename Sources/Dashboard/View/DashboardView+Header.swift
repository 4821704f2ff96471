import Engine

extension DashboardView {
    /// Two lines: what is running (model, policy, route, KV mode and element type, uptime) and how it is doing
    /// (tokens/s, request counts, recording, load generator, fps, pause).
    static func renderHeader(_ state: DashboardState, _ options: DashboardViewOptions, into buffer: inout ScreenBuffer, rect: Rect) {
        let c = state.config, sep = separator(buffer)
        if !state.observed.isEmpty {
            let (first, second) = observedHeader(state, separator: sep)
            buffer.put(first, x: rect.x, y: rect.y, style: .bold, maxWidth: rect.width)
            buffer.put(second, x: rect.x, y: rect.y + 1, style: .bold, maxWidth: rect.width)
            return
        }
        // Field labels go first when the line is too long, so every value stays on screen.
        func line(labelled: Bool) -> String {
            let label = { (name: String) in labelled ? name + " " : "" }
            return "pdscope" + sep + label("model") + c.modelName + (c.isSyntheticModel ? " (synthetic)" : "")
                + sep + label("policy") + c.policy + sep + label("route") + c.route
                + sep + "KV " + (c.transferMode?.rawValue ?? "local") + (c.kvCacheType.map { " " + $0 } ?? "")
                + sep + "up " + Format.clock(state.now)
        }
        let full = line(labelled: true)
        buffer.put(full.terminalWidth <= rect.width ? full : line(labelled: false), x: rect.x, y: rect.y, style: .bold, maxWidth: rect.width)
        let isNarrow = rect.width < 110

        var x = rect.x
        let y = rect.y + 1
        func add(_ text: String, _ style: Style = .plain) {
            guard x < rect.maxX else { return }
            x += buffer.put(text, x: x, y: y, style: style, maxWidth: rect.maxX - x)
        }
        add(Format.fixed(state.tokensPerSecond, 1) + " tok/s", .bold)
        let names = isNarrow ? ["run", "wait", "done", "rej"] : ["running", "waiting", "finished", "rejected"]
        add(sep + "\(names[0]) \(state.runningCount) · \(names[1]) \(state.waitingCount) · \(names[2]) \(state.finishedCount)")
        add(" · \(names[3]) \(state.rejectedCount)", state.rejectedCount > 0 ? Style(foreground: Palette.red) : .plain)
        if options.isRecording { add(sep); add(String(buffer.glyphs.recordDot) + " REC", Style(foreground: Palette.red, isBold: true)) }
        if let rate = options.loadGeneratorRate { add(sep + "load " + Format.fixed(rate, 1) + "/s") }
        add(sep + "\(options.fps) fps")
        if options.isPaused { add(sep); add("PAUSED", .reverse) }
    }
}
