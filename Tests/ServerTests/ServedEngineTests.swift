import Engine
import Foundation
import Model
import XCTest
@testable import Server

/// The engine side of the server on a real threaded engine (fake model runner): per-request
/// streams, and `/metrics` with vLLM's names, types and per-instance labels.
final class ServedEngineTests: XCTestCase {
    private func makeServed(_ configure: (inout EngineConfig) -> Void = { _ in }) throws -> ServedEngine {
        var config = EngineConfig()
        config.pinThreads = false
        config.blockSize = 16
        configure(&config)
        let engine = try Engine(config: config) { _ in FakeModelRunner(clock: nil) }
        let served = ServedEngine(engine: engine, servedModelName: "fake-model") { turns in turns.map(\.content).joined() }
        engine.start()
        return served
    }

    private func collect(_ stream: AsyncStream<GenerationEvent>) async -> [GenerationEvent] {
        var events: [GenerationEvent] = []
        for await event in stream { events.append(event) }
        return events
    }

    func testEachRequestHearsItsOwnTokensWithTheFinishOnTheLast() async throws {
        let served = try makeServed()
        defer { served.engine.shutdown() }
        let (_, a) = try served.submit(RequestSpec(user: "a", prompt: .text("hello"), maxTokens: 5))
        let (_, b) = try served.submit(RequestSpec(user: "b", prompt: .text("other prompt"), maxTokens: 3))
        let eventsA = await collect(a), eventsB = await collect(b)
        XCTAssertEqual(eventsA.first, .admitted(promptTokens: 6))
        XCTAssertEqual(eventsA.last, .finished(.length, outputTokens: 5))
        let tokensA = eventsA.compactMap { if case .token(let i, _, let f) = $0 { return (i, f) } else { return nil } }
        XCTAssertEqual(tokensA.map(\.0), [0, 1, 2, 3, 4])
        XCTAssertEqual(tokensA.map(\.1), [nil, nil, nil, nil, .length])
        XCTAssertEqual(eventsB.count, 1 + 3 + 1)
        XCTAssertEqual(served.streams.openCount, 0)
    }

    func testRejectionReachesTheStreamAndStoppingRefusesNewRequests() async throws {
        let served = try makeServed { $0.kvCapacity = .blocks(2) }
        defer { served.engine.shutdown() }
        let (id, stream) = try served.submit(RequestSpec(user: "a", prompt: .synthetic(count: 100, prefixKeys: [], segmentTokens: 16), maxTokens: 4))
        let events = await collect(stream)
        XCTAssertEqual(events.count, 2)
        guard case .rejected(let reason) = events.last else { return XCTFail("\(events)") }
        XCTAssertTrue(reason.contains("KV blocks"), reason)
        if case .rejected = served.engine.state(of: id) {} else { XCTFail("engine state") }
        served.stopAccepting()
        XCTAssertThrowsError(try served.submit(RequestSpec(user: "a", prompt: .text("x"), maxTokens: 1))) {
            XCTAssertEqual(($0 as? APIError)?.status, .serviceUnavailable)
        }
    }

