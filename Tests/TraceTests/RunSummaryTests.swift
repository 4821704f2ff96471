import TestSupport
import XCTest
import Foundation
import Engine
@testable import Trace

/// The `--json` contract, the text table and the comparison ratios.
final class RunSummaryTests: XCTestCase {
    private func info(policy: String = "disaggregated") -> RunInfo {
        RunInfo(policy: policy, route: "p-first", kvTransfer: "p2p", model: "stories260K",
                instances: [RunInstanceInfo(id: 0, role: .prefill, coresRequested: [0], coresObserved: [0], kvBlocks: 16),
                            RunInstanceInfo(id: 1, role: .decode, coresRequested: [1], coresObserved: [0], kvBlocks: 8, realtime: true)],
                goodput: GoodputSLO(ttft: 0.5, tpot: 0.25))
    }

    private func summary() -> RunSummary {
        RunSummary(info: info(), collector: disaggregatedScript().collector())
    }

    private func parsed(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try XCTUnwrap(object as? [String: Any])
    }

    func testJSONHasEveryContractKeyWithHandCheckedValues() throws {
        let document = try parsed(RunSummary.json([summary()]))
        XCTAssertEqual(Array(document.keys), ["runs"])
        let runs = try XCTUnwrap(document["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.count, 1)
        let run = runs[0]
        var contract = ["policy", "route", "kv_transfer", "completed", "rejected", "num_preemptions", "duration_s",
                        "request_throughput", "output_throughput", "request_goodput", "slo_attainment",
                        "instances", "kv_transfers", "requests"]
        for metric in ["ttft", "tpot", "itl", "e2el"] {
            contract += ["mean", "median", "p90", "p99"].map { "\($0)_\(metric)_ms" }
        }
        for key in contract { XCTAssertNotNil(run[key], "missing \(key)") }

        XCTAssertEqual(run["policy"] as? String, "disaggregated")
        XCTAssertEqual(run["route"] as? String, "p-first")
        XCTAssertEqual(run["completed"] as? Int, 2)
        XCTAssertEqual(run["rejected"] as? Int, 1)
        XCTAssertEqual(run["num_preemptions"] as? Int, 0)
        XCTAssertEqual(try XCTUnwrap(run["duration_s"] as? Double), 1.6, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(run["request_throughput"] as? Double), 1.25, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(run["mean_ttft_ms"] as? Double), 600, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(run["mean_itl_ms"] as? Double), 200, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(run["request_goodput"] as? Double), 1 / 1.6, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(run["slo_attainment"] as? Double), 1.0 / 3, accuracy: 1e-9)

        let instances = try XCTUnwrap(run["instances"] as? [[String: Any]])
        XCTAssertEqual(instances.map { $0["role"] as? String }, ["prefill", "decode"])
        XCTAssertEqual(instances.map { $0["cores_requested"] as? [Int] }, [[0], [1]])
        XCTAssertEqual(instances.map { $0["cores_observed"] as? [Int] }, [[0], [0]])
        XCTAssertEqual(instances.map { $0["realtime"] as? Bool }, [false, true])
        XCTAssertEqual(try XCTUnwrap(instances[1]["busy_fraction"] as? Double), 0.375, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(instances[1]["kv_cache_peak_usage"] as? Double), 0.5, accuracy: 1e-9)

        let transfers = try XCTUnwrap(run["kv_transfers"] as? [String: Any])
        XCTAssertEqual(transfers["count"] as? Int, 1)
        XCTAssertEqual(transfers["bytes"] as? Int, 1_000_000)
        XCTAssertEqual(try XCTUnwrap(transfers["mean_gb_s"] as? Double), 0.5, accuracy: 1e-6)

        let requests = try XCTUnwrap(run["requests"] as? [[String: Any]])
        XCTAssertEqual(requests.map { $0["id"] as? Int }, [1, 2, 3])
        for key in ["id", "user", "prompt_tokens", "output_tokens", "output_text", "ttft_ms", "e2el_ms", "state"] {
            for request in requests { XCTAssertNotNil(request[key], "request missing \(key)") }
        }
        XCTAssertEqual(requests[0]["user"] as? String, "alice")
        XCTAssertEqual(requests[0]["output_text"] as? String, "t0 t1 t2 t3 ")
        XCTAssertEqual(requests[0]["ttft_ms"] as? Double, 1000)
        XCTAssertEqual(requests[0]["output_tokens"] as? Int, 4)
        XCTAssertEqual(requests[1]["state"] as? String, "finished")
        XCTAssertTrue(requests[1]["tpot_ms"] is NSNull, "one-token request: TPOT is null, not NaN")
        XCTAssertEqual(requests[2]["state"] as? String, "rejected")
        XCTAssertTrue(requests[2]["ttft_ms"] is NSNull)
        XCTAssertEqual(requests[2]["prompt_tokens"] as? Int, 9000)
    }

    func testKeyOrderIsFixedAndUndefinedValuesAreNull() throws {
        let value = summary().jsonValue
        XCTAssertEqual(Array(value.keys.prefix(6)), ["policy", "route", "kv_transfer", "model", "kv_link_gbps", "kv_cache_type"])
        XCTAssertEqual(value.keys.last, "requests")
        XCTAssertEqual(Set(value.keys).count, value.keys.count, "no duplicate keys")
        XCTAssertEqual(value["kv_link_gbps"], .null)
        XCTAssertEqual(RunSummary.json([summary()]), RunSummary.json([summary()]), "stable output")

        // A run where nothing completed: every latency statistic is null, and both forms still parse.
        let empty = RunSummary(info: RunInfo(policy: "chunked-prefill"), collector: MetricsCollector())
        for pretty in [true, false] {
            let run = try XCTUnwrap((try parsed(RunSummary.json([empty], pretty: pretty))["runs"] as? [[String: Any]])?.first)
            XCTAssertTrue(run["p99_itl_ms"] is NSNull)
            XCTAssertTrue(run["request_throughput"] is NSNull)
            XCTAssertTrue(run["request_goodput"] is NSNull, "no --goodput: null")
            XCTAssertTrue(run["kv_transfer"] is NSNull)
        }
        XCTAssertFalse(RunSummary.json([empty], pretty: false).contains("\n"))
    }

    /// The `--json` layout, byte for byte where scripts and diffs see it: two-space indents, short
    /// core lists on one line, nested objects opened on their key's line, no final newline.
    func testPrettyLayoutIsPinned() {
        let text = RunSummary.json([summary()])
        XCTAssertTrue(text.hasPrefix("{\n  \"runs\": [\n    {\n      \"policy\": \"disaggregated\",\n      \"route\": \"p-first\",\n"), text)
        XCTAssertTrue(text.contains("\n        {\n          \"role\": \"prefill\",\n          \"cores_requested\": [0],\n"), text)
        XCTAssertTrue(text.contains("\n      \"kv_transfers\": {\n        \"count\": 1,\n"), text)
        XCTAssertTrue(text.hasSuffix("\n      ]\n    }\n  ]\n}"), text)
    }

    func testJSONEscapingAndNumbers() {
        let value = JSONValue.object([("text", .string("a\"b\\c\nd\u{1}é")), ("n", .rounded(.nan)),
                                      ("x", .rounded(2.5)), ("i", .rounded(3)), ("e", .array([]))])
        XCTAssertEqual(JSONDocument.render(value, pretty: false), #"{"text":"a\"b\\c\nd\u0001é","n":null,"x":2.5,"i":3,"e":[]}"#)
        XCTAssertEqual(JSONDocument.render(.rounded(0.1 + 0.2)), "0.3", "float noise trimmed")
        XCTAssertEqual(JSONDocument.render(.rounded(1e-5)), "1e-05")
        let cores = JSONValue.object([("cores", .array([.int(0), .int(1)])), ("rows", .array([.object([])]))])
        XCTAssertEqual(JSONDocument.render(cores), "{\n  \"cores\": [0, 1],\n  \"rows\": [\n    {}\n  ]\n}")
    }

    func testTextTableReadsLikeVLLMBenchServe() {
        let text = summary().text()
        for line in ["Successful requests:                     2",
                     "Rejected requests:                       1",
                     "Benchmark duration (s):                  1.60",
                     "Request throughput (req/s):              1.25",
                     "Output token throughput (tok/s):         3.12",
                     "Mean TTFT (ms):                          600.00",
                     "Mean ITL (ms):                           200.00",
                     "SLO attainment (%):                      33.3",
                     "Goodput SLO:                             ttft:500 tpot:250",
                     "Mean transfer rate (GB/s):               0.50",
                     "#0 prefill  cores 0               busy  25.0 %  peak KV 25.0 %",
                     "#1 decode   cores 1 (seen 0)      busy  37.5 %  peak KV 50.0 %  real-time"] {
            XCTAssertTrue(text.contains(line + "\n"), "missing line: \(line)\n\(text)")
        }
        XCTAssertTrue(text.contains("Median TPOT (ms):"))
        XCTAssertTrue(text.hasPrefix("============ Serving Benchmark Result ============\n"))
    }

    /// Two runs whose only ITL is 1523.2 ms and 210.4 ms.
    func testComparisonPrintsRatiosAgainstTheFirstRun() {
        func run(_ policy: String, gap: Double) -> RunSummary {
            var s = EventScript()
            s.arrive(1, at: 0, prompt: 4)
            s.step(0, from: 0, to: 0.1, prefills: [makeChunk(1, 0, 4)], tokens: [(1, 0)])
            s.step(0, from: 0.1 + gap - 0.1, to: 0.1 + gap, decodes: [1], tokens: [(1, 1)])
            s.finish(1, at: 0.1 + gap, outputTokens: 2)
            return RunSummary(info: RunInfo(policy: policy), collector: s.collector())
        }
        let table = RunSummary.comparison([run("colocated-fcfs", gap: 1.5232), run("disaggregated", gap: 0.2104)])
        let lines = table.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].hasSuffix("colocated-fcfs  disaggregated"), lines[0])
        let meanITL = try? XCTUnwrap(lines.first { $0.hasPrefix("mean ITL") })
        XCTAssertEqual(meanITL?.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " "),
                       "mean ITL 1523.2 ms 210.4 ms (0.14×)")
        let completed = lines.first { $0.hasPrefix("Successful requests") } ?? ""
        XCTAssertEqual(completed.split(separator: " ").joined(separator: " "), "Successful requests 1 1 (1.00×)")
        XCTAssertTrue(table.contains("p99 ITL"))
        XCTAssertFalse(table.contains("KV transfers"), "no transfers in either run")
        XCTAssertEqual(RunSummary.comparison([]), "")
    }

    func testRatioOfAMissingBaseIsMarked() {
        XCTAssertEqual(RunSummary.ratio(2, 0), "(-)")
        XCTAssertEqual(RunSummary.ratio(2, nil), "(-)")
        XCTAssertEqual(RunSummary.ratio(3, 2), "(1.50×)")
    }
}
