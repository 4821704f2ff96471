import Foundation
import Trace
import XCTest
@testable import CLI

/// `replay` and `compare` on the tiny model: the `--json` contract, recording, identical greedy
/// text across policies, and one-line errors for bad input.
final class HeadlessReplayTests: HeadlessTestCase {
    /// The keys of issue 3's `--json` contract, per run, per instance and per request.
    static let runKeys = [
        "policy", "route", "kv_transfer", "completed", "rejected", "num_preemptions", "duration_s",
        "request_throughput", "output_throughput", "request_goodput", "slo_attainment", "instances", "kv_transfers", "requests",
        "p999_itl_ms", "max_itl_ms",
    ] + ["ttft", "tpot", "itl", "e2el"].flatMap { ["mean_\($0)_ms", "median_\($0)_ms", "p90_\($0)_ms", "p99_\($0)_ms"] }
    static let instanceKeys = ["role", "cores_requested", "cores_observed", "busy_fraction"]
    static let transferKeys = ["count", "bytes", "mean_gb_s"]
    static let requestKeys = ["id", "user", "prompt_tokens", "output_tokens", "output_text", "ttft_ms", "e2el_ms", "state"]

    func testReplayJSONHasEveryContractKeyAndFinishesEveryRequest() throws {
        let workload = write(HeadlessFixtures.greedyWorkload, to: "w.jsonl")
        let record = directory + "session.jsonl"
        let command = try parse(["replay", workload, "--model", HeadlessFixtures.tinyModelPath, "--json",
                                 "--record", record, "--speed", "4", "--goodput", "ttft:5000 tpot:1000"], as: ReplayCommand.self)
        let (text, interrupted) = try command.output()
        XCTAssertFalse(interrupted)

        let root = try jsonObject(text)
        let runs = try XCTUnwrap(root["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.count, 1)
        let run = runs[0]
        for key in Self.runKeys { XCTAssertNotNil(run[key], "missing run key \(key)") }
        XCTAssertEqual(run["policy"] as? String, "disaggregated")
        XCTAssertEqual(run["completed"] as? Int, 4, "completed == requests")
        XCTAssertEqual(run["rejected"] as? Int, 0)
        let instances = try XCTUnwrap(run["instances"] as? [[String: Any]])
        XCTAssertEqual(instances.map { $0["role"] as? String }, ["prefill", "decode"])
        for instance in instances { for key in Self.instanceKeys { XCTAssertNotNil(instance[key], "missing instance key \(key)") } }
        let transfers = try XCTUnwrap(run["kv_transfers"] as? [String: Any])
        for key in Self.transferKeys { XCTAssertNotNil(transfers[key], "missing kv_transfers key \(key)") }
        XCTAssertEqual(transfers["count"] as? Int, 4, "one p2p copy per request")
        let requests = try XCTUnwrap(run["requests"] as? [[String: Any]])
        XCTAssertEqual(requests.count, 4)
        for request in requests {
            for key in Self.requestKeys { XCTAssertNotNil(request[key], "missing request key \(key)") }
            XCTAssertEqual(request["state"] as? String, "finished")
        }

        // The recording closed cleanly and holds every request.
        let trace = try TraceReader.read(path: record)
        XCTAssertFalse(trace.isTruncated, "\(trace.notes)")
        XCTAssertEqual(trace.header.policy, "disaggregated")
        XCTAssertTrue(trace.header.model.contentHash.hasPrefix("sha256:"))
        XCTAssertEqual(trace.header.settings["speed"], "4")
        XCTAssertEqual(Workload(trace: trace).requests.count, 4)

        // Replaying the recording under another policy gives the same text for every request.
        let again = try parse(["replay", record, "--model", HeadlessFixtures.tinyModelPath, "--json", "--speed", "4",
                               "--policy", "chunked-prefill"], as: ReplayCommand.self)
        let rerun = try XCTUnwrap((try jsonObject(try again.output().0)["runs"] as? [[String: Any]])?.first)
        XCTAssertEqual(rerun["policy"] as? String, "chunked-prefill")
        func texts(_ run: [String: Any]) -> [String] {
            ((run["requests"] as? [[String: Any]]) ?? []).map { "\($0["user"] ?? "")|\($0["output_text"] ?? "")" }.sorted()
        }
        XCTAssertEqual(texts(rerun), texts(run))
        XCTAssertEqual(texts(rerun).count, 4)

        // The text summary of a replayed recording sets it against the recording, request by request.
        let table = try parse(["replay", record, "--model", HeadlessFixtures.tinyModelPath, "--speed", "4",
                               "--policy", "colocated-fcfs"], as: ReplayCommand.self).output().0
        XCTAssertTrue(table.contains("Replay vs recording"), table)
        XCTAssertTrue(table.contains("4 of 4 requests generated the same text as recorded"), table)
        XCTAssertEqual(table.components(separatedBy: "\n").filter { $0.hasSuffix("same") }.count, 4, table)

        // ... and exports to a Chrome trace.
        let chrome = directory + "chrome.json"
        try parse(["export", record, "--chrome", chrome], as: ExportCommand.self).run()
        let exported = try jsonObject(String(decoding: try Data(contentsOf: URL(fileURLWithPath: chrome)), as: UTF8.self))
        XCTAssertFalse(try XCTUnwrap(exported["traceEvents"] as? [Any]).isEmpty)
    }

    func testCompareRunsEachPolicyWithIdenticalGreedyText() throws {
        let workload = write(HeadlessFixtures.greedyWorkload, to: "w.jsonl")
        let command = try parse(["compare", workload, "--model", HeadlessFixtures.tinyModelPath, "--json", "--speed", "4"],
                                as: CompareCommand.self)
        let (text, _) = try command.output()
        let runs = try XCTUnwrap(try jsonObject(text)["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.map { $0["policy"] as? String }, ["colocated-fcfs", "chunked-prefill", "disaggregated"])
        var texts: [[String]] = []
        for run in runs {
            XCTAssertEqual(run["completed"] as? Int, 4)
            let requests = try XCTUnwrap(run["requests"] as? [[String: Any]])
            let byID = requests.sorted { ($0["id"] as? Int ?? 0) < ($1["id"] as? Int ?? 0) }
            texts.append(byID.map { $0["output_text"] as? String ?? "<none>" })
        }
        XCTAssertEqual(texts[0].count, 4)
        XCTAssertFalse(texts[0].allSatisfy(\.isEmpty), "the tiny model generates text")
        XCTAssertEqual(texts[1], texts[0], "chunked-prefill text differs from colocated-fcfs")
        XCTAssertEqual(texts[2], texts[0], "disaggregated text differs from colocated-fcfs")
    }

    func testCompareTextTableShowsRatios() throws {
        let workload = write(HeadlessFixtures.greedyWorkload, to: "w.jsonl")
        let command = try parse(["compare", workload, "--model", HeadlessFixtures.tinyModelPath,
                                 "--policies", "chunked-prefill,disaggregated", "--limit", "2", "--speed", "4"], as: CompareCommand.self)
        let (text, _) = try command.output()
        XCTAssertTrue(text.contains("chunked-prefill"), text)
        XCTAssertTrue(text.contains("disaggregated p-first p2p"), text)
        XCTAssertTrue(text.contains("×)"), "ratios against the first policy: \(text)")
        XCTAssertTrue(text.contains("Successful requests    2"), text)
        XCTAssertTrue(text.contains("p99.9 ITL") && text.contains("max ITL"), "the worst gap is compared too: \(text)")
    }

    func testUnknownPolicyIsAOneLineError() {
        XCTAssertThrowsError(try PDScope.parseAsRoot(["compare", "w.jsonl", "--policies", "colocated-fcfs,fcfs"])) { error in
            let message = PDScope.message(for: error)
            XCTAssertTrue(message.contains("unknown policy 'fcfs'"), message)
            XCTAssertTrue(message.contains("chunked-prefill"), "lists the valid names: \(message)")
            XCTAssertFalse(message.contains("\n"), message)
        }
    }

    func testBadWorkloadLineIsAOneLineErrorWithItsLineNumber() throws {
        let bad = write("""
        {"format": "pdscope-workload", "version": "1.0"}
        {"arrival_s": 0, "user": "a", "prompt": "hi", "max_tokens": 4}
        {"arrival_s": "soon", "user": "a", "prompt": "hi"}

        """, to: "bad.jsonl")
        let command = try parse(["replay", bad, "--model", HeadlessFixtures.tinyModelPath], as: ReplayCommand.self)
        XCTAssertThrowsError(try command.output()) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("\(bad):3:"), message)
            XCTAssertTrue(message.contains("arrival_s"), message)
            XCTAssertFalse(message.contains("\n"), message)
        }
    }

    func testMissingFileIsAOneLineError() throws {
        let command = try parse(["replay", directory + "nope.jsonl"], as: ReplayCommand.self)
        XCTAssertThrowsError(try command.output()) { error in
            XCTAssertEqual("\(error)", "\(directory)nope.jsonl: no such file")
        }
    }

    func testReplayReadsAMooncakeTraceDirectly() throws {
        let trace = write("""
        {"timestamp": 0, "input_length": 1500, "output_length": 3, "hash_ids": [0, 1, 2]}
        {"timestamp": 20, "input_length": 1200, "output_length": 2, "hash_ids": [0, 1, 5]}

        """, to: "m.jsonl")
        XCTAssertEqual(WorkloadInput.detect(bytes: Array("{\"timestamp\": 0, \"input_length\": 3}".utf8), path: "x"), .mooncake)
        XCTAssertEqual(WorkloadInput.detect(bytes: Array("TIMESTAMP,ContextTokens,GeneratedTokens\n".utf8), path: "x.txt"), .azure)
        let command = try parse(["replay", trace, "--model", HeadlessFixtures.tinyModelPath, "--length-scale", "0.05", "--json"],
                                as: ReplayCommand.self)
        let run = try XCTUnwrap((try jsonObject(try command.output().0)["runs"] as? [[String: Any]])?.first)
        XCTAssertEqual(run["completed"] as? Int, 2)
    }
}

extension HeadlessReplayTests {
    /// A recorded session replays under its recorded settings; a flag overrides them.
    func testRecordedSessionReplaysUnderItsRecordedSettingsUnlessFlagsSayOtherwise() throws {
        let workload = write(HeadlessFixtures.greedyWorkload, to: "w2.jsonl")
        let record = directory + "dfirst.jsonl"
        _ = try parse(["replay", workload, "--model", HeadlessFixtures.tinyModelPath, "--json", "--speed", "4",
                       "--route", "d-first", "--kv-transfer", "pool", "--record", record], as: ReplayCommand.self).output()
        XCTAssertEqual(try TraceReader.read(path: record).header.settings["route"], "d-first")

        let plain = try parse(["replay", record, "--model", HeadlessFixtures.tinyModelPath, "--json", "--speed", "4"], as: ReplayCommand.self)
        let run = try XCTUnwrap((try jsonObject(try plain.output().0)["runs"] as? [[String: Any]])?.first)
        XCTAssertEqual(run["route"] as? String, "d-first")
        XCTAssertEqual(run["kv_transfer"] as? String, "pool")

        let overridden = try parse(["replay", record, "--model", HeadlessFixtures.tinyModelPath, "--json", "--speed", "4",
                                    "--kv-transfer", "p2p"], as: ReplayCommand.self)
        let other = try XCTUnwrap((try jsonObject(try overridden.output().0)["runs"] as? [[String: Any]])?.first)
        XCTAssertEqual(other["kv_transfer"] as? String, "p2p")
        XCTAssertEqual(other["route"] as? String, "d-first", "settings not given as flags still come from the recording")
    }
}
