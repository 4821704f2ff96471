import XCTest
@testable import Dashboard

final class DashboardSmokeTests: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
