import Engine
import Foundation
import TestSupport
import XCTest
@testable import Trace

/// A crash must leave a trace the reader accepts as a prefix, reporting it was cut short.
final class TraceTruncationTests: XCTestCase {
    /// The complete file a clean recording of every event kind produces.
    func recordedBytes() throws -> [UInt8] {
        let path = try TestFiles.temporaryDirectory(self).appendingPathComponent("full.jsonl").path
        let writer = try TraceWriter(path: path, header: sampleHeader)
        everyKindOfEvent.forEach(writer.receive)
        writer.close()
        return try JSONLines.readBytes(path: path)
    }

    /// Cuts every 3 bytes (a stride co-prime with nothing in the format, so every line is cut
    /// at many different kinds of places) plus the last bytes; every byte takes ~3x longer.
    func testCutsAnywhereAfterTheHeaderReadAsAPrefix() throws {
        let bytes = try recordedBytes()
        let headerEnd = bytes.firstIndex(of: 0x0A)! + 1
        for cut in Array(stride(from: headerEnd, to: bytes.count, by: 3)) + [bytes.count - 2, bytes.count - 1] {
            let trace = try TraceReader.parse(bytes: Array(bytes[..<cut]), path: "cut.jsonl")
            // The closing line without its final newline is still a complete closing line.
            XCTAssertEqual(trace.isTruncated, cut < bytes.count - 1, "cut at byte \(cut)")
            XCTAssertEqual(trace.events, Array(everyKindOfEvent.prefix(trace.events.count)), "cut at byte \(cut)")
            // Only the line in progress may be lost: count the complete lines before the cut.
            let wholeLines = bytes[..<cut].filter { $0 == 0x0A }.count
            XCTAssertGreaterThanOrEqual(trace.events.count, min(wholeLines - 1, everyKindOfEvent.count), "cut at byte \(cut)")
        }
    }

    func testCutMidLineIsReportedWithItsLineNumber() throws {
        let bytes = try recordedBytes()
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let partial = lines[0...3].joined(separator: "\n") + "\n" + lines[4].prefix(10)
        let trace = try TraceReader.parse(partial, path: "crash.jsonl")
        XCTAssertEqual(trace.events, Array(everyKindOfEvent.prefix(3)))
        XCTAssertEqual(trace.notes, ["crash.jsonl:5: the recording was cut short mid-line; kept the 3 events before it"])
    }

    func testCutBetweenLinesIsStillReportedAsCutShort() throws {
        let header = JSONWriter.serialize(.object(sampleHeader.encode()))
        let trace = try TraceReader.parse(header + "\n" + EventCoding.line(for: everyKindOfEvent[0]) + "\n", path: "t.jsonl")
        XCTAssertTrue(trace.isTruncated)
        XCTAssertEqual(trace.notes, ["t.jsonl: the recording has no closing line (the run did not end cleanly); kept all 1 events"])
    }

    /// A real process that is killed while writing: a shell writes whole lines, then half a
    /// line, then SIGKILLs itself (no chance to finish or flush anything more).
    func testFileOfAProcessKilledMidLineReadsAsAPrefix() throws {
        let dir = try TestFiles.temporaryDirectory(self)
        let path = dir.appendingPathComponent("killed.jsonl").path
        let script = dir.appendingPathComponent("lines.txt").path
        let whole = [JSONWriter.serialize(.object(sampleHeader.encode()))] + everyKindOfEvent.prefix(5).map(EventCoding.line(for:))
        let half = String(EventCoding.line(for: everyKindOfEvent[5]).prefix(25))
        try (whole.joined(separator: "\n") + "\n" + half).write(toFile: script, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "cat \"$1\" > \"$2\"; kill -KILL $$; echo unreachable >> \"$2\"", "sh", script, path]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)

        let trace = try TraceReader.read(path: path)
        XCTAssertTrue(trace.isTruncated)
        XCTAssertEqual(trace.events, Array(everyKindOfEvent.prefix(5)))
        XCTAssertEqual(trace.notes.last, "\(path):7: the recording was cut short mid-line; kept the 5 events before it")
    }

    func testHeaderCutShortIsAnError() {
        let header = JSONWriter.serialize(.object(sampleHeader.encode()))
        assertFileError("t.jsonl:1: the header line was cut short (the recording ended before it was written)") {
            try TraceReader.parse(String(header.prefix(40)), path: "t.jsonl")
        }
    }
}
