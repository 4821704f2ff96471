import XCTest
@testable import Trace

final class TraceSmokeTests: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
