import Foundation
import TestSupport
import XCTest

/// `pdscope serve` as a real process on loopback, driven by the real openai-python client
/// (Tests/python/serve_client.py, in the venv `.ci/setup` makes), curl, and signals. The tiny
/// synthetic model keeps it fast; the last test repeats a chat on SmolLM2 when it is cached.
final class ServeEndToEndTests: XCTestCase {
    private let key = "test-key-\(UUID().uuidString.prefix(8))"

    func testOpenAIClientStreamsCompletesStopsAndReadsMetrics() throws {
        let python = try serveTestPython()
        let model = HeadlessFixtures.tinyModelPath
        let server = try ServeProcess(arguments: ["--model", model, "--served-model-name", "tiny"])
        let guarded = try ServeProcess(arguments: ["--model", model, "--served-model-name", "tiny", "--api-key", key,
                                                   "--kv-blocks", "8"])
        var stdout = "", stderr = ""
        let status = try runCommand(python, [repositoryRoot.appendingPathComponent("Tests/python/serve_client.py").path,
                                             server.baseURL, guarded.baseURL, key], stdout: &stdout, stderr: &stderr)
        XCTAssertEqual(status, 0, "client failed:\n\(stderr)\nserver:\n\(server.stderr.suffix(3000))")
        let r = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any], stdout)

        // Streaming chat: role with the first token only, finish_reason on the last content chunk, then usage.
        let chat = try XCTUnwrap(r["chat_stream"] as? [String: Any])
        XCTAssertEqual(chat["first_role"] as? String, "assistant")
        XCTAssertEqual((chat["later_roles"] as? [Any])?.count, 0)
        let finishes = try XCTUnwrap(chat["finish_reasons"] as? [Any])
        XCTAssertEqual(finishes.last as? String, "length")
        XCTAssertTrue(finishes.dropLast().allSatisfy { $0 is NSNull }, "\(finishes)")
        XCTAssertEqual(chat["usage_last"] as? Bool, true)
        XCTAssertEqual(chat["completion_tokens"] as? Int, 12)
        XCTAssertEqual(chat["content_chunks"] as? Int, 12, "one chunk per token")
        XCTAssertGreaterThan(chat["prompt_tokens"] as? Int ?? 0, 3)

        let completion = try XCTUnwrap(r["completion"] as? [String: Any])
        XCTAssertEqual(completion["finish_reason"] as? String, "length")
        XCTAssertEqual(completion["completion_tokens"] as? Int, 20)
        XCTAssertEqual(completion["total_tokens"] as? Int, 20 + (completion["prompt_tokens"] as? Int ?? -100))
        XCTAssertFalse((completion["text"] as? String ?? "").isEmpty)

        // Stop strings: text cut before the stop string, streamed and not.
        let stop = try XCTUnwrap(r["stop"] as? [String: Any])
        XCTAssertEqual(stop["finish_reason"] as? String, "stop")
        XCTAssertEqual(stop["text"] as? String, stop["expected"] as? String)
        XCTAssertEqual(stop["streamed_text"] as? String, stop["expected"] as? String)
        XCTAssertEqual(stop["streamed_finish"] as? String, "stop")
        XCTAssertLessThan(stop["completion_tokens"] as? Int ?? 99, 20)

        let seed = try XCTUnwrap(r["seed"] as? [String: String])
        XCTAssertEqual(seed["a"], seed["b"], "same seed, same text")
        XCTAssertNotEqual(seed["a"], seed["c"], "another seed, another text")

        // 32 concurrent streams: all end with a finish reason, nothing lost, tokens interleaved.
        let concurrent = try XCTUnwrap(r["concurrent"] as? [String: Any])
        XCTAssertEqual(concurrent["finishes"] as? [String], Array(repeating: "length", count: 32))
        XCTAssertEqual(concurrent["chunks"] as? [Int], Array(repeating: 64, count: 32))
        XCTAssertEqual(concurrent["completion_tokens"] as? [Int], Array(repeating: 64, count: 32))
        XCTAssertGreaterThan(concurrent["overlapping"] as? Int ?? 0, 1, "streams ran at the same time")

        // A dropped client: aborted, KV freed.
        let drop = try XCTUnwrap(r["drop"] as? [String: Any])
        XCTAssertEqual(drop["aborted"] as? Double, 1)
        XCTAssertEqual(drop["running"] as? Double, 0)
        XCTAssertEqual(drop["kv_usage"] as? Double, 0)

        try checkErrors(try XCTUnwrap(r["errors"] as? [String: Any]))

        let models = try XCTUnwrap(r["models"] as? [String: Any])
        XCTAssertEqual(models["ids"] as? [String], ["tiny"])
        XCTAssertEqual(models["root"] as? String, model)
        XCTAssertEqual(r["health"] as? Int, 200)
        XCTAssertNotNil((r["version"] as? [String: Any])?["version"] as? String)

        // /metrics parsed by prometheus_client agrees with the server's per-request log.
        let metrics = try XCTUnwrap(r["metrics"] as? [String: Any])
        let types = try XCTUnwrap(metrics["types"] as? [String: String])
        for (name, type) in [("vllm:num_requests_running", "gauge"), ("vllm:num_requests_waiting", "gauge"),
                             ("vllm:kv_cache_usage_perc", "gauge"), ("vllm:prompt_tokens", "counter"),
                             ("vllm:generation_tokens", "counter"), ("vllm:num_preemptions", "counter"),
                             ("vllm:request_success", "counter"), ("vllm:time_to_first_token_seconds", "histogram"),
                             ("vllm:inter_token_latency_seconds", "histogram"), ("vllm:e2e_request_latency_seconds", "histogram"),
                             ("vllm:request_queue_time_seconds", "histogram"), ("vllm:request_prefill_time_seconds", "histogram"),
                             ("vllm:request_decode_time_seconds", "histogram"), ("vllm:nixl_xfer_time_seconds", "histogram"),
                             ("vllm:nixl_bytes_transferred", "histogram")] {
            XCTAssertEqual(types[name], type, name)
        }
        XCTAssertEqual(metrics["engines"] as? [String], ["0", "1"], "one series per instance (prefill, decode)")
        let lines = server.generationLines
        let logged = lines.map { Self.field("completion", in: $0) }.reduce(0, +)
        XCTAssertEqual(metrics["generation_tokens"] as? Double, Double(logged), lines.joined(separator: "\n"))
        let success = try XCTUnwrap(metrics["success"] as? [String: Double])
        XCTAssertEqual(success["abort"], 1)
        XCTAssertEqual((success["stop"] ?? 0) + (success["length"] ?? 0) + (success["abort"] ?? 0), Double(lines.count))
        XCTAssertEqual(metrics["e2e_count"] as? Double, Double(lines.count))
        XCTAssertEqual(metrics["ttft_count"] as? Double, Double(lines.count))
        XCTAssertEqual(metrics["transfers"] as? Double, Double(lines.count), "one p2p KV transfer per request")
        let client = try XCTUnwrap(r["client"] as? [String: Any])
        XCTAssertEqual(client["requests"] as? Int, lines.count)
        XCTAssertGreaterThanOrEqual(Double(logged), Double(client["completion_tokens"] as? Int ?? 0) + 3)

        XCTAssertEqual(server.terminate(), 0, server.stderr.suffix(2000).description)
        XCTAssertEqual(guarded.terminate(), 0)
    }

    private func checkErrors(_ errors: [String: Any]) throws {
        func check(_ name: String, _ status: Int, param: String? = nil, _ file: StaticString = #filePath, _ line: UInt = #line) {
            let e = errors[name] as? [String: Any] ?? [:]
            XCTAssertEqual(e["status"] as? Int, status, "\(name): \(e)", file: file, line: line)
            XCTAssertFalse((e["message"] as? String ?? "").isEmpty, "\(name) has a message", file: file, line: line)
            XCTAssertNotNil(e["type"] as? String, "\(name) has a type", file: file, line: line)
            if let param { XCTAssertEqual(e["param"] as? String, param, name, file: file, line: line) }
        }
        check("malformed", 400)
        check("bad_type", 400, param: "temperature")
        check("bad_value", 400, param: "max_tokens")
        check("missing_messages", 400, param: "messages")
        check("unknown_model", 404, param: "model")
        check("unknown_path", 404)
        check("oversized", 413)
        check("too_long", 400, param: "prompt")
        check("no_key", 401)
        check("wrong_key", 401)
        check("no_room", 503)
        let noRoom = errors["no_room"] as? [String: Any] ?? [:]
        XCTAssertEqual(noRoom["retry_after"] as? String, "1")
        XCTAssertTrue((noRoom["message"] as? String ?? "").contains("KV blocks"), "the engine's reason: \(noRoom)")
        XCTAssertFalse((errors["right_key_text"] as? String ?? "").isEmpty)
        XCTAssertEqual(errors["client_wrong_key"] as? String, "AuthenticationError")
    }

    /// curl sees raw SSE: `data: {json}` events separated by blank lines, then `data: [DONE]`.
    func testRawServerSentEventsOverCurl() throws {
        let server = try ServeProcess(arguments: ["--model", HeadlessFixtures.tinyModelPath])
        var stdout = "", stderr = ""
        let body = #"{"prompt": "Once upon a time", "max_tokens": 6, "stream": true, "ignore_eos": true}"#
        let status = try runCommand("/usr/bin/env", ["curl", "-sS", "-N", "-i", "-H", "Content-Type: application/json",
                                                     "-d", body, server.baseURL + "/v1/completions"],
                                    stdout: &stdout, stderr: &stderr)
        try XCTSkipIf(status == 127, "curl is not installed")
        XCTAssertEqual(status, 0, stderr)
        let parts = stdout.components(separatedBy: "\r\n\r\n")
        XCTAssertTrue(parts[0].lowercased().contains("content-type: text/event-stream"), parts[0])
        let events = parts.dropFirst().joined(separator: "\r\n\r\n")
        XCTAssertTrue(events.hasPrefix("data: {"), events)
        XCTAssertTrue(events.hasSuffix("\n\ndata: [DONE]\n\n"), events)
        let datas = events.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        XCTAssertEqual(datas.count, 7, "six token chunks and [DONE]: \(datas)")
        for event in datas.dropLast() {
            XCTAssertTrue(event.hasPrefix("data: "), event)
            let object = try JSONSerialization.jsonObject(with: Data(event.dropFirst(6).utf8)) as? [String: Any]
            XCTAssertEqual(object?["object"] as? String, "text_completion")
        }
        XCTAssertEqual(server.terminate(), 0)
    }

    /// SIGTERM with a stream open: the stream ends as aborted with [DONE], the recording is
    /// complete, the exit status is 0.
    func testSigtermEndsOpenStreamsAndFlushesTheRecording() throws {
        let trace = NSTemporaryDirectory() + "pdscope-serve-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: trace) }
        // The embedded model: slow enough per token that the stream is still open at the signal.
        let server = try ServeProcess(arguments: ["--model", "synthetic", "--record", trace])
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let body = #"{"prompt": "Once", "max_tokens": 1000, "stream": true, "ignore_eos": true}"#
        curl.arguments = ["curl", "-sS", "-N", "-H", "Content-Type: application/json", "-d", body, server.baseURL + "/v1/completions"]
        let out = Pipe()
        curl.standardOutput = out
        curl.standardError = FileHandle.nullDevice
        let received = LineCollector()
        out.fileHandleForReading.readabilityHandler = { h in let d = h.availableData; if d.isEmpty { h.readabilityHandler = nil; received.close() } else { received.append(d) } }
        try curl.run()
        XCTAssertNotNil(received.waitForLine(containing: "data: {", timeout: 60), "the stream started")
        XCTAssertEqual(server.terminate(), 0, server.stderr)
        received.waitUntilClosed(timeout: 30)
        curl.waitUntilExit()
        let text = received.text
        XCTAssertTrue(text.hasSuffix("data: [DONE]\n\n"), String(text.suffix(300)))
        XCTAssertTrue(text.contains(#""finish_reason":"abort""#), String(text.suffix(300)))
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        XCTAssertTrue(lines.last?.contains(#""ev": "end""#) ?? false, String(lines.last ?? ""))
        XCTAssertTrue(lines.contains { $0.contains(#""ev": "finished""#) })
    }

    /// The real model, when it is in the cache: a greedy chat answer through the chat template.
    func testChatOnSmolLM2WhenCached() throws {
        let python = try serveTestPython()
        let path = try TestFiles.smolLM2Path()
        var stdout = "", stderr = ""
        let inspect = try runCommand(try BuiltProduct.pdscope(), ["inspect", path], stdout: &stdout, stderr: &stderr)
        try XCTSkipIf(inspect != 0, "this build cannot read \(path): \(stderr)")
        let server = try ServeProcess(arguments: ["--model", path, "--served-model-name", "smollm2"])
        let script = """
        import json, sys, openai
        c = openai.OpenAI(base_url=sys.argv[1] + "/v1", api_key="x", max_retries=0, timeout=300)
        r = c.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "What is the capital of France?"}], max_tokens=24, temperature=0)
        s = list(c.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "What is the capital of France?"}], max_tokens=24, temperature=0, stream=True))
        print(json.dumps({"text": r.choices[0].message.content, "finish": r.choices[0].finish_reason,
                          "streamed": "".join(x.choices[0].delta.content or "" for x in s if x.choices)}))
        """
        let status = try runCommand(python, ["-c", script, server.baseURL], stdout: &stdout, stderr: &stderr)
        XCTAssertEqual(status, 0, stderr)
        let r = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: String], stdout)
        XCTAssertFalse((r["text"] ?? "").isEmpty)
        XCTAssertEqual(r["text"], r["streamed"], "greedy: streamed and whole answers are the same")
        XCTAssertEqual(server.terminate(), 0)
    }

    static func field(_ name: String, in line: String) -> Int {
        guard let range = line.range(of: " \(name)=") else { return 0 }
        return Int(line[range.upperBound...].prefix { $0.isNumber }) ?? 0
    }
}
