import Engine
import Foundation
import Model
import TestSupport
import XCTest
@testable import Trace

/// The public traces next to the checkout (/work/shared/traces).
let sharedTraces = TestFiles.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/traces")

/// Asserts that `body` throws a `FileFormatError` whose one-line description equals `expected`.
func assertFileError(_ expected: String, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Any) {
    do {
        _ = try body()
        XCTFail("expected the error \(expected)", file: file, line: line)
    } catch let error as FileFormatError {
        XCTAssertEqual(error.description, expected, file: file, line: line)
        XCTAssertFalse(error.description.contains("\n"), "errors are one line", file: file, line: line)
    } catch {
        XCTFail("expected a FileFormatError, got \(error)", file: file, line: line)
    }
}

let sampleHeader = TraceHeader(
    pdscopeVersion: "0.1.0",
    model: ModelIdentity(name: "stories260K-q8_0", contentHash: "sha256:5e04931d", contextLength: 2048, path: "/models/x.gguf"),
    policy: "disaggregated", settings: ["decode_instances": "1", "chunk_tokens": "256", "kv_transfer": "p2p"],
    cores: 2, startTime: Date(timeIntervalSince1970: 1_700_000_000.25))

let chunk = PrefillChunk(request: 3, startPosition: 256, tokens: 128, chunkIndex: 2, chunkCount: 4)

/// One event of every kind, with non-default values everywhere so a dropped field shows.
let everyKindOfEvent: [EngineEvent] = [
    EngineEvent(time: 0.001, kind: .arrived(request: 3, spec: RequestSpec(
        arrivalOffset: 0.5, user: "alice", prompt: .text("Once upon a time \"quoted\"\nnew line ✓"), maxTokens: 40,
        sampling: SamplingParams(temperature: 0.7, topK: 40, topP: 0.95, seed: UInt64.max)), promptTokens: 17)),
    EngineEvent(time: 0.002, kind: .arrived(request: 4, spec: RequestSpec(
        arrivalOffset: 3, user: "bot", prompt: .synthetic(count: 1900, prefixKeys: [7, 8, 0], segmentTokens: 32), maxTokens: 16),
        promptTokens: 1900)),
    EngineEvent(time: 0.003, kind: .routed(request: 3, instance: 1, role: .prefill, reason: "shortest queue")),
    EngineEvent(time: 0.004, kind: .queued(request: 3, instance: 1)),
    EngineEvent(time: 0.005, kind: .stepStarted(instance: 1, step: 12, decodes: [1, 2], prefills: [chunk])),
    EngineEvent(time: 0.006, kind: .stepStarted(instance: 0, step: 0, decodes: [], prefills: [])),
    EngineEvent(time: 0.007, kind: .prefillChunkStarted(instance: 1, chunk: chunk)),
    EngineEvent(time: 0.008, kind: .prefillChunkEnded(instance: 1, chunk: chunk)),
    EngineEvent(time: 0.009, kind: .stepEnded(instance: 1, step: 12, duration: 0.0041234567)),
    EngineEvent(time: 0.0095, kind: .stepEnded(instance: 0, step: 0, duration: 0.031, offCPU: 0.0123456789)),
    EngineEvent(time: 0.010, kind: .waitingForRemoteKV(request: 3, instance: 2)),
    EngineEvent(time: 0.011, kind: .blocksAllocated(location: .instance(1), request: 3, blocks: [0, 5, Int32.max])),
    EngineEvent(time: 0.012, kind: .blocksFreed(location: .store, request: 3, blocks: [])),
    EngineEvent(time: 0.013, kind: .kvTransferStarted(transfer: 9, request: 3, from: .instance(1), to: .store, blocks: 4, bytes: 65536, mode: .pool)),
    EngineEvent(time: 0.014, kind: .kvTransferEnded(transfer: 9, request: 3, from: .store, to: .instance(2), blocks: 4, bytes: 65536, mode: .p2p)),
    EngineEvent(time: 0.015, kind: .prefixCacheHit(request: 4, blocks: 2, tokens: 64)),
    EngineEvent(time: 0.016, kind: .tokenEmitted(request: 3, index: 0, token: 412, text: " Once")),
    EngineEvent(time: 0.017, kind: .tokenEmitted(request: 3, index: 1, token: -1, text: "\u{1}\t\\")),
    EngineEvent(time: 0.018, kind: .preempted(request: 4, instance: 0, reason: "out of KV blocks")),
    EngineEvent(time: 0.019, kind: .finished(request: 3, reason: .length, outputTokens: 40)),
    EngineEvent(time: 1e-7, kind: .rejected(request: 5, reason: "prompt longer than the context")),
]

/// The `ev` name of each kind; an exhaustive switch, so a new engine event kind fails to
/// compile here until the tests cover it.
func kindName(_ kind: EngineEvent.Kind) -> String {
    switch kind {
    case .arrived: return "arrived"
    case .routed: return "routed"
    case .queued: return "queued"
    case .stepStarted: return "stepStarted"
    case .stepEnded: return "stepEnded"
    case .prefillChunkStarted: return "prefillChunkStarted"
    case .prefillChunkEnded: return "prefillChunkEnded"
    case .waitingForRemoteKV: return "waitingForRemoteKV"
    case .blocksAllocated: return "blocksAllocated"
    case .blocksFreed: return "blocksFreed"
    case .kvTransferStarted: return "kvTransferStarted"
    case .kvTransferEnded: return "kvTransferEnded"
    case .prefixCacheHit: return "prefixCacheHit"
    case .tokenEmitted: return "tokenEmitted"
    case .preempted: return "preempted"
    case .finished: return "finished"
    case .rejected: return "rejected"
    }
}
let allKindNames: Set<String> = [
    "arrived", "routed", "queued", "stepStarted", "stepEnded", "prefillChunkStarted", "prefillChunkEnded",
    "waitingForRemoteKV", "blocksAllocated", "blocksFreed", "kvTransferStarted", "kvTransferEnded",
    "prefixCacheHit", "tokenEmitted", "preempted", "finished", "rejected",
]
