import Dashboard
import XCTest
@testable import CLI

/// Quitting a dashboard with a big replay queued takes a moment (aborting, closing the recording):
/// a "stopping…" frame says so (it used to sit silent for seconds), and a second Ctrl-C forces.
final class DashboardStoppingTests: XCTestCase {
    func testStoppingFrameSaysWhatIsHappeningAndHowToForce() {
        var buffer = ScreenBuffer(width: 100, height: 24, glyphs: .unicode)
        DashboardStartup.render(.stopping, into: &buffer, seconds: 1.25)
        let screen = buffer.lines().joined(separator: "\n")
        XCTAssertTrue(screen.contains("stopping… (aborting open requests, closing the recording) 1.2 s"), screen)
        XCTAssertTrue(screen.contains("Ctrl-C again forces"), screen)
        DashboardStartup.render(.loading, into: &buffer, seconds: 0.5)
        XCTAssertTrue(buffer.lines().joined().contains("loading model… 0.5 s"))
    }

    func testExitStatusesOfEachEnding() {
        XCTAssertEqual(DashboardExit.quit.exitStatus, 0)
        XCTAssertEqual(DashboardExit.signal(SIGINT).exitStatus, 130)
        XCTAssertEqual(DashboardExit.signal(SIGTERM).exitStatus, 143)
        XCTAssertEqual(DashboardExit.signal(SIGHUP).exitStatus, 129)
    }
}
