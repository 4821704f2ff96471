import Foundation
import Trace
import XCTest

/// `attach --listen … --no-dashboard --record F` end to end: two real `pdscope serve` processes
/// (prefill and decode), attach as a real child process, the real openai-python client, SIGTERM,
/// then the file read back and replayed with `pdscope replay F --json`.
final class AttachRecordTests: XCTestCase {
    func testRecordedTrafficReplaysWithItsUsersAndOutputLengths() throws {
        let python = try serveTestPython()
        let model = HeadlessFixtures.tinyModelPath
        let p = try ServeProcess(arguments: ["--model", model, "--served-model-name", "tiny", "--policy", "colocated-fcfs"])
        let d = try ServeProcess(arguments: ["--model", model, "--served-model-name", "tiny", "--policy", "colocated-fcfs"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attach-record-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let trace = directory.appendingPathComponent("traffic.jsonl").path
        let attach = try ServeProcess(command: ["attach", "--listen", "127.0.0.1:0", "--no-dashboard", "--record", trace,
                                                "--interval", "0.5", "--prefill", p.baseURL, "--decode", d.baseURL])
        XCTAssertTrue(attach.stderr.contains("recording to \(trace)"), attach.stderr)

        // alice streams and asks for usage, bob is not streamed, carol streams without asking for usage.
        let script = """
        import json, sys, openai
        c = openai.OpenAI(base_url=sys.argv[1] + "/v1", api_key="x", max_retries=0, timeout=120)
        out = {}
        chunks = list(c.completions.create(model="tiny", prompt="Once upon a time", max_tokens=5, user="alice",
                                           stream=True, stream_options={"include_usage": True}, extra_body={"ignore_eos": True}))
        out["alice_usage"] = [x.usage.prompt_tokens for x in chunks if x.usage is not None]
        out["alice_text_chunks"] = len([x for x in chunks if x.choices])
        r = c.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hello there"}], max_tokens=3,
                                      user="bob", extra_body={"ignore_eos": True})
        out["bob_prompt"] = r.usage.prompt_tokens
        out["bob_output"] = r.usage.completion_tokens
        chunks = list(c.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "a story please"}], max_tokens=4,
                                                user="carol", stream=True, extra_body={"ignore_eos": True}))
        out["carol_usage_chunks"] = len([x for x in chunks if getattr(x, "usage", None) is not None or not x.choices])
        out["carol_text_chunks"] = len([x for x in chunks if x.choices and x.choices[0].delta.content])
        print(json.dumps(out))
        """
        var stdout = "", stderr = ""
        XCTAssertEqual(try runCommand(python, ["-c", script, attach.baseURL], stdout: &stdout, stderr: &stderr), 0, stderr)
        let client = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any], stdout)
        let aliceUsage = try XCTUnwrap(client["alice_usage"] as? [Int])
        XCTAssertEqual(aliceUsage.count, 1, "a client that asked for usage gets the usage chunk: \(client)")
        XCTAssertEqual(client["alice_text_chunks"] as? Int, 5)
        XCTAssertEqual(client["carol_usage_chunks"] as? Int, 0, "no usage chunk for a client that did not ask: \(client)")
        XCTAssertEqual(client["carol_text_chunks"] as? Int, 4)
        XCTAssertEqual(client["bob_output"] as? Int, 3)

        XCTAssertEqual(attach.terminate(), 0, attach.stderr)
        XCTAssertTrue(attach.stderr.contains("(3 requests)"), attach.stderr)

        // The file is complete: header, one block per request, the closing line.
        let recorded = try TraceReader.read(path: trace)
        XCTAssertFalse(recorded.isTruncated, "\(recorded.notes)")
        XCTAssertEqual(recorded.notes, [], "observed lines are a known kind")
        XCTAssertGreaterThanOrEqual(recorded.observedCount, 2, "each server's scraped state at least once")
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        let observed = try XCTUnwrap(lines.first { $0.contains(#""ev": "observed""#) })
        XCTAssertTrue(observed.contains(#""up": true"#) && observed.contains(#""engine": "pdscope serve""#), String(observed))
        XCTAssertEqual(recorded.header.policy, "disaggregated")
        XCTAssertEqual(recorded.header.settings["attach_servers"], "prefill=\(p.baseURL) decode=\(d.baseURL)")
        XCTAssertTrue(recorded.header.model.name.hasPrefix("tiny"), recorded.header.model.name)
        var specs: [String: (prompt: Int, max: Int, ignoreEOS: Bool)] = [:]
        for event in recorded.events {
            if case let .arrived(_, spec, _) = event.kind, case let .synthetic(count, _, _) = spec.prompt {
                specs[spec.user] = (count, spec.maxTokens, spec.ignoreEOS)
            }
        }
        XCTAssertEqual(specs["alice"]?.prompt, aliceUsage.first)
        XCTAssertEqual(specs["bob"]?.prompt, client["bob_prompt"] as? Int)
        XCTAssertEqual(specs.mapValues(\.max), ["alice": 5, "bob": 3, "carol": 4])
        XCTAssertEqual(specs.values.map(\.ignoreEOS), [true, true, true])

        // Replayed on the in-process engine: the same requests, users and output lengths.
        XCTAssertEqual(try runCommand(try BuiltProduct.pdscope(), ["replay", trace, "--model", model, "--json"],
                                      stdout: &stdout, stderr: &stderr), 0, stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any], stdout)
        let run = try XCTUnwrap((json["runs"] as? [[String: Any]])?.first)
        XCTAssertEqual(run["policy"] as? String, "disaggregated")
        XCTAssertEqual(run["completed"] as? Int, 3, stdout)
        let requests = try XCTUnwrap(run["requests"] as? [[String: Any]])
        var replayed: [String: Int] = [:]
        for r in requests { replayed[r["user"] as? String ?? "?"] = r["output_tokens"] as? Int }
        XCTAssertEqual(replayed, ["alice": 5, "bob": 3, "carol": 4])
        let prompts = Dictionary(uniqueKeysWithValues: requests.map { ($0["user"] as? String ?? "?", $0["prompt_tokens"] as? Int ?? -1) })
        XCTAssertEqual(prompts, specs.mapValues(\.prompt))

        // Under another policy, with the per-request table of recorded (real) vs replayed timings.
        XCTAssertEqual(try runCommand(try BuiltProduct.pdscope(), ["replay", trace, "--model", model, "--policy", "chunked-prefill"],
                                      stdout: &stdout, stderr: &stderr), 0, stderr)
        XCTAssertTrue(stderr.contains("recorded under disaggregated; now under chunked-prefill"), stderr)
        XCTAssertTrue(stdout.contains("Replay vs recording"), stdout)
        XCTAssertTrue(stdout.contains("the recording keeps no output texts"), stdout)
        _ = p.terminate(); _ = d.terminate()
    }
}
