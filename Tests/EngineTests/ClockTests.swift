import XCTest
@testable import Engine

/// The clocks' thread CPU time, which a step's off-CPU share (and so a stall's) is computed from.
final class ClockTests: XCTestCase {
    /// A thread that blocks is off the CPU: its wall time passes, its CPU time does not; a thread
    /// that computes gains CPU time no faster than wall time. (The sleep is what is measured here,
    /// not a stand-in for synchronisation.)
    func testThreadCPUTimeCountsOnlyTimeTheThreadRuns() throws {
        let clock = MonotonicClock()
        let cpu0 = try XCTUnwrap(clock.threadCPUTime()), wall0 = clock.now()
        usleep(30_000)
        let blockedCPU = try XCTUnwrap(clock.threadCPUTime()) - cpu0, blockedWall = clock.now() - wall0
        XCTAssertGreaterThanOrEqual(blockedWall, 0.03)
        XCTAssertLessThan(blockedCPU, 0.01, "a blocked thread gained \(blockedCPU) s of CPU time")

        let cpu1 = try XCTUnwrap(clock.threadCPUTime()), wall1 = clock.now()
        var spins = 0
        while try XCTUnwrap(clock.threadCPUTime()) - cpu1 < 0.02 { spins += 1 }
        let busyCPU = try XCTUnwrap(clock.threadCPUTime()) - cpu1, busyWall = clock.now() - wall1
        XCTAssertGreaterThan(spins, 0)
        XCTAssertGreaterThanOrEqual(busyCPU, 0.02)
        XCTAssertGreaterThanOrEqual(busyWall + 1e-6, busyCPU)
    }

    /// A manual clock's time is not the machine's, so nothing is measured against it.
    func testManualClockHasNoThreadCPUTime() {
        XCTAssertNil(ManualClock().threadCPUTime())
    }
}
