import Engine

/// Everything on screen that is not engine state: UI settings and the input line.
public struct DashboardViewOptions: Equatable {
    public var fps = 20
    public var isPaused = false
    public var isRecording = false
    /// Requests per second of the load generator; nil = off.
    public var loadGeneratorRate: Double?
    public var selectedUser: String?
    public var isInputFocused = false
    public var input = InputLine()
    public var isHelpShown = false
    /// A one-line message (errors of the last action, "recording to …").
    public var statusMessage: String?
    /// False under NO_COLOR: block maps then label owners with characters.
    public var isColorEnabled = true

    public init() {}
}

/// Lays the dashboard out into a screen buffer. Pure: the same state, options and size always give
/// the same cells, so layouts are tested by comparing text.
public enum DashboardView {
    public static let minimumWidth = 80, minimumHeight = 24

    /// Heights of each band for a given screen, from the layout rules below.
    struct Layout: Equatable {
        var header = 2, instances = 0, panelRows = 1, panelsPerRow = 1, mapRows = 1
        var middle = 9, users = 5, summary = 2, footer = 2
    }

    /// Splits the height between bands. Fixed bands first (header, footer, summary), then minimums
    /// (panels with one map row, queues without header, five user rows); what is left goes to the
    /// queue header, then block maps (up to what the pools need), then the user table.
    static func layout(width: Int, height: Int, panelCount: Int, largestPool: Int) -> Layout {
        var l = Layout()
        // Short screens: one summary line, and the key hints share the input line.
        l.summary = height < 30 ? 1 : 2
        l.footer = height < 28 ? 1 : 2
        l.panelsPerRow = min(max(1, panelCount), max(1, width / 24))
        l.panelRows = (max(1, panelCount) + l.panelsPerRow - 1) / l.panelsPerRow
        var extra = height - l.header - l.footer - l.summary - l.middle - l.users - l.panelRows * 5
        if extra < 0 {   // too many panels for this height: squeeze them into one row
            l.panelsPerRow = max(1, panelCount); l.panelRows = 1
            extra = height - l.header - l.footer - l.summary - l.middle - l.users - 5
        }
        if extra >= 1 { l.middle += 1; extra -= 1 }
        let panelInner = max(1, width / l.panelsPerRow - 2)
        let wantedMapRows = min(8, (largestPool + panelInner - 1) / panelInner)
        let mapExtra = min(max(0, wantedMapRows - 1), extra / (3 * l.panelRows))
        l.mapRows = 1 + max(0, mapExtra)
        extra -= max(0, mapExtra) * l.panelRows
        l.instances = l.panelRows * (4 + l.mapRows)
        l.users += max(0, extra)
        return l
    }

    /// Draws the whole screen. Returns where the terminal cursor belongs (the input line's cursor
    /// when it has focus), nil to hide it.
    @discardableResult
    public static func render(_ state: DashboardState, options: DashboardViewOptions, into buffer: inout ScreenBuffer) -> (x: Int, y: Int)? {
        buffer.clear()
        guard buffer.width >= minimumWidth, buffer.height >= minimumHeight else {
            TooSmallScreen(width: buffer.width, height: buffer.height,
                           minimumWidth: minimumWidth, minimumHeight: minimumHeight).render(into: &buffer, rect: buffer.area)
            return nil
        }
        let panelCount = state.config.instances.count + (state.config.poolBlocks[.store] == nil ? 0 : 1)
        let l = layout(width: buffer.width, height: buffer.height, panelCount: panelCount,
                       // Attached panels have text instead of block maps: give them the map rows.
                       largestPool: state.observed.isEmpty ? state.config.poolBlocks.values.max() ?? 0 : 1 << 20)
        var rest = buffer.area
        let header: Rect, instances: Rect, middle: Rect, users: Rect, summary: Rect, footer: Rect
        (header, rest) = rest.splitTop(l.header)
        (instances, rest) = rest.splitTop(l.instances)
        (middle, rest) = rest.splitTop(l.middle)
        (rest, footer) = rest.splitBottom(l.footer)
        (users, summary) = rest.splitBottom(l.summary)

        renderHeader(state, options, into: &buffer, rect: header)
        renderInstances(state, options, into: &buffer, rect: instances, layout: l)
        renderMiddle(state, into: &buffer, rect: middle)
        renderUsers(state, options, into: &buffer, rect: users)
        renderSummary(state, into: &buffer, rect: summary)
        let cursor = renderFooter(state, options, into: &buffer, rect: footer)
        if options.isHelpShown {
            HelpOverlay().render(into: &buffer, rect: buffer.area)
            return nil
        }
        return options.isInputFocused ? cursor : nil
    }

    /// " │ " or " | ": the separator between header fields.
    static func separator(_ buffer: ScreenBuffer) -> String { " \(buffer.glyphs.vertical) " }

    static func locationName(_ location: KVLocation) -> String {
        switch location {
        case let .instance(id): return "i\(id)"
        case .store: return "store"
        }
    }
}
