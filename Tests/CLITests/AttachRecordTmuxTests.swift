import Engine
import Foundation
import Trace
import XCTest

/// `pdscope attach --record` in a real (tmux) terminal in front of a prefill and a decode
/// `pdscope serve`: a P-first request fills alice's row with the upstream's prompt count and the
/// TTFT split, `r` stops the recording (its summary on the status line), q quits cleanly.
final class AttachRecordTmuxTests: XCTestCase {
    func testDashboardRecordsPFirstTrafficAndShowsTheTTFTSplit() throws {
        let binary = try BuiltProduct.pdscope()
        let model = HeadlessFixtures.tinyModelPath
        let p = try ServeProcess(arguments: ["--model", model, "--served-model-name", "tiny", "--policy", "colocated-fcfs"])
        let d = try ServeProcess(arguments: ["--model", model, "--served-model-name", "tiny", "--policy", "colocated-fcfs"])
        defer { _ = p.terminate(); _ = d.terminate() }
        let trace = NSTemporaryDirectory() + "attach-tmux-record-\(getpid())-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let proxyPort = try unusedLoopbackPort()
        let command = "'\(binary)' attach --interval 0.25 --listen 127.0.0.1:\(proxyPort) --record '\(trace)' --prefill \(p.baseURL) --decode \(d.baseURL); echo EXIT=$?; sleep 60"
        let tmux = try TmuxSession(command: command, width: 160, height: 45, environment: ["LANG": "C.UTF-8", "TERM": "xterm-256color"])
        defer { tmux.kill() }
        _ = try tmux.waitForScreen(timeout: 30, "both panels") { $0.contains("i0 prefill · pdscope serve") && $0.contains("i1 decode · pdscope serve") }

        var stdout = "", stderr = ""
        let curl = try runCommand("/usr/bin/env", ["curl", "-sN", "http://127.0.0.1:\(proxyPort)/v1/completions", "-H", "Content-Type: application/json",
                                                   "-d", #"{"prompt": "Once upon a time", "max_tokens": 6, "ignore_eos": true, "stream": true, "user": "alice"}"#],
                                  stdout: &stdout, stderr: &stderr)
        XCTAssertEqual(curl, 0, stderr)
        XCTAssertEqual(stdout.components(separatedBy: "\"text\"").count - 1, 6, stdout)
        XCTAssertFalse(stdout.contains("\"usage\""), "curl did not ask for usage: \(stdout)")

        let row = try tmux.waitForScreen(timeout: 30, "alice's finished row with the split") { screen in
            screen.contains("p+handoff+d ms") && screen.split(separator: "\n").contains { $0.contains("│alice") && $0.contains("finished") }
        }
        let alice = try XCTUnwrap(row.split(separator: "\n").first { $0.contains("│alice") }.map(String.init))
        let cells = alice.split(separator: " ").map(String.init)
        // user, state, prompt, gen, ttft, split: the prompt is the upstream's count (5 tokens of the tiny model's tokenizer).
        XCTAssertEqual(cells[2], "5", alice)
        XCTAssertEqual(cells[3], "6", alice)
        XCTAssertEqual(cells[5].split(separator: "+").count, 3, alice)

        try tmux.sendKeys("r")
        let stopped = try tmux.waitForScreen(timeout: 30, "the recording's summary") { $0.contains("(1 request)") }
        XCTAssertTrue(stopped.contains("recorded "), stopped)
        try tmux.sendKeys("q")
        let end = try tmux.waitForScreen(timeout: 30, "the exit status") { $0.contains("EXIT=") }
        XCTAssertTrue(end.contains("EXIT=0"), end)

        let recorded = try TraceReader.read(path: trace)
        XCTAssertFalse(recorded.isTruncated, "\(recorded.notes)")
        let specs = recorded.events.compactMap { e -> RequestSpec? in if case let .arrived(_, spec, _) = e.kind { return spec }; return nil }
        XCTAssertEqual(specs.map(\.user), ["alice"])
        XCTAssertEqual(specs.first?.prompt, .synthetic(count: 5, prefixKeys: [], segmentTokens: 512))
        XCTAssertEqual(specs.first?.maxTokens, 6)
    }
}
