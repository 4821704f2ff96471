import Foundation
import Trace
import XCTest
@testable import CLI

/// Stop signals to a headless `replay` of a big workload, sent to the real process: it stops
/// within seconds however much is queued, prints the summary so far, closes its recording, and
/// exits 128 + the signal; a second signal forces the exit at once.
final class ReplaySignalTests: HeadlessTestCase {
    /// About 1,000 chat requests a second of `duration`, all due at once with `--speed 1000`.
    private func bigWorkload(duration: Double) throws -> String {
        let path = directory + "big.jsonl"
        let requests = WorkloadGenerator.make(kind: .steady, rate: 1000, duration: duration, seed: 1, contextLength: 2048)
        XCTAssertGreaterThan(requests.count, Int(duration) * 900)
        try WorkloadFile.write(requests: requests, to: path)
        return path
    }

    /// Counts lines containing `needle` in a growing file, reading only what was appended.
    private final class LineCounter {
        let handle: FileHandle?
        let needle: [UInt8]
        var count = 0
        private var carry: [UInt8] = []
        init(path: String, needle: String) { handle = FileHandle(forReadingAtPath: path); self.needle = Array(needle.utf8) }
        func update() -> Int {
            guard let data = handle?.readDataToEndOfFile(), !data.isEmpty else { return count }
            var bytes = carry + [UInt8](data)
            let lastNewline = bytes.lastIndex(of: 10) ?? -1
            carry = Array(bytes[(lastNewline + 1)...])
            bytes = Array(bytes[..<(lastNewline + 1)])
            for line in bytes.split(separator: 10) where line.count >= needle.count {
                if String(decoding: line, as: UTF8.self).contains(String(decoding: needle, as: UTF8.self)) { count += 1 }
            }
            return count
        }
    }

    /// Starts the replay and waits until `queued` requests have arrived in its recording.
    private func startReplay(queued: Int, record: String) throws -> ChildProcess {
        let child = try ChildProcess(["replay", try bigWorkload(duration: Double(queued) / 200), "--model", HeadlessFixtures.tinyModelPath,
                                      "--speed", "1000", "--record", record], directory: directory)
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: record) && Date() < deadline && !child.waitForExit(timeout: 0.05) {}
        let arrivals = LineCounter(path: record, needle: "\"ev\": \"arrived\"")
        while arrivals.update() < queued && Date() < deadline && !child.waitForExit(timeout: 0.05) {}
        XCTAssertGreaterThanOrEqual(arrivals.count, queued, "the replay did not get going: \(child.standardError)")
        return child
    }

    /// Aborting thousands of queued requests used to be quadratic (every abort scanned every
    /// queue): 6,000 took about 20 s in a debug build, 64,583 took 169 s in a release one.
    func testSIGINTStopsABigReplayWithinSecondsAndKeepsTheSummary() throws {
        let record = directory + "big-session.jsonl"
        let child = try startReplay(queued: 6000, record: record)
        child.signal(SIGINT)
        XCTAssertTrue(child.waitForExit(timeout: 5), "still running 5 s after SIGINT: \(child.standardError)")
        XCTAssertEqual(child.exitStatus, 130, child.standardError)
        XCTAssertTrue(child.standardOutput.contains("Aborted requests:"), "no summary so far:\n\(child.standardOutput)")
        XCTAssertTrue(child.standardError.contains("not submitted, open requests aborted"), child.standardError)
        let trace = try TraceReader.read(path: record)
        XCTAssertFalse(trace.isTruncated, "the recording lacks its closing line: \(trace.notes)")
    }

    /// SIGTERM is handled like SIGINT (it used to kill the run without summary or closing line).
    func testSIGTERMGivesTheSummarySoFarAndClosesTheRecording() throws {
        let record = directory + "term-session.jsonl"
        let child = try startReplay(queued: 200, record: record)
        child.signal(SIGTERM)
        XCTAssertTrue(child.waitForExit(timeout: 5), "still running 5 s after SIGTERM: \(child.standardError)")
        XCTAssertNil(child.killedBy, "killed by signal \(child.killedBy ?? 0) instead of stopping cleanly")
        XCTAssertEqual(child.exitStatus, 143, child.standardError)
        XCTAssertTrue(child.standardOutput.contains("Serving Benchmark Result"), child.standardOutput)
        XCTAssertFalse(try TraceReader.read(path: record).isTruncated)
    }

    /// A second signal while stopping forces the exit at once, without the summary. SIGINT then
    /// SIGTERM: two different signals are both delivered (two SIGINTs sent together may merge),
    /// in either order.
    func testASecondSignalForcesTheExit() throws {
        // 6,000 queued, so the orderly stop the first signal starts takes a while (about 0.7 s in a
        // debug build): with 200 it could end before the second kill() was even sent.
        let child = try startReplay(queued: 6000, record: directory + "forced.jsonl")
        child.signal(SIGINT)
        child.signal(SIGTERM)
        XCTAssertTrue(child.waitForExit(timeout: 5), "still running after two signals: \(child.standardError)")
        XCTAssertNil(child.killedBy)
        // The kernel may hand the two signals to different threads, so either can be the one the
        // run sees second: the exit status is 128 + whichever forced the exit, named on stderr.
        let forcedBy: Int32? = child.standardError.contains("interrupted again") ? SIGINT
            : child.standardError.contains("terminated (SIGTERM) again") ? SIGTERM : nil
        XCTAssertNotNil(forcedBy, "no forced-exit line: \(child.standardError)")
        XCTAssertEqual(child.exitStatus, 128 + (forcedBy ?? 0), child.standardError)
        XCTAssertTrue(child.standardError.contains("stopping now"), child.standardError)
        XCTAssertFalse(child.standardOutput.contains("Serving Benchmark Result"), child.standardOutput)
    }
}
