import Engine

extension DashboardView {
    /// Two lines: what is running (model, policy, route, KV mode, uptime) and how it is doing
    /// (tokens/s, request counts, recording, load generator, fps, pause).
    static func renderHeader(_ state: DashboardState, _ options: DashboardViewOptions, into buffer: inout ScreenBuffer, rect: Rect) {
        let c = state.config, sep = separator(buffer)
        var first = "pdscope" + sep + "model " + c.modelName + (c.isSyntheticModel ? " (synthetic)" : "")
        first += sep + "policy " + c.policy + sep + "route " + c.route
        first += sep + "KV " + (c.transferMode?.rawValue ?? "local") + sep + "up " + Format.clock(state.now)
        buffer.put(first, x: rect.x, y: rect.y, style: .bold, maxWidth: rect.width)

        var x = rect.x
        let y = rect.y + 1
        func add(_ text: String, _ style: Style = .plain) {
            guard x < rect.maxX else { return }
            x += buffer.put(text, x: x, y: y, style: style, maxWidth: rect.maxX - x)
        }
        add(Format.fixed(state.tokensPerSecond, 1) + " tok/s", .bold)
        add(sep + "running \(state.runningCount) · waiting \(state.waitingCount) · finished \(state.finishedCount)")
        add(" · rejected \(state.rejectedCount)", state.rejectedCount > 0 ? Style(foreground: Palette.red) : .plain)
        if options.isRecording { add(sep); add(String(buffer.glyphs.recordDot) + " REC", Style(foreground: Palette.red, isBold: true)) }
        if let rate = options.loadGeneratorRate { add(sep + "load " + Format.fixed(rate, 1) + "/s") }
        add(sep + "\(options.fps) fps")
        if options.isPaused { add(sep); add("PAUSED", .reverse) }
    }
}
