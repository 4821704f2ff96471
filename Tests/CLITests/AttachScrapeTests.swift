import Attach
import Dashboard
import Foundation
import Synchronization
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `attach`'s scraper against real `pdscope serve` processes on loopback (the tiny synthetic
/// model), a port with nothing on it, and a server whose /metrics is garbage.
final class AttachScrapeTests: XCTestCase {
    /// Waits (bounded) until every target has had `count` more scrapes than in `from`.
    private func waitForScrapes(_ scraper: Scraper, after from: [Int], count: Int = 1, timeout: Double = 30) {
        let deadline = Date().addingTimeInterval(timeout)
        while zip(scraper.scrapes(), from).contains(where: { $0 < $1 + count }) && Date() < deadline { usleep(10_000) }
    }

    private func complete(_ base: String, user: String, maxTokens: Int) throws -> [String: Any] {
        var request = URLRequest(url: URL(string: base + "/v1/completions")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: [
            "prompt": "Once upon a time", "max_tokens": maxTokens, "ignore_eos": true, "user": user])
        let done = DispatchSemaphore(value: 0)
        let result = Answer<Data?>(nil)
        URLSession.shared.dataTask(with: request) { data, _, _ in result.set(data); done.signal() }.resume()
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: result.value ?? Data()) as? [String: Any])
    }

    func testPrefillAndDecodeServersAreIdentifiedAndTheirTokensCounted() throws {
        let model = HeadlessFixtures.tinyModelPath
        let p = try ServeProcess(arguments: ["--model", model, "--served-model-name", "tiny-p", "--policy", "colocated-fcfs"])
        let d = try ServeProcess(arguments: ["--model", model, "--served-model-name", "tiny-d", "--policy", "colocated-fcfs"])
        let scraper = Scraper(targets: [AttachTarget.parse(p.baseURL, role: "prefill")!, AttachTarget.parse(d.baseURL, role: "decode")!],
                              interval: 0.2, window: 30)
        scraper.start()
        defer { scraper.stop() }
        waitForScrapes(scraper, after: [0, 0])
        let before = scraper.snapshot()
        XCTAssertEqual(before.map(\.engine), ["pdscope serve", "pdscope serve"])
        XCTAssertEqual(before.map(\.model), ["tiny-p", "tiny-d"])
        XCTAssertEqual(before.map(\.role), ["prefill", "decode"])
        XCTAssertTrue(before.allSatisfy { $0.isUp && $0.version != nil && $0.running == 0 }, "\(before)")

        let response = try complete(d.baseURL, user: "alice", maxTokens: 24)
        let usage = try XCTUnwrap(response["usage"] as? [String: Any])
        XCTAssertEqual(usage["completion_tokens"] as? Int, 24)
        waitForScrapes(scraper, after: scraper.scrapes())
        let after = scraper.snapshot()
        // 24 tokens went through the decode server within the window: its rate is positive, the
        // prefill server (no requests) stays at zero; one TTFT sample lands in the estimate.
        XCTAssertGreaterThan(try XCTUnwrap(after[1].generationTokensPerSecond), 0)
        XCTAssertEqual(after[0].generationTokensPerSecond, 0)
        let ttft = try XCTUnwrap(after[1].estimates.first { $0.name == "TTFT" }, "\(after[1].estimates)")
        XCTAssertEqual(ttft.count, 1)
        XCTAssertGreaterThan(try XCTUnwrap(after[1].kvBlocksTotal), 0)
        _ = p.terminate(); _ = d.terminate()
    }

    func testDisaggregatedServeReportsItsRoles() throws {
        let server = try ServeProcess(arguments: ["--model", HeadlessFixtures.tinyModelPath])
        let scraper = Scraper(targets: [AttachTarget.parse(server.baseURL)!], interval: 0.2)
        scraper.start()
        defer { scraper.stop() }
        waitForScrapes(scraper, after: [0])
        XCTAssertEqual(scraper.snapshot().first?.role, "prefill+decode")
        _ = server.terminate()
    }

    func testDownServerShowsItsErrorAndIsRetried() throws {
        let port = try unusedLoopbackPort()
        let scraper = Scraper(targets: [AttachTarget.parse("127.0.0.1:\(port)")!], interval: 0.1)
        scraper.start()
        defer { scraper.stop() }
        waitForScrapes(scraper, after: [0], count: 2)
        let down = try XCTUnwrap(scraper.snapshot().first)
        XCTAssertFalse(down.isUp)
        let error = try XCTUnwrap(down.error)
        XCTAssertTrue(error.hasPrefix("metrics: "), error)
        XCTAssertFalse(error.contains("\n"))
        XCTAssertNil(down.lastSeen)
    }

    func testGarbageMetricsIsOneLineErrorOnThePanel() throws {
        let server = try FixedHTTPServer(body: "<html><body>hello</body></html>\n")
        defer { server.stop() }
        let scraper = Scraper(targets: [AttachTarget.parse(server.baseURL)!], interval: 0.1)
        scraper.start()
        defer { scraper.stop() }
        waitForScrapes(scraper, after: [0])
        let o = try XCTUnwrap(scraper.snapshot().first)
        let error = try XCTUnwrap(o.error)
        XCTAssertTrue(error.contains("/metrics line 1"), error)
        XCTAssertFalse(error.contains("\n"))
        let lines = DashboardView.observedLines(o, now: scraper.now)
        XCTAssertEqual(lines.first?.0, error)
    }

    func testOnceCommandPrintsThePanelsAndFailsWhenOneIsDown() throws {
        let server = try ServeProcess(arguments: ["--model", HeadlessFixtures.tinyModelPath, "--served-model-name", "tiny"])
        let port = try unusedLoopbackPort()
        var stdout = "", stderr = ""
        let status = try runCommand(try BuiltProduct.pdscope(),
                                    ["attach", "--once", "--interval", "0.2", server.baseURL, "--decode", "127.0.0.1:\(port)"],
                                    stdout: &stdout, stderr: &stderr)
        XCTAssertEqual(status, 1, stdout + stderr)
        // The default serve runs a prefill and a decode instance: one panel per `engine` label.
        XCTAssertTrue(stdout.contains("i0 prefill · pdscope serve"), stdout)
        XCTAssertTrue(stdout.contains("i1 decode · pdscope serve"), stdout)
        XCTAssertTrue(stdout.contains("tiny · " + server.baseURL + " engine=0"), stdout)
        XCTAssertTrue(stdout.contains("i2 decode · DOWN"), stdout)
        _ = server.terminate()

        let bad = try runCommand(try BuiltProduct.pdscope(), ["attach", "ftp://x"], stdout: &stdout, stderr: &stderr)
        XCTAssertNotEqual(bad, 0)
        XCTAssertTrue(stderr.contains("'ftp://x' is not a server URL"), stderr)
    }
}
