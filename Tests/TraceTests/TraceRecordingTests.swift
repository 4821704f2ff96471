import Engine
import Foundation
import TestSupport
import XCTest
@testable import Trace

final class TraceRecordingTests: XCTestCase {
    func testSampleCoversEveryEventKind() {
        XCTAssertEqual(Set(everyKindOfEvent.map { kindName($0.kind) }), allKindNames)
    }

    func testEveryEventKindRoundTripsThroughItsLine() throws {
        for event in everyKindOfEvent {
            let line = EventCoding.line(for: event)
            XCTAssertFalse(line.contains("\n"))
            var fields = try FieldReader(JSONParser.parse(line))
            XCTAssertEqual(try EventCoding.decode(&fields), .event(event), line)
            XCTAssertEqual(fields.unusedKeys, [], "every written key is read back: \(line)")
        }
    }

    func testLinesAreFlatAndReadable() {
        let token = EngineEvent(time: 1.234, kind: .tokenEmitted(request: 3, index: 0, token: 412, text: "Once"))
        XCTAssertEqual(EventCoding.line(for: token), #"{"t": 1.234, "ev": "token", "req": 3, "i": 0, "token": 412, "text": "Once"}"#)
        let transfer = EngineEvent(time: 2, kind: .kvTransferStarted(transfer: 1, request: 3, from: .instance(0), to: .store, blocks: 2, bytes: 4096, mode: .pool))
        XCTAssertEqual(EventCoding.line(for: transfer),
                       #"{"t": 2, "ev": "kv_start", "xfer": 1, "req": 3, "from": 0, "to": "store", "blocks": 2, "bytes": 4096, "mode": "pool"}"#)
    }

    func testWriterAndReaderRoundTripHeaderAndEvents() throws {
        let path = try TestFiles.temporaryDirectory(self).appendingPathComponent("session.jsonl").path
        let writer = try TraceWriter(path: path, header: sampleHeader)
        for event in everyKindOfEvent { writer.receive(event) }
        writer.close()
        writer.receive(everyKindOfEvent[0])  // after close: dropped, no crash
        XCTAssertNil(writer.writeError)

        let trace = try TraceReader.read(path: path)
        XCTAssertEqual(trace.events, everyKindOfEvent)
        XCTAssertFalse(trace.isTruncated)
        XCTAssertEqual(trace.notes, [])
        var expected = sampleHeader
        XCTAssertEqual(trace.header.startTime.timeIntervalSince1970, expected.startTime.timeIntervalSince1970, accuracy: 0.0005)
        expected.startTime = trace.header.startTime
        XCTAssertEqual(trace.header, expected)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, everyKindOfEvent.count + 2)
        XCTAssertTrue(lines[0].hasPrefix(#"{"format": "pdscope-trace", "version": "1.0", "pdscope_version": "0.1.0", "model": {"name": "stories260K-q8_0", "hash": "sha256:5e04931d""#))
        XCTAssertEqual(lines.last, #"{"t": 0.019, "ev": "end", "events": \#(everyKindOfEvent.count)}"#)
    }

    func testConcurrentWritersKeepEveryLineWhole() throws {
        let path = try TestFiles.temporaryDirectory(self).appendingPathComponent("concurrent.jsonl").path
        let writer = try TraceWriter(path: path, header: sampleHeader)
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for i in 0..<500 {
                writer.receive(EngineEvent(time: Double(i), kind: .tokenEmitted(request: thread, index: i, token: Int32(i), text: "t\(i)")))
            }
        }
        writer.close()
        let trace = try TraceReader.read(path: path)
        XCTAssertEqual(trace.events.count, 2000)
        XCTAssertFalse(trace.isTruncated)
        for thread in 0..<4 {
            let indices = trace.events.compactMap { e -> Int? in
                if case .tokenEmitted(thread, let i, _, _) = e.kind { return i } else { return nil }
            }
            XCTAssertEqual(indices, Array(0..<500), "one thread's events stay in order")
        }
    }

    func testWorkloadFromTraceUsesArrivalTimes() throws {
        let trace = RecordedTrace(header: sampleHeader, events: everyKindOfEvent, isTruncated: true, notes: [])
        let workload = Workload(trace: trace)
        XCTAssertEqual(workload.requests.map(\.user), ["alice", "bot"])
        XCTAssertEqual(workload.requests.map(\.arrivalOffset), [0.001, 0.002])
        XCTAssertEqual(workload.notes, ["the recording was cut short; replaying the requests it holds"])
    }

    func testWorkloadFileAcceptsARecordedTrace() throws {
        let path = try TestFiles.temporaryDirectory(self).appendingPathComponent("session.jsonl").path
        let writer = try TraceWriter(path: path, header: sampleHeader)
        everyKindOfEvent.forEach(writer.receive)
        writer.close()
        let workload = try WorkloadFile.read(path: path)
        XCTAssertEqual(workload.requests.count, 2)
        XCTAssertEqual(workload.notes.first, "\(path): read the requests of a recorded session trace")
    }

    func testHeaderProblems() {
        assertFileError("t.jsonl: the file is empty; a trace starts with a pdscope-trace header line") { try TraceReader.parse("", path: "t.jsonl") }
        let v2 = JSONWriter.serialize(.object(sampleHeader.encode())).replacingOccurrences(of: #""version": "1.0""#, with: #""version": "2.1""#)
        assertFileError("t.jsonl:1: unsupported pdscope-trace version 2.1: this pdscope reads version 1.x") { try TraceReader.parse(v2 + "\n", path: "t.jsonl") }
        let v13 = v2.replacingOccurrences(of: "2.1", with: "1.3")
        XCTAssertEqual(try TraceReader.parse(v13 + "\n", path: "t.jsonl").notes.first,
                       "t.jsonl:1: written by a newer pdscope (pdscope-trace 1.3, this one knows 1.0); fields it does not know are ignored")
        assertFileError("t.jsonl:1: not a pdscope trace: format is \"pdscope-workload\", expected \"pdscope-trace\"") {
            try TraceReader.parse(#"{"format": "pdscope-workload", "version": "1.0"}"#, path: "t.jsonl")
        }
    }

    func testBadLinesInTheMiddleAreErrorsButUnknownKindsAreSkipped() throws {
        let header = JSONWriter.serialize(.object(sampleHeader.encode()))
        let token = EventCoding.line(for: everyKindOfEvent[15])
        assertFileError("t.jsonl:3: 'i' must be a non-negative integer, got -1") {
            try TraceReader.parse([header, token, #"{"t": 1, "ev": "token", "req": 3, "i": -1, "token": 1, "text": "x"}"#, token].joined(separator: "\n") + "\n", path: "t.jsonl")
        }
        assertFileError("t.jsonl:2: not a valid JSON line (unexpected end of line inside an object at column 9)") {
            try TraceReader.parse([header, #"{"t": 1,"#, token].joined(separator: "\n") + "\n", path: "t.jsonl")
        }
        let future = try TraceReader.parse([header, #"{"t": 1, "ev": "gpu_melted"}"#, token, #"{"t": 1, "ev": "end"}"#].joined(separator: "\n") + "\n", path: "t.jsonl")
        XCTAssertEqual(future.events.count, 1)
        XCTAssertEqual(future.notes, ["t.jsonl: skipped 1 event of unknown kind 'gpu_melted'"])
        XCTAssertFalse(future.isTruncated)
    }
}

final class ContentHashTests: XCTestCase {
    func testKnownDigests() {
        XCTAssertEqual(ContentHash.sha256([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(ContentHash.sha256(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(ContentHash.sha256(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(ContentHash.sha256(Array(repeating: UInt8(ascii: "a"), count: 1000)),
                       "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    func testModelFileMatchesItsPublishedDigest() throws {
        let path = sharedTraces.deletingLastPathComponent().appendingPathComponent("models/tok512.bin").path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("model files not found at \(path)") }
        XCTAssertEqual(try ContentHash.sha256(fileAt: path), "sha256:037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312")
    }
}
