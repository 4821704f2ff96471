import Engine
import Foundation
import XCTest
@testable import Trace

final class ChromeTraceExporterTests: XCTestCase {
    typealias Event = [String: Any]

    func exported(_ events: [EngineEvent]) throws -> [Event] {
        let object = try JSONSerialization.jsonObject(with: ChromeTraceExporter.export(events: events))
        let root = try XCTUnwrap(object as? [String: Any])
        return try XCTUnwrap(root["traceEvents"] as? [Event])
    }

    func testStepsChunksTransfersAndTokensBecomeSpansAndInstants() throws {
        let spec = RequestSpec(user: "alice", prompt: .text("Hi"), maxTokens: 2)
        let chunk = PrefillChunk(request: 1, startPosition: 0, tokens: 64, chunkIndex: 1, chunkCount: 1)
        let events: [EngineEvent] = [
            EngineEvent(time: 0.5, kind: .arrived(request: 1, spec: spec, promptTokens: 64)),
            EngineEvent(time: 1.0, kind: .stepStarted(instance: 0, step: 1, decodes: [7, 8], prefills: [chunk])),
            EngineEvent(time: 1.001, kind: .prefillChunkStarted(instance: 0, chunk: chunk)),
            EngineEvent(time: 1.003, kind: .prefillChunkEnded(instance: 0, chunk: chunk)),
            EngineEvent(time: 1.004, kind: .stepEnded(instance: 0, step: 1, duration: 0.0035)),
            EngineEvent(time: 1.004, kind: .tokenEmitted(request: 1, index: 0, token: 5, text: " Once")),
            EngineEvent(time: 1.005, kind: .kvTransferStarted(transfer: 1, request: 1, from: .instance(0), to: .instance(1), blocks: 4, bytes: 8192, mode: .p2p)),
            EngineEvent(time: 1.007, kind: .kvTransferEnded(transfer: 1, request: 1, from: .instance(0), to: .instance(1), blocks: 4, bytes: 8192, mode: .p2p)),
            EngineEvent(time: 1.010, kind: .stepStarted(instance: 1, step: 1, decodes: [1], prefills: [])),
            EngineEvent(time: 1.012, kind: .tokenEmitted(request: 1, index: 1, token: 6, text: " upon")),
            EngineEvent(time: 1.012, kind: .finished(request: 1, reason: .length, outputTokens: 2)),
        ]
        let out = try exported(events)
        let spans = out.filter { $0["ph"] as? String == "X" }
        XCTAssertEqual(spans.map { $0["name"] as? String }, ["prefill r1 1/1", "prefill+decode", "KV r1 i0→i1", "decode"])

        let step = spans[1]
        XCTAssertEqual(step["pid"] as? Int, 1)
        XCTAssertEqual(step["tid"] as? Int, 0)
        XCTAssertEqual(step["ts"] as? Double, 1_000_000)
        XCTAssertEqual(step["dur"] as? Double, 4000)
        let args = try XCTUnwrap(step["args"] as? [String: Any])
        XCTAssertEqual(args["batch"] as? Int, 3)
        XCTAssertEqual(args["prefill_tokens"] as? Int, 64)
        XCTAssertEqual(args["compute_ms"] as? Double, 3.5)

        let chunkSpan = spans[0]
        XCTAssertEqual(chunkSpan["tid"] as? Int, 0, "chunks nest inside their instance's step")
        XCTAssertEqual(chunkSpan["dur"] as? Double, 2000)
        XCTAssertEqual(spans[2]["pid"] as? Int, 2, "transfers on their own track")
        XCTAssertEqual((spans[3]["args"] as? [String: Any])?["unfinished"] as? Bool, true, "an open step is closed at the end")

        let instants = out.filter { $0["ph"] as? String == "i" }
        XCTAssertEqual(instants.map { $0["name"] as? String }, ["first token", "token"])
        XCTAssertEqual((instants[0]["args"] as? [String: Any])?["ttft_ms"] as? Double, 504)
        XCTAssertEqual(instants[0]["pid"] as? Int, 3)

        let names = out.filter { $0["ph"] as? String == "M" && $0["name"] as? String == "thread_name" }
            .compactMap { ($0["args"] as? [String: Any])?["name"] as? String }
        XCTAssertEqual(Set(names), ["alice", "instance 0", "instance 1", "from instance 0"])
        XCTAssertEqual(out.filter { $0["ph"] as? String == "b" }.count, 1)
        XCTAssertEqual(out.filter { $0["ph"] as? String == "e" }.count, 1)
    }

    func testEveryEventKindExportsToValidJSON() throws {
        let out = try exported(everyKindOfEvent)
        XCTAssertFalse(out.isEmpty)
        XCTAssertTrue(out.allSatisfy { $0["ph"] is String && $0["pid"] is Int })
        XCTAssertTrue(try exported([]).isEmpty)
    }
}
