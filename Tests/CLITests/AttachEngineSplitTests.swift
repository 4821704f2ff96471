import Attach
import Dashboard
import Foundation
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One `pdscope serve` running a prefill and a decode instance labels its series `engine="0"` /
/// `engine="1"`: attach shows one panel per engine, each with its own role and numbers.
final class AttachEngineSplitTests: XCTestCase {
    func testAPDServeIsShownAsOnePanelPerEngine() throws {
        let server = try ServeProcess(arguments: ["--model", HeadlessFixtures.tinyModelPath, "--served-model-name", "tiny", "--policy", "disaggregated"])
        defer { _ = server.terminate() }
        let scraper = Scraper(targets: [AttachTarget.parse(server.baseURL)!], interval: 0.2)
        scraper.start()
        defer { scraper.stop() }
        func waitForScrapes(after from: Int) {
            let deadline = Date().addingTimeInterval(30)
            while scraper.scrapes()[0] < from + 1 && Date() < deadline { usleep(10_000) }
        }
        waitForScrapes(after: 0)
        let layout = scraper.panelLayout()
        XCTAssertEqual(layout, [AttachPanel(target: 0, engine: "0"), AttachPanel(target: 0, engine: "1")])
        let before = scraper.views(of: layout)
        XCTAssertEqual(before.map(\.role), ["prefill", "decode"])
        XCTAssertEqual(before.map(\.url), [server.baseURL + " engine=0", server.baseURL + " engine=1"])
        XCTAssertEqual(scraper.snapshot().first?.role, "prefill+decode", "the server as a whole is unchanged")

        var request = URLRequest(url: URL(string: server.baseURL + "/v1/completions")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(#"{"prompt": "Once upon a time", "max_tokens": 24, "ignore_eos": true}"#.utf8)
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { _, _, _ in done.signal() }.resume()
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        waitForScrapes(after: scraper.scrapes()[0])
        let after = scraper.views(of: layout)
        // The prompt went through the prefill engine only; the decode engine made all tokens but the first.
        XCTAssertGreaterThan(try XCTUnwrap(after[0].promptTokensPerSecond), 0)
        XCTAssertEqual(after[1].promptTokensPerSecond, 0)
        XCTAssertGreaterThan(try XCTUnwrap(after[1].generationTokensPerSecond), try XCTUnwrap(after[0].generationTokensPerSecond))

        // Down: every panel of the server shows the error.
        _ = server.terminate()
        let deadline = Date().addingTimeInterval(30)
        while scraper.views(of: layout).contains(where: { $0.error == nil }) && Date() < deadline { usleep(10_000) }
        XCTAssertTrue(scraper.views(of: layout).allSatisfy { $0.error != nil && !$0.isUp })
    }

    func testOncePrintsAPanelPerEngine() throws {
        let server = try ServeProcess(arguments: ["--model", HeadlessFixtures.tinyModelPath, "--served-model-name", "tiny", "--policy", "disaggregated"])
        defer { _ = server.terminate() }
        var stdout = "", stderr = ""
        XCTAssertEqual(try runCommand(try BuiltProduct.pdscope(), ["attach", "--once", "--interval", "0.2", server.baseURL],
                                      stdout: &stdout, stderr: &stderr), 0, stderr)
        XCTAssertTrue(stdout.contains("i0 prefill · pdscope serve"), stdout)
        XCTAssertTrue(stdout.contains("i1 decode · pdscope serve"), stdout)
        XCTAssertTrue(stdout.contains("\(server.baseURL) engine=1"), stdout)
    }
}
