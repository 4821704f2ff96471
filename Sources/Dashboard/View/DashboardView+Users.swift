import Engine

extension DashboardView {
    /// The per-user table (latest request of each user) and the streaming text of the selected user:
    /// beside the table on wide screens, in the box's last rows otherwise.
    static func renderUsers(_ state: DashboardState, _ options: DashboardViewOptions, into buffer: inout ScreenBuffer, rect: Rect) {
        let rows = state.userRows
        let selectedIndex = options.selectedUser.flatMap { u in rows.firstIndex { $0.user == u } }
        let selected = selectedIndex.map { rows[$0] }
        let isWide = rect.width >= 150
        let (tableArea, textArea) = isWide ? rect.splitLeft(rect.width * 3 / 5) : (rect, Rect(x: 0, y: 0, width: 0, height: 0))

        let inner = Box(title: "users (\(rows.count))").framing(into: &buffer, rect: tableArea)
        guard !inner.isEmpty else { return }
        // Narrow screens: the selected user's text takes the box's last two rows (one when cramped).
        let textRows = isWide ? 0 : (inner.height >= 6 ? 2 : 1)
        let (tableRect, inlineText) = inner.splitBottom(textRows)
        let split = rows.contains { $0.ttftSplit != nil }
        var table = Table(columns: userColumns(width: tableRect.width, ttftSplit: split), rows: rows.map { userCells($0, ttftSplit: split) },
                          selectedRow: selectedIndex)
        table.rowStyles = rows.map { $0.stage.isOver ? .dim : nil }
        table.render(into: &buffer, rect: tableRect)
        if rows.isEmpty {
            buffer.put("no requests yet: press i and type a prompt, or L / S / g", x: tableRect.x, y: tableRect.y + 1,
                       style: .dim, maxWidth: tableRect.width)
        }

        let title = selected.map { "\($0.user) \(buffer.glyphs.arrow) #\($0.id)" } ?? "output"
        let body = selected.map(\.text) ?? ""
        if isWide {
            let textInner = Box(title: title).framing(into: &buffer, rect: textArea)
            TextView(text: body.isEmpty ? "(select a user with the arrow keys)" : body, style: body.isEmpty ? .dim : .plain)
                .render(into: &buffer, rect: textInner)
        } else if !inlineText.isEmpty {
            let label = selected.map { "\($0.user) \(buffer.glyphs.arrow) " } ?? ""
            let used = buffer.put(label, x: inlineText.x, y: inlineText.y, style: .bold, maxWidth: inlineText.width)
            let textRect = Rect(x: inlineText.x + used, y: inlineText.y, width: inlineText.width - used, height: inlineText.height)
            TextView(text: body).render(into: &buffer, rect: textRect)
        }
    }

    /// Fixed columns, with the sparkline taking what is left (up to 40 gaps). `ttftSplit` (attach,
    /// P-first) adds TTFT's parts after it: prefill + handoff + first decode token.
    static func userColumns(width: Int, ttftSplit: Bool = false) -> [TableColumn] {
        var columns = [TableColumn("user", width: 10), TableColumn("state", width: 15),
                       TableColumn("prompt", width: 6, isRightAligned: true), TableColumn("gen", width: 5, isRightAligned: true),
                       TableColumn("ttft ms", width: 7, isRightAligned: true)]
        if ttftSplit { columns.append(TableColumn("p+handoff+d ms", width: 16, isRightAligned: true)) }
        columns.append(TableColumn("itl ms", width: 6, isRightAligned: true))
        let tail = [TableColumn("tpot ms", width: 7, isRightAligned: true), TableColumn("p99 itl", width: 7, isRightAligned: true)]
        let fixed = (columns + tail).reduce(0) { $0 + $1.width + 1 }
        columns.append(TableColumn("itl trend", width: min(40, max(0, width - fixed - 1))))
        return columns + tail
    }

    static func userCells(_ r: RequestRecord, ttftSplit: Bool = false) -> [TableCell] {
        var cells: [TableCell] = [.plain(r.user), .text(r.stage.label, r.stage == .rejected ? Style(foreground: Palette.red) : nil),
                                  .plain(Format.grouped(r.promptTokens)), .plain("\(r.generatedTokens)"), .plain(Format.millis(r.ttft))]
        if ttftSplit { cells.append(.plain(r.ttftSplit.map { Format.millis($0) + "+" + Format.millis($1) + "+" + Format.millis($2) } ?? "-")) }
        return cells + [.plain(Format.millis(r.lastITL)), .sparkline(Array(r.gaps.suffix(40))),
                        .plain(Format.millis(r.tpot)), .plain(Format.millis(r.p99ITL))]
    }
}
