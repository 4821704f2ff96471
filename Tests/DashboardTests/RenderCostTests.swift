import XCTest
@testable import Dashboard

/// Prints how long a full frame takes (render + diff); a number to watch, not an assertion.
final class RenderCostTests: XCTestCase {
    func testFrameCostAt200x60() {
        let state = Fixtures.populatedState()
        var options = DashboardViewOptions()
        options.selectedUser = "alice"
        var buffer = ScreenBuffer(width: 200, height: 60)
        DashboardView.render(state, options: options, into: &buffer)   // warm up lazy tables
        let frames = 20
        let start = DispatchTime.now().uptimeNanoseconds
        var previous = buffer
        var changed = 0
        for _ in 0..<frames {
            DashboardView.render(state, options: options, into: &buffer)
            changed += buffer.changes(since: previous).count
            previous = buffer
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(frames)
        print("dashboard frame 200x60: \(Format.fixed(ms, 2)) ms per render+diff (\(changed) runs changed over \(frames) frames)")
        XCTAssertEqual(changed, 0, "an unchanged state redraws nothing")
    }
}
