import Foundation
import XCTest

/// `serve --dashboard` in a real (tmux) terminal: an API client's request shows as a user next to
/// a keyboard prompt, the request log goes to the log file, `q` stops both with exit status 0.
final class ServeDashboardTests: XCTestCase {
    func testAPIClientsAppearAsUsersAndQuitStopsTheServer() throws {
        let binary = try BuiltProduct.pdscope()
        let directory = NSTemporaryDirectory() + "pdscope-serve-dash-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = directory + "/serve.log"
        let command = "'\(binary)' serve --dashboard --model '\(HeadlessFixtures.tinyModelPath)' --port 0 --log-file '\(log)'; echo EXIT=$?; sleep 60"
        let tmux = try TmuxSession(command: command, environment: ["LANG": "C.UTF-8", "SWIFT_BACKTRACE": "interactive=no", "TERM": "xterm-256color"])
        defer { tmux.kill() }
        try tmux.waitForScreen(timeout: 60, "the dashboard's first frame") { $0.contains("users (0)") }
        let url = try XCTUnwrap(waitForLine(in: log, containing: "listening on http://"))
            .components(separatedBy: "listening on ").last!.trimmingCharacters(in: .whitespaces)

        var stdout = "", stderr = ""
        let body = #"{"messages": [{"role": "user", "content": "hello"}], "max_tokens": 8, "user": "api-alice"}"#
        let status = try runCommand("/usr/bin/env", ["curl", "-sS", "-H", "Content-Type: application/json", "-d", body,
                                                     url + "/v1/chat/completions"], stdout: &stdout, stderr: &stderr)
        try XCTSkipIf(status == 127, "curl is not installed")
        XCTAssertEqual(status, 0, stderr)
        XCTAssertTrue(stdout.contains(#""finish_reason":"length""#), stdout)
        try tmux.sendKeys("i")
        try tmux.type("@bob hi")
        try tmux.sendKeys("Enter")
        let screen = try tmux.waitForScreen(timeout: 30, "both users") { $0.contains("users (2)") }
        XCTAssertTrue(screen.contains("api-alice"), screen)
        XCTAssertTrue(screen.contains("bob"), screen)

        try tmux.sendKeys("q")
        let after = try tmux.waitForScreen(timeout: 30, "the exit status") { $0.contains("EXIT=") }
        XCTAssertTrue(after.contains("EXIT=0"), after)
        let logged = try String(contentsOfFile: log, encoding: .utf8)
        XCTAssertTrue(logged.contains("user=api-alice"), logged)
    }

    private func waitForLine(in path: String, containing needle: String, timeout: Double = 30) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let line = text.split(separator: "\n").first(where: { $0.contains(needle) }) {
                return String(line)
            }
            usleep(50_000)
        }
        return nil
    }
}
