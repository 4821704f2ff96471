import XCTest
@testable import CLI

/// `bench-model` prints its results once, on stdout (they used to appear on stderr too).
final class BenchModelOutputTests: HeadlessTestCase {
    func testResultsArePrintedOnce() throws {
        let child = try ChildProcess(["bench-model", "--model", HeadlessFixtures.tinyModelPath, "--runs", "1"], directory: directory)
        XCTAssertTrue(child.waitForExit(timeout: 120))
        XCTAssertEqual(child.exitStatus, 0, child.standardError)
        XCTAssertEqual(child.standardOutput.components(separatedBy: "prefill 128 tokens").count - 1, 1, child.standardOutput)
        XCTAssertFalse(child.standardError.contains("tok/s"), "results repeated on stderr:\n\(child.standardError)")
    }
}
