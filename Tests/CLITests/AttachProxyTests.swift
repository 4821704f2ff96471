@testable import Attach
import Foundation
import Synchronization
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The `--listen` proxy in front of real `pdscope serve` processes (one told to be prefill, one
/// decode), driven by a real streaming HTTP client: P-first with vLLM's kv_transfer_params, SSE
/// chunks passed through and timed, upstream failures as OpenAI-shaped 502s.
final class AttachProxyTests: XCTestCase {
    private final class Events: Sendable {
        private let list = Mutex<[ProxyEvent]>([])
        func add(_ e: ProxyEvent) { list.withLock { $0.append(e) } }
        var all: [ProxyEvent] { list.withLock { $0 } }
    }

    private func startProxy(_ scraper: Scraper, events: Events) throws -> (Task<Void, Never>, String) {
        let proxy = AttachProxy(scraper: scraper) { events.add($0) }
        let ready = DispatchSemaphore(value: 0)
        let port = PortBox()
        let task = Task.detached { _ = try? await proxy.run(host: "127.0.0.1", port: 0) { p in port.value.withLock { $0 = p }; ready.signal() } }
        XCTAssertEqual(ready.wait(timeout: .now() + 30), .success)
        return (task, "http://127.0.0.1:\(port.value.withLock { $0 })")
    }

    private final class PortBox: Sendable { let value = Mutex(0) }

    private func post(_ url: String, _ body: String) -> (Int, String) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        let done = DispatchSemaphore(value: 0)
        let result = Answer<(Int, String)>((0, ""))
        URLSession.shared.dataTask(with: request) { data, response, _ in
            result.set(((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data ?? Data(), as: UTF8.self)))
            done.signal()
        }.resume()
        XCTAssertEqual(done.wait(timeout: .now() + 120), .success)
        return result.value
    }

    private func generated(_ base: String) throws -> Double {
        let text = try String(contentsOf: URL(string: base + "/metrics")!, encoding: .utf8)
        return try XCTUnwrap(PrometheusText.parse(text).total("vllm:generation_tokens_total"))
    }

    func testPFirstStreamsThroughAndTimesEveryChunk() throws {
        let model = HeadlessFixtures.tinyModelPath
        let p = try ServeProcess(arguments: ["--model", model, "--served-model-name", "tiny", "--policy", "colocated-fcfs"])
        let d = try ServeProcess(arguments: ["--model", model, "--served-model-name", "tiny", "--policy", "colocated-fcfs"])
        let scraper = Scraper(targets: [AttachTarget.parse(p.baseURL, role: "prefill")!, AttachTarget.parse(d.baseURL, role: "decode")!],
                              interval: 0.5)
        scraper.start()
        defer { scraper.stop() }
        let events = Events()
        let (task, proxy) = try startProxy(scraper, events: events)
        defer { task.cancel() }

        let (status, body) = post(proxy + "/v1/completions",
                                  #"{"model": "tiny", "prompt": "Once upon a time", "max_tokens": 9, "ignore_eos": true, "stream": true, "user": "alice"}"#)
        XCTAssertEqual(status, 200, body)
        let datas = body.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }
        XCTAssertEqual(datas.last, "data: [DONE]")
        XCTAssertEqual(datas.filter { $0.contains("\"text\"") }.count, 9, body)
        // The prefill hop generated its one token, the decode server the nine streamed.
        XCTAssertEqual(try generated(p.baseURL), 1)
        XCTAssertEqual(try generated(d.baseURL), 9)

        let seen = events.all
        guard case let .arrived(user, _, maxTokens)? = seen.first?.kind else { return XCTFail("\(seen)") }
        XCTAssertEqual(user, "alice"); XCTAssertEqual(maxTokens, 9)
        let routes = seen.compactMap { e -> String? in if case let .routed(i, role) = e.kind { return "\(i):\(role)" }; return nil }
        XCTAssertEqual(routes, ["0:prefill", "1:decode"])
        let tokens = seen.compactMap { e -> Int? in if case let .token(index, _) = e.kind { return index }; return nil }
        XCTAssertEqual(tokens, Array(0..<9))
        guard case let .finished(reason, _, output)? = seen.last?.kind else { return XCTFail("\(seen)") }
        XCTAssertEqual(reason, "length"); XCTAssertEqual(output, 9)
        let times = seen.map(\.time)
        XCTAssertEqual(times, times.sorted(), "events in time order")

        // The decode server gone: the client gets vLLM's error shape with a 502.
        _ = d.terminate()
        let (failed, message) = post(proxy + "/v1/completions", #"{"prompt": "hi", "max_tokens": 2, "stream": true}"#)
        XCTAssertEqual(failed, 502, message)
        let error = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(message.utf8)) as? [String: Any])?["error"] as? [String: Any])
        XCTAssertTrue((error["message"] as? String ?? "").contains(d.baseURL), "\(error)")
        _ = p.terminate()
    }

    func testOneServerForwardsAsIsAndBadBodiesAre400() throws {
        let s = try ServeProcess(arguments: ["--model", HeadlessFixtures.tinyModelPath, "--served-model-name", "tiny"])
        let scraper = Scraper(targets: [AttachTarget.parse(s.baseURL)!], interval: 0.5)
        scraper.start()
        defer { scraper.stop() }
        let events = Events()
        let (task, proxy) = try startProxy(scraper, events: events)
        defer { task.cancel() }
        let (status, body) = post(proxy + "/v1/chat/completions",
                                  #"{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 4, "ignore_eos": true, "user": "bob"}"#)
        XCTAssertEqual(status, 200, body)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        XCTAssertEqual((object["usage"] as? [String: Any])?["completion_tokens"] as? Int, 4)
        let routes = events.all.compactMap { e -> Int? in if case let .routed(i, _) = e.kind { return i }; return nil }
        XCTAssertEqual(routes, [0])
        XCTAssertEqual(post(proxy + "/v1/completions", "not json").0, 400)
        _ = s.terminate()
    }
}
