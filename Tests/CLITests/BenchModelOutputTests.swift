import Foundation
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

    /// `--scaling` times one thread beside the N-thread runs and reports one speed-up per run.
    func testScalingReportsOneSpeedupPerRunAndItsMedian() throws {
        let child = try ChildProcess(["bench-model", "--model", HeadlessFixtures.tinyModelPath, "--threads", "2", "--cores", "0,1",
                                      "--runs", "3", "--prefill-lengths", "32,64", "--scaling", "--json"], directory: directory)
        XCTAssertTrue(child.waitForExit(timeout: 120))
        XCTAssertEqual(child.exitStatus, 0, child.standardError)
        let object = try JSONSerialization.jsonObject(with: Data(child.standardOutput.utf8)) as? [String: Any]
        let scaling = try XCTUnwrap(object?["scaling"] as? [String: Any], child.standardOutput)
        XCTAssertEqual(scaling["baseline_threads"] as? Int, 1)
        let prefill = try XCTUnwrap(scaling["prefill"] as? [String: [String: Any]])
        XCTAssertEqual(Set(prefill.keys), ["32", "64"])
        for entry in Array(prefill.values) + [try XCTUnwrap(scaling["decode"] as? [String: Any])] {
            let runs = try XCTUnwrap(entry["runs"] as? [Double])
            XCTAssertEqual(runs.count, 3, "one speed-up per run")
            XCTAssertTrue(runs.allSatisfy { $0.isFinite && $0 > 0 }, "\(runs)")
            let median = try XCTUnwrap(entry["median"] as? Double)
            XCTAssertEqual(median, runs.sorted()[1], accuracy: 0.0005, "the median of the runs")
        }
    }

    func testScalingNeedsSeveralThreads() throws {
        let child = try ChildProcess(["bench-model", "--model", HeadlessFixtures.tinyModelPath, "--scaling"], directory: directory)
        XCTAssertTrue(child.waitForExit(timeout: 60))
        XCTAssertNotEqual(child.exitStatus, 0)
        XCTAssertTrue(child.standardError.contains("--scaling compares --threads N with one thread"), child.standardError)
    }
}
