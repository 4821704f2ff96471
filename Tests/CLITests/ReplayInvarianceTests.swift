import Foundation
import XCTest
@testable import CLI

/// Issue 12's end-to-end promise of batch invariance: a recorded session with seeded sampling
/// (temperature > 0) replays with the same text for every request under every policy, route and
/// KV transfer mode, although each of those batches, chunks and places the requests differently.
final class ReplayInvarianceTests: HeadlessTestCase {
    /// Seeded sampled requests arriving together, so they share steps; the 150- and 90-token
    /// prompts are split into several chunks under a small token budget.
    static let sampledWorkload = """
    {"format": "pdscope-workload", "version": "1.0", "description": "seeded sampling"}
    {"arrival_s": 0.0, "user": "alice", "prompt": "Once upon a time", "max_tokens": 14, "temperature": 0.8, "seed": 11}
    {"arrival_s": 0.0, "user": "bob", "prompt_tokens": 150, "max_tokens": 9, "temperature": 0.8, "seed": 12}
    {"arrival_s": 0.001, "user": "carol", "prompt": "The little dog", "max_tokens": 12, "temperature": 1.0, "seed": 13}
    {"arrival_s": 0.001, "user": "dave", "prompt_tokens": 90, "max_tokens": 10, "temperature": 0.8, "top_p": 0.9, "seed": 14}
    {"arrival_s": 0.002, "user": "erin", "prompt": "A robot and a cat", "max_tokens": 16, "temperature": 0.7, "seed": 15}
    {"arrival_s": 0.002, "user": "frank", "prompt": "Once upon a time", "max_tokens": 14, "temperature": 0.8, "seed": 16}

    """

    /// Output text by request id from a `--json` run.
    private func texts(_ output: String) throws -> [Int: String] {
        let run = try XCTUnwrap((try jsonObject(output)["runs"] as? [[String: Any]])?.first)
        XCTAssertEqual(run["rejected"] as? Int, 0)
        var byID: [Int: String] = [:]
        for request in try XCTUnwrap(run["requests"] as? [[String: Any]]) {
            XCTAssertEqual(request["state"] as? String, "finished", "\(request)")
            byID[try XCTUnwrap(request["id"] as? Int)] = try XCTUnwrap(request["output_text"] as? String)
        }
        return byID
    }

    func testSeededSessionReplaysWithIdenticalTextUnderEveryPolicyRouteAndTransfer() throws {
        let workload = write(Self.sampledWorkload, to: "w.jsonl")
        let record = directory + "session.jsonl"
        let model = HeadlessFixtures.tinyModelPath
        let recorded = try texts(try parse(["replay", workload, "--model", model, "--json", "--record", record, "--speed", "8",
                                            "--policy", "chunked-prefill", "--max-batched-tokens", "48"],
                                           as: ReplayCommand.self).output().0)
        XCTAssertEqual(recorded.count, 6)
        XCTAssertFalse(recorded.values.allSatisfy(\.isEmpty), "the tiny model generates text")
        // Same prompt, other seed: the sampler is really sampling (a greedy run would repeat itself).
        XCTAssertNotEqual(recorded[0], recorded[5], "requests 0 and 5 differ only in their seed")

        var setups: [[String]] = [
            ["--policy", "colocated-fcfs"],
            ["--policy", "chunked-prefill"],
            ["--policy", "chunked-prefill", "--max-batched-tokens", "16", "--max-running", "3"],
            ["--policy", "colocated-fcfs", "--colocated-instances", "2"],
        ]
        for route in ["p-first", "d-first", "simultaneous"] {
            for transfer in ["p2p", "pool"] {
                setups.append(["--policy", "disaggregated", "--route", route, "--kv-transfer", transfer, "--max-batched-tokens", "32"])
            }
        }
        setups.append(["--policy", "disaggregated", "--route", "d-first", "--local-prefill-max", "100"])
        for setup in setups {
            let replayed = try texts(try parse(["replay", record, "--model", model, "--json", "--speed", "8"] + setup,
                                               as: ReplayCommand.self).output().0)
            XCTAssertEqual(replayed.count, recorded.count, "\(setup)")
            for (id, text) in recorded.sorted(by: { $0.key < $1.key }) {
                XCTAssertEqual(replayed[id], text, "request \(id) under \(setup.joined(separator: " "))")
            }
        }
    }
}
