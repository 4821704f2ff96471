import Foundation
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `pdscope attach` in a real (tmux) terminal against a real `pdscope serve` and a dead port: the
/// panels fill from /metrics, a request through --listen shows up as a TTFT estimate and as its user's
/// row, the dead one is DOWN, q quits.
final class AttachTmuxTests: XCTestCase {
    func testAttachedDashboardShowsServersAndQuits() throws {
        let binary = try BuiltProduct.pdscope()
        let server = try ServeProcess(arguments: ["--model", HeadlessFixtures.tinyModelPath, "--served-model-name", "tiny"])
        defer { _ = server.terminate() }
        let dead = try unusedLoopbackPort(), proxyPort = try unusedLoopbackPort()
        let command = "'\(binary)' attach --interval 0.25 --listen 127.0.0.1:\(proxyPort) \(server.baseURL) --decode 127.0.0.1:\(dead); echo EXIT=$?; sleep 60"
        let tmux = try TmuxSession(command: command, environment: ["LANG": "C.UTF-8", "TERM": "xterm-256color"])
        defer { tmux.kill() }

        let first = try tmux.waitForScreen(timeout: 30, "both panels") { screen in
            // The serve runs a prefill and a decode instance (one panel each), the dead port is the third.
            // tmux may capture a frame half drawn: wait for its lower half too.
            screen.contains("i0 prefill · pdscope serve") && screen.contains("i1 decode · pdscope serve") && screen.contains("i2 decode · DOWN")
                && screen.contains("queues by stage")
        }
        XCTAssertTrue(first.contains("pdscope attach"), first)

        // Through the proxy, as user alice: her row appears with a TTFT.
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(proxyPort)/v1/completions")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(#"{"prompt": "Once upon a time", "max_tokens": 16, "ignore_eos": true, "stream": true, "user": "alice"}"#.utf8)
        let done = DispatchSemaphore(value: 0)
        let status = Answer(0)
        URLSession.shared.dataTask(with: request) { _, response, _ in
            status.set((response as? HTTPURLResponse)?.statusCode ?? 0)
            done.signal()
        }.resume()
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(status.value, 200)
        let after = try tmux.waitForScreen(timeout: 30, "the request's TTFT estimate and alice's row") {
            $0.contains("~TTFT p50/p90/p99") && $0.contains("alice")
        }
        XCTAssertTrue(after.contains("users (1)"), after)

        try tmux.sendKeys("q")
        let end = try tmux.waitForScreen(timeout: 30, "the exit status") { $0.contains("EXIT=") }
        XCTAssertTrue(end.contains("EXIT=0"), end)
    }
}
