import Engine
import Foundation
import Model
import TestSupport
import XCTest
@testable import Trace

/// The examples in docs/FORMATS.md are written by the code itself, so they cannot drift: this test
/// renders them and finds them, byte for byte, in the document (on failure it prints the block).
final class FormatsDocTests: XCTestCase {
    static let documentPath = TestFiles.packageRoot.appendingPathComponent("docs/FORMATS.md").path

    /// A workload with each kind of prompt and the sampling fields.
    static func workloadExample() -> String {
        let app = RequestSpec(arrivalOffset: 1.5, user: "app-1", prompt: .synthetic(count: 1100, prefixKeys: [7, 8], segmentTokens: 512),
                              maxTokens: 64, sampling: SamplingParams(temperature: 0.8, topP: 0.9, seed: 42))
        let requests = [
            RequestSpec(arrivalOffset: 0, user: "alice", prompt: .text("Once upon a time"), maxTokens: 64),
            RequestSpec(arrivalOffset: 0.8, user: "summarizer", prompt: .synthetic(count: 1900, prefixKeys: [], segmentTokens: 512), maxTokens: 32),
            app,
        ]
        let header = WorkloadHeader(description: "long-prompt storm",
                                    generator: ["kind": "long-prompt-storm", "rate": "1", "duration": "60", "seed": "1"])
        return WorkloadFile.encode(Workload(header: header, requests: requests))
    }

    /// The first lines of a disaggregated session trace and its closing line, as `TraceWriter`
    /// writes them to a file.
    static func traceExample() throws -> String {
        let header = TraceHeader(pdscopeVersion: "0.1.0",
                                 model: ModelIdentity(name: "synthetic default (seed 1, random weights)",
                                                      contentHash: "embedded:default-q8_0-seed1", contextLength: 2048),
                                 policy: "disaggregated", settings: EngineSettings.encode(EngineConfig()), cores: 2,
                                 startTime: Date(timeIntervalSince1970: 1_795_622_400))
        let spec = RequestSpec(arrivalOffset: 0, user: "alice", prompt: .text("Once upon a time"), maxTokens: 64)
        let chunk = PrefillChunk(request: 0, startPosition: 0, tokens: 5, chunkIndex: 1, chunkCount: 1)
        let events = [
            EngineEvent(time: 0.0012, kind: .arrived(request: 0, spec: spec, promptTokens: 5)),
            EngineEvent(time: 0.0013, kind: .routed(request: 0, instance: 0, role: .prefill, reason: "p-first: prefill instance 0 (queue 0)")),
            EngineEvent(time: 0.002, kind: .stepStarted(instance: 0, step: 1, decodes: [], prefills: [chunk])),
            EngineEvent(time: 0.0312, kind: .kvTransferStarted(transfer: 0, request: 0, from: .instance(0), to: .instance(1),
                                                               blocks: 1, bytes: 147456, mode: .p2p)),
            EngineEvent(time: 0.0313, kind: .kvTransferEnded(transfer: 0, request: 0, from: .instance(0), to: .instance(1),
                                                             blocks: 1, bytes: 147456, mode: .p2p)),
            // The first token reaches the client when the decode instance takes the request.
            EngineEvent(time: 0.0314, kind: .tokenEmitted(request: 0, index: 0, token: 412, text: " there")),
            EngineEvent(time: 0.0314, kind: .stepStarted(instance: 1, step: 1, decodes: [0], prefills: [])),
        ]
        let path = NSTemporaryDirectory() + "formats-doc-\(getpid()).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try TraceWriter(path: path, header: header)
        events.forEach(writer.receive)
        writer.close()
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    func testTheDocumentShowsTheExamplesAsTheCodeWritesThem() throws {
        let document = try String(contentsOfFile: Self.documentPath, encoding: .utf8)
        for (name, example) in [("workload", Self.workloadExample()), ("trace", try Self.traceExample())] {
            XCTAssertTrue(document.contains("```json\n" + example + "```"),
                          "docs/FORMATS.md's \(name) example differs from what the code writes; it should read:\n```json\n\(example)```")
        }
    }
}
