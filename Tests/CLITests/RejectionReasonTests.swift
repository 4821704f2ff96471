import Foundation
import XCTest
@testable import CLI

/// Rejected requests come with their reasons, grouped with counts, in text and `--json` (they
/// used to be only a count: "Rejected requests: 50").
final class RejectionReasonTests: HeadlessTestCase {
    private let workload = """
    {"format": "pdscope-workload", "version": "1.0"}
    {"arrival_s": 0.0, "user": "a", "prompt_tokens": 2050, "max_tokens": 4}
    {"arrival_s": 0.0, "user": "b", "prompt_tokens": 2310, "max_tokens": 4}
    {"arrival_s": 0.0, "user": "c", "prompt_tokens": 600, "max_tokens": 4}
    {"arrival_s": 0.0, "user": "d", "prompt_tokens": 20, "max_tokens": 4}
    {"arrival_s": 0.0, "user": "e", "prompt_tokens": 30, "max_tokens": 4}

    """

    func testReasonsAreGroupedWithCountsInTextAndJSON() throws {
        let path = write(workload, to: "too-long.jsonl")
        let flags = [path, "--model", HeadlessFixtures.tinyModelPath, "--kv-blocks", "2"]
        let (text, _) = try parse(["replay"] + flags, as: ReplayCommand.self).output()
        XCTAssertTrue(text.contains("Rejected requests:                       4\n"
                                    + "  3 × prompt of 600–2,310 tokens exceeds the context length of 512\n"
                                    + "  1 × needs 3 KV blocks (prompt 30 + up to 4 new tokens) but a decode pool holds 2\n"), text)

        let (json, _) = try parse(["replay", "--json"] + flags, as: ReplayCommand.self).output()
        let run = try XCTUnwrap((try jsonObject(json)["runs"] as? [[String: Any]])?.first)
        XCTAssertEqual(run["rejected"] as? Int, 4, "the existing key is kept")
        let reasons = try XCTUnwrap(run["rejection_reasons"] as? [[String: Any]])
        XCTAssertEqual(reasons.map { $0["count"] as? Int }, [3, 1])
        XCTAssertEqual(reasons.first?["reason"] as? String, "prompt of 600–2,310 tokens exceeds the context length of 512")
    }

    func testNoRejectionsNoReasons() throws {
        let path = write(HeadlessFixtures.greedyWorkload, to: "fine.jsonl")
        let (json, _) = try parse(["replay", path, "--model", HeadlessFixtures.tinyModelPath, "--json", "--speed", "8"],
                                  as: ReplayCommand.self).output()
        let run = try XCTUnwrap((try jsonObject(json)["runs"] as? [[String: Any]])?.first)
        XCTAssertEqual((run["rejection_reasons"] as? [Any])?.count, 0)
    }
}
