/// Anything the dashboard draws: a value built from state for one frame that paints `rect` of
/// the off-screen buffer and nothing outside it. What a caller needs after drawing (a box's inner
/// area, the input field's cursor column) is a query of its own, so every widget draws one way.
public protocol Widget {
    func render(into buffer: inout ScreenBuffer, rect: Rect)
}
