import XCTest
@testable import Model

final class ModelSmokeTests: XCTestCase {
    func testModuleLoads() { XCTAssertTrue(true) }
}
