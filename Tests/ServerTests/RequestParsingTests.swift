import Foundation
import XCTest
@testable import Server

/// Request bodies → `GenerationRequest`, and the named 400s for bad ones.
final class RequestParsingTests: XCTestCase {
    private func parse(_ json: String, chat: Bool = false) throws -> GenerationRequest {
        try GenerationRequest.parse(Data(json.utf8), isChat: chat)
    }

    private func error(_ json: String, chat: Bool = false) -> APIError? {
        do { _ = try parse(json, chat: chat); return nil } catch { return error as? APIError }
    }

    func testCompletionFieldsAndDefaults() throws {
        let r = try parse(#"{"model": "m", "prompt": "hi", "max_tokens": 7, "temperature": 0.5, "top_p": 0.9, "top_k": -1, "seed": 42, "stop": "\n", "stream": true, "stream_options": {"include_usage": true}, "ignore_eos": true, "user": "alice", "logprobs": null, "presence_penalty": 0}"#)
        XCTAssertEqual(r.input, .prompt("hi"))
        XCTAssertEqual(r.maxTokens, 7)
        XCTAssertEqual(r.sampling.temperature, 0.5)
        XCTAssertEqual(r.sampling.topP, 0.9)
        XCTAssertEqual(r.sampling.topK, 0)
        XCTAssertEqual(r.sampling.seed, 42)
        XCTAssertEqual(r.stop, ["\n"])
        XCTAssertTrue(r.stream && r.includeUsage && r.ignoreEOS)
        XCTAssertEqual(r.user, "alice")
        let plain = try parse(#"{"prompt": ["only one"]}"#)
        XCTAssertEqual(plain.input, .prompt("only one"))
        XCTAssertNil(plain.maxTokens)
        XCTAssertTrue(plain.sampling.isGreedy)
        XCTAssertFalse(plain.stream)
    }

    func testChatContentAsStringOrTextParts() throws {
        let r = try parse(#"{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "Hel"}, {"type": "text", "text": "lo"}]}], "max_completion_tokens": 5, "max_tokens": 9}"#, chat: true)
        XCTAssertEqual(r.input, .chat([ChatTurn(role: "system", content: "Be brief."), ChatTurn(role: "user", content: "Hello")]))
        XCTAssertEqual(r.maxTokens, 5, "max_completion_tokens wins in chat")
    }

    func testBadRequestsNameTheParameter() {
        XCTAssertEqual(error("{oops")?.message, "The request body is not valid JSON.")
        XCTAssertEqual(error("[1, 2]")?.status, .badRequest)
        XCTAssertEqual(error(#"{"prompt": "x", "max_tokens": "ten"}"#)?.param, "max_tokens")
        XCTAssertEqual(error(#"{"prompt": "x", "max_tokens": 0}"#)?.param, "max_tokens")
        XCTAssertEqual(error(#"{"prompt": "x", "temperature": -1}"#)?.param, "temperature")
        XCTAssertEqual(error(#"{"prompt": "x", "top_p": 0}"#)?.param, "top_p")
        XCTAssertEqual(error(#"{"prompt": "x", "stream": "yes"}"#)?.param, "stream")
        XCTAssertEqual(error(#"{"prompt": "x", "stop": 5}"#)?.param, "stop")
        XCTAssertEqual(error(#"{"prompt": "x", "n": 2}"#)?.param, "n")
        XCTAssertEqual(error(#"{"prompt": [1, 2, 3]}"#)?.param, "prompt")
        XCTAssertEqual(error(#"{"prompt": ["a", "b"]}"#)?.param, "prompt")
        XCTAssertEqual(error(#"{"max_tokens": 3}"#)?.param, "prompt")
        XCTAssertEqual(error(#"{"messages": []}"#, chat: true)?.param, "messages")
        XCTAssertEqual(error(#"{"messages": "hi"}"#, chat: true)?.message, "'messages' must be an array.")
        XCTAssertEqual(error(#"{"messages": ["hi"]}"#, chat: true)?.message, "'messages[0]' must be an object.")
        XCTAssertEqual(error(#"{"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}"#, chat: true)?.param, "messages")
        XCTAssertEqual(error(#"{"messages": [{"content": "no role"}]}"#, chat: true)?.param, "messages[0].role")
    }

    func testErrorBodyIsOpenAIShaped() throws {
        let e = APIError.unavailable("busy", retryAfter: 3)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: e.body) as? [String: Any])
        let inner = try XCTUnwrap(object["error"] as? [String: Any])
        XCTAssertEqual(inner["message"] as? String, "busy")
        XCTAssertEqual(inner["type"] as? String, "service_unavailable_error")
        XCTAssertTrue(inner["param"] is NSNull)
        XCTAssertEqual(e.headers[.retryAfter], "3")
        XCTAssertEqual(e.status.code, 503)
    }
}

/// Stop strings cut the text before the match, also when the match spans pieces.
final class StopTextFilterTests: XCTestCase {
    func testHoldsBackAPossibleStartAndCutsAtTheMatch() {
        var filter = StopTextFilter(stops: ["END", "\n\n"])
        XCTAssertEqual(filter.push("Hello E"), "Hello ")
        XCTAssertEqual(filter.push("N"), "")
        XCTAssertEqual(filter.push("Dless"), "")
        XCTAssertEqual(filter.matched, "END")
        XCTAssertEqual(filter.flush(), "")
    }

    func testReleasesHeldTextThatTurnsOutNotToMatch() {
        var filter = StopTextFilter(stops: ["END"])
        XCTAssertEqual(filter.push("an E"), "an ")
        XCTAssertEqual(filter.push("ND"), "")
        XCTAssertEqual(filter.matched, "END")
        var other = StopTextFilter(stops: ["END"])
        XCTAssertEqual(other.push("an E"), "an ")
        XCTAssertEqual(other.push("gg"), "Egg")
        XCTAssertEqual(other.push(" EN"), " ")
        XCTAssertEqual(other.flush(), "EN", "generation ended for another reason: held text is sent")
        XCTAssertNil(other.matched)
    }

    func testEarliestOfSeveralStopsWinsAndNoStopsPassesThrough() {
        var filter = StopTextFilter(stops: ["at", "the c"])
        XCTAssertEqual(filter.push("the cat"), "")
        XCTAssertEqual(filter.matched, "the c")
        var none = StopTextFilter(stops: [])
        XCTAssertEqual(none.push("anything"), "anything")
        XCTAssertEqual(none.flush(), "")
    }
}