    func testMetricsCountWhatRanPerInstance() async throws {
        let served = try makeServed()
        defer { served.engine.shutdown() }
        for index in 0..<4 {
            let (_, stream) = try served.submit(RequestSpec(user: "u\(index)", prompt: .text("prompt \(index)"), maxTokens: 6))
            _ = await collect(stream)
        }
        let text = served.metrics.exposition(snapshot: served.engine.snapshot())
        let samples = Self.samples(text)
        func value(_ name: String, engine: String, extra: String = "") -> Double? {
            samples["\(name){model_name=\"fake-model\",engine=\"\(engine)\",role=\"\(engine == "0" ? "prefill" : "decode")\"\(extra)}"]
        }
        // Prefill instance: the first token of each request, its prompt and TTFT; decode: the rest.
        XCTAssertEqual(value("vllm:generation_tokens_total", engine: "0"), 4)
        XCTAssertEqual(value("vllm:generation_tokens_total", engine: "1"), 20)
        XCTAssertEqual(value("vllm:prompt_tokens_total", engine: "0"), 4 * 9)
        XCTAssertEqual(value("vllm:prompt_tokens_total", engine: "1"), 0)
        XCTAssertEqual(value("vllm:time_to_first_token_seconds_count", engine: "0"), 4)
        XCTAssertEqual(value("vllm:inter_token_latency_seconds_count", engine: "1"), 20)
        XCTAssertEqual(value("vllm:request_success_total", engine: "1", extra: ",finished_reason=\"length\""), 4)
        XCTAssertEqual(value("vllm:request_success_total", engine: "1", extra: ",finished_reason=\"abort\""), 0)
        XCTAssertEqual(value("vllm:nixl_xfer_time_seconds_count", engine: "1"), 4)
        XCTAssertEqual(value("vllm:e2e_request_latency_seconds_count", engine: "1"), 4)
        XCTAssertEqual(value("vllm:num_requests_running", engine: "1"), 0)
        XCTAssertEqual(value("vllm:kv_cache_usage_perc", engine: "0"), 0)
        XCTAssertEqual(value("vllm:time_to_first_token_seconds_bucket", engine: "0", extra: ",le=\"+Inf\""), 4)
        // The pool size where vLLM publishes it, so `attach` can show KV usage in blocks.
        let info = text.split(separator: "\n").filter { $0.hasPrefix("vllm:cache_config_info{") }
        XCTAssertEqual(info.count, 2, "one per instance")
        let blocks = served.engine.snapshot().instances.map { "num_gpu_blocks=\"\($0.kvBlocks)\"" }
        for (line, expected) in zip(info.sorted(), blocks) { XCTAssertTrue(line.contains(expected), "\(line) lacks \(expected)") }
    }

    /// Every family we expose has the name, type and help text of real vLLM output
    /// (../shared/fixtures/metrics), apart from the KV connector's, whose help says it is ours.
    func testNamesAndTypesMatchRealVLLMOutput() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/fixtures/metrics")
        let path = fixtures.appendingPathComponent("vllm-0.32-pd-nixl-decode-during-load.txt").path
        guard let vllm = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw XCTSkip("the vLLM /metrics fixture is not at \(path)")
        }
        let served = try makeServed()
        defer { served.engine.shutdown() }
        let ours = served.metrics.exposition(snapshot: served.engine.snapshot())
        let vllmLines = Set(vllm.split(separator: "\n").map(String.init))
        let typeLines = ours.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
        XCTAssertEqual(typeLines.count, 17, "16 families and vllm:cache_config_info")
        for line in typeLines { XCTAssertTrue(vllmLines.contains(String(line)), "vLLM has no '\(line)'") }
        for line in ours.split(separator: "\n") where line.hasPrefix("# HELP ") && !line.contains("nixl") {
            XCTAssertTrue(vllmLines.contains(String(line)), "vLLM's help differs: '\(line)'")
        }
        // Same buckets as vLLM's TTFT histogram.
        func buckets(_ text: String) -> [String] {
            var result: [String] = []
            for line in text.split(separator: "\n") where line.hasPrefix("vllm:time_to_first_token_seconds_bucket") {
                // `,le="` (a bare `le="` also matches the end of `role="`).
                guard let start = line.range(of: ",le=\"") ?? line.range(of: "{le=\"") else { continue }
                result.append(String(line[start.upperBound...].prefix { $0 != "\"" }))
            }
            return result
        }
        XCTAssertEqual(Set(buckets(ours).compactMap(Double.init)), Set(buckets(vllm).compactMap(Double.init)))
    }

    /// `name{labels} value` lines → value by `name{labels}`.
    static func samples(_ text: String) -> [String: Double] {
        var result: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            result[String(line[..<space])] = Double(line[line.index(after: space)...])
        }
        return result
    }
}
