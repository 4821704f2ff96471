/// One column of a `Table`: a title, a fixed width in columns, and its alignment.
public struct TableColumn: Equatable {
    public var title: String
    public var width: Int
    /// Numbers are right-aligned so their digits line up.
    public var isRightAligned: Bool

    public init(_ title: String, width: Int, isRightAligned: Bool = false) {
        self.title = title; self.width = width; self.isRightAligned = isRightAligned
    }
}

/// What one table cell shows: text (optionally styled) or a sparkline.
public enum TableCell: ExpressibleByStringLiteral, Equatable {
    case text(String, Style?)
    case sparkline([Double])

    public init(stringLiteral value: String) { self = .text(value, nil) }
    public static func plain(_ s: String) -> TableCell { .text(s, nil) }
}

/// Rows under a bold header, columns separated by one space. Text longer than its column is cut
/// with an ellipsis; the selected row is drawn reversed and kept in view by scrolling.
public struct Table: Widget {
    public var columns: [TableColumn]
    public var rows: [[TableCell]]
    public var selectedRow: Int?
    public var rowStyles: [Style?]
    /// Without a header every row of the rectangle shows data (for tight layouts).
    public var isHeaderShown = true

    public init(columns: [TableColumn], rows: [[TableCell]], selectedRow: Int? = nil, rowStyles: [Style?] = []) {
        self.columns = columns; self.rows = rows; self.selectedRow = selectedRow; self.rowStyles = rowStyles
    }

    /// Columns needed for all columns and separators.
    public var totalWidth: Int { columns.reduce(0) { $0 + $1.width } + max(0, columns.count - 1) }

    /// The first row drawn, chosen so the selected row is visible in `visibleRows` rows.
    func firstVisibleRow(visibleRows: Int) -> Int {
        guard let selected = selectedRow, visibleRows > 0 else { return 0 }
        return max(0, selected - visibleRows + 1)
    }

    public func render(into buffer: inout ScreenBuffer, rect: Rect) {
        guard !rect.isEmpty else { return }
        let headerRows = isHeaderShown ? 1 : 0
        if isHeaderShown { drawRow(columns.map { .text($0.title, nil) }, y: rect.y, rect: rect, buffer: &buffer, base: .bold) }
        let visible = rect.height - headerRows
        let first = firstVisibleRow(visibleRows: visible)
        for (offset, index) in (first..<min(rows.count, first + visible)).enumerated() {
            let base = (index < rowStyles.count ? rowStyles[index] : nil) ?? .plain
            let y = rect.y + headerRows + offset
            drawRow(rows[index], y: y, rect: rect, buffer: &buffer, base: base)
            if index == selectedRow { buffer.restyle(Rect(x: rect.x, y: y, width: rect.width, height: 1)) { $0.reversed() } }
        }
    }

    private func drawRow(_ cells: [TableCell], y: Int, rect: Rect, buffer: inout ScreenBuffer, base: Style) {
        var x = rect.x
        buffer.fill(Rect(x: rect.x, y: y, width: rect.width, height: 1), style: base)
        for (i, column) in columns.enumerated() where x < rect.maxX {
            let width = min(column.width, rect.maxX - x)
            let cell = i < cells.count ? cells[i] : .text("", nil)
            switch cell {
            case let .text(text, style):
                let shown = text.padded(toWidth: width, alignRight: column.isRightAligned, ellipsis: buffer.glyphs.ellipsis)
                buffer.put(shown, x: x, y: y, style: style ?? base, maxWidth: width)
            case let .sparkline(values):
                Sparkline(values: values, style: base).render(into: &buffer, rect: Rect(x: x, y: y, width: width, height: 1))
            }
            x += column.width + 1
        }
    }
}
