import ArgumentParser
import Foundation
import Engine
import Trace
import XCTest
@testable import CLI

/// `workload`, `import`, `bench-headline` output and every headless command's `--help`.
final class HeadlessCommandTests: HeadlessTestCase {
    func testWorkloadGenerationIsDeterministicAndMatchesTheShippedFile() throws {
        let a = directory + "a.jsonl", b = directory + "b.jsonl"
        try parse(["workload", "--kind", "mixed", "--rate", "3", "--duration", "5", "--seed", "9", "-o", a], as: WorkloadCommand.self).run()
        try parse(["workload", "--kind", "mixed", "--rate", "3", "--duration", "5", "--seed", "9", "-o", b], as: WorkloadCommand.self).run()
        let first = try String(contentsOfFile: a, encoding: .utf8)
        XCTAssertEqual(first, try String(contentsOfFile: b, encoding: .utf8))
        XCTAssertGreaterThan(try WorkloadFile.read(path: a).requests.count, 0)

        // Without settings, a kind regenerates its file in Traces/ exactly.
        let storm = directory + "storm.jsonl"
        try parse(["workload", "--kind", "long-prompt-storm", "-o", storm], as: WorkloadCommand.self).run()
        let shipped = try XCTUnwrap(ShippedWorkload.all.first { $0.kind == .longPromptStorm })
        XCTAssertEqual(try WorkloadFile.read(path: storm), try WorkloadFile.parse(WorkloadFile.encode(shipped.makeWorkload())))
    }

    func testWorkloadRejectsBadSettings() throws {
        let command = try parse(["workload", "--kind", "steady", "--duration=-3", "-o", directory + "x.jsonl"], as: WorkloadCommand.self)
        XCTAssertThrowsError(try command.run()) { error in
            XCTAssertTrue("\(error)".contains("duration"), "\(error)")
        }
    }

    func testImportMooncakeWritesAScaledWorkloadWithSharedPrefixes() throws {
        let sample = write("""
        {"timestamp": 0, "input_length": 2048, "output_length": 10, "hash_ids": [0, 1, 2, 3]}
        {"timestamp": 500, "input_length": 1536, "output_length": 4, "hash_ids": [0, 1, 7]}
        {"timestamp": 1500, "input_length": 100000, "output_length": 2, "hash_ids": []}

        """, to: "mooncake.jsonl")
        let out = directory + "out.jsonl"
        let command = try parse(["import", "mooncake", sample, "--length-scale", "0.1", "--time-scale", "2", "--context", "512", "-o", out],
                                as: ImportMooncakeCommand.self)
        let lines = try command.arguments.run(format: "mooncake") { try MooncakeImporter.importFile(path: $0, options: $1) }
        XCTAssertTrue(lines.contains { $0.contains("read 3 mooncake rows, kept 3") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("clipped 1 request") }, "\(lines)")
        let workload = try WorkloadFile.read(path: out)
        XCTAssertEqual(workload.requests.map(\.arrivalOffset), [0, 1, 3])
        guard case .synthetic(let count, let keys, let segment) = workload.requests[0].prompt,
              case .synthetic(_, let otherKeys, _) = workload.requests[1].prompt else { return XCTFail("synthetic prompts expected") }
        XCTAssertEqual(count, 205)
        XCTAssertEqual(segment, 51)
        XCTAssertEqual(Array(keys.prefix(2)), Array(otherKeys.prefix(2)), "shared hash ids stay shared")
        XCTAssertLessThanOrEqual(workload.requests.map { r -> Int in
            if case .synthetic(let n, _, _) = r.prompt { return n + r.maxTokens } else { return 0 }
        }.max()!, 512)
    }

    /// One run's chat numbers, in seconds.
    private func stats(p99: Double, max: Double, ttft: Double = 0.2) -> HeadlineRunStats {
        var s = HeadlineRunStats()
        s.itlMedian = p99 / 2; s.itlP99 = p99; s.itlP999 = (p99 + max) / 2; s.itlMax = max
        s.slowGapFraction = 0.01; s.ttftP50 = ttft; s.ttftP99 = ttft * 3; s.requestGoodput = 0.5
        return s
    }

    func testHeadlineGoalsHoldOnEveryRunAndTableShowsSpreadAndTTFTCost() throws {
        typealias Arrangement = HeadlineBenchmark.Arrangement
        let alone = [stats(p99: 0.010, max: 0.015), stats(p99: 0.012, max: 0.016)]
        let fcfs = HeadlineEntry(arrangement: Arrangement(policy: .colocatedFCFS),
                                 storm: [stats(p99: 0.020, max: 2.5), stats(p99: 0.030, max: 0.6)], isolated: alone)
        let dp = HeadlineEntry(arrangement: Arrangement(policy: .colocatedFCFS, colocatedInstances: 2),
                               storm: [stats(p99: 0.015, max: 0.9), stats(p99: 0.016, max: 1.0)], isolated: alone)
        let chunked = HeadlineEntry(arrangement: Arrangement(policy: .chunkedPrefill),
                                    storm: [stats(p99: 0.3, max: 0.5), stats(p99: 0.3, max: 0.65)], isolated: alone)
        let disagg = HeadlineEntry(arrangement: Arrangement(policy: .disaggregated),
                                   storm: [stats(p99: 0.02, max: 0.04, ttft: 0.8), stats(p99: 0.02, max: 0.05, ttft: 1.0)], isolated: alone)
        var result = HeadlineResult(model: "m", duration: 20, cores: 2, slo: HeadlineBenchmark.defaultSLO,
                                    chatRequests: 18, longPrompts: 5, entries: [fcfs, dp, chunked, disagg])
        // Run 2: 0.6 s / 0.05 s = 12× < 20×, and chunked's 0.65 s is not below colocated's 0.6 s.
        XCTAssertEqual(result.goals.map(\.met), [false, false, true])
        XCTAssertEqual(result.goals[0].detail, "ratio per run: 62×, 12×")
        let table = HeadlineCommand.table(result)
        XCTAssertTrue(table.contains("colocated-fcfs ×2"), table)
        XCTAssertTrue(table.contains("1 instance × 2 cores"), table)
        XCTAssertTrue(table.contains("1.55 s (600.0 ms–2.50 s)"), table)
        XCTAssertTrue(table.contains("MISSED  worst chat gap ≥ 20× smaller"), table)
        XCTAssertTrue(table.contains("chat TTFT p50 900.0 ms vs 200.0 ms under colocated-fcfs (4.5×)"), table)
        result.entries[0].storm[1].itlMax = 1.5
        XCTAssertEqual(result.goals.map(\.met), [true, true, true])

        let json = try JSONSerialization.jsonObject(with: Data(HeadlineCommand.json(result).utf8)) as! [String: Any]
        let policies = json["policies"] as! [[String: Any]]
        XCTAssertEqual(policies.map { $0["arrangement"] as? String },
                       ["colocated-fcfs", "colocated-fcfs ×2", "chunked-prefill", "disaggregated"])
        for key in ["isolated_itl_p99_ms", "isolated_itl_max_ms", "storm_itl_p99_ms", "storm_itl_p999_ms", "storm_itl_max_ms",
                    "storm_slow_gap_fraction", "storm_ttft_p50_ms", "storm_ttft_p99_ms", "storm_request_goodput",
                    "ratio", "goal", "goal_met", "worst_stall"] {
            XCTAssertNotNil(policies[0][key], key)
        }
        XCTAssertEqual(policies[3]["storm_itl_max_ms"] as! Double, 45, accuracy: 1e-9)
        XCTAssertEqual(policies[0]["goal_met"] as? Bool, true)
        XCTAssertTrue(policies[1]["goal"] is NSNull)
    }

    /// A pair whose worst gap was mostly off the CPU is measured again (at most `retries` times),
    /// listed in the text and JSON; an undisturbed pair, or one only slightly off the CPU, is kept.
    func testHeadlineMeasuresAPairAgainWhileTheHostDisturbedIt() throws {
        func run(max: Double, offCPU: Double) -> HeadlineRunStats {
            var s = stats(p99: 0.004, max: max); s.worstGapOffCPU = offCPU; return s
        }
        XCTAssertFalse(run(max: 0.018, offCPU: 0.0009).isDisturbed, "under 1 ms")
        XCTAssertFalse(run(max: 1.2, offCPU: 0.008).isDisturbed, "under a fifth of the gap")
        XCTAssertTrue(run(max: 0.018, offCPU: 0.0081).isDisturbed)
        XCTAssertFalse(run(max: 0.018, offCPU: .nan).isDisturbed, "no gap measured")

        let calm = run(max: 0.010, offCPU: 0), hit = run(max: 0.018, offCPU: 0.008)
        var script: [(isolated: HeadlineRunStats, storm: HeadlineRunStats)] = [(calm, hit), (hit, calm), (calm, calm), (calm, hit)]
        var logged: [String] = []
        var calls = 0
        let measured = HeadlineBenchmark.measureUndisturbed(round: 3, retries: 2, log: { logged.append($0) }) {
            calls += 1
            return script.removeFirst()
        }
        XCTAssertEqual(calls, 3)
        XCTAssertEqual(measured.pair?.storm.itlMax, 0.010, "the third pair, the first undisturbed one")
        XCTAssertEqual(measured.pair?.isolated.itlMax, 0.010)
        XCTAssertEqual(measured.repeated.map(\.part), ["storm", "isolated"])
        XCTAssertEqual(measured.repeated.first?.description, "run 3's storm: 8.0 ms of its 18.0 ms worst chat gap off the CPU")
        XCTAssertEqual(logged.count, 2)

        // Out of retries: the last pair is kept, disturbed or not.
        script = [(calm, hit), (calm, hit)]
        let kept = HeadlineBenchmark.measureUndisturbed(round: 1, retries: 1, log: { _ in }) { script.removeFirst() }
        XCTAssertEqual(kept.pair?.storm.worstGapOffCPU, 0.008)
        XCTAssertEqual(kept.repeated.count, 1)
        // An interrupt (nil) ends it with what was repeated so far.
        let stopped = HeadlineBenchmark.measureUndisturbed(round: 1, retries: 2, log: { _ in }) { nil }
        XCTAssertNil(stopped.pair)

        var entry = HeadlineEntry(arrangement: .init(policy: .disaggregated), storm: [calm], isolated: [calm])
        entry.repeated = measured.repeated
        var result = HeadlineResult(model: "m", duration: 20, cores: 2, slo: HeadlineBenchmark.defaultSLO,
                                    chatRequests: 18, longPrompts: 5, entries: [entry])
        result.retries = 2
        let table = HeadlineCommand.table(result)
        XCTAssertTrue(table.contains("Measured again (the host took the thread off the CPU for much of the worst gap; --retries 2):"), table)
        XCTAssertTrue(table.contains("  disaggregated run 3's storm: 8.0 ms of its 18.0 ms worst chat gap off the CPU"), table)
        let json = try JSONSerialization.jsonObject(with: Data(HeadlineCommand.json(result).utf8)) as! [String: Any]
        XCTAssertEqual(json["retries"] as? Int, 2)
        let repeated = try XCTUnwrap((json["policies"] as! [[String: Any]])[0]["repeated_runs"] as? [[String: Any]])
        XCTAssertEqual(repeated.map { $0["part"] as? String }, ["storm", "isolated"])
        XCTAssertEqual(repeated[0]["run"] as? Int, 3)
        XCTAssertEqual(repeated[0]["off_cpu_ms"] as! Double, 8, accuracy: 1e-9)
        XCTAssertEqual(repeated[0]["worst_gap_ms"] as! Double, 18, accuracy: 1e-9)
        XCTAssertFalse(HeadlineCommand.table(HeadlineResult(model: "m", duration: 20, cores: 2, slo: HeadlineBenchmark.defaultSLO,
                                                             chatRequests: 18, longPrompts: 5, entries: [])).contains("Measured again"))
    }

    func testHeadlineStallLineKeepsTheLargestPrefills() {
        let causes = [(1, 20), (2, 1900), (3, 15), (4, 1850), (5, 30)].map {
            StallCause(request: $0.0, chunks: 1, tokens: $0.1, overlap: 0.1)
        }
        let line = HeadlineBenchmark.describe(Stall(request: 9, instance: 0, tokenIndex: 3, start: 1, end: 3.5, causes: causes))
        XCTAssertEqual(line, "#9 waited 2.50 s behind prefill of #2 (1,900 tokens), #4 (1,850 tokens), #5 (30 tokens) and 2 shorter prefills")
    }

    func testHeadlineIsolatedRunIsTheStormWithoutLongPrompts() throws {
        let model = try ModelOptions.parse(["--model", HeadlessFixtures.tinyModelPath]).load()
        let bench = HeadlineBenchmark(model: model, config: .init(), duration: 8, rate: 1)
        XCTAssertEqual(HeadlineBenchmark.defaultArrangements(cores: 2).map(\.label),
                       ["colocated-fcfs", "colocated-fcfs ×2", "chunked-prefill", "chunked-prefill ×2", "disaggregated"])
        XCTAssertEqual(HeadlineBenchmark.defaultArrangements(cores: 2).map(\.repeatsDisturbedRuns),
                       [false, false, false, false, true], "only disaggregated's disturbed runs are measured again")
        let (storm, isolated) = bench.makeWorkloads()
        XCTAssertGreaterThan(storm.count, isolated.count)
        XCTAssertEqual(isolated, storm.filter { !PromptLibrary.longPromptUsers.contains($0.user) })
        XCTAssertFalse(isolated.isEmpty)
    }

    func testHelpOfEachCommandMentionsItsFlags() {
        let expected: [(ParsableCommand.Type, [String])] = [
            (WorkloadCommand.self, ["--kind", "--rate", "--duration", "--seed", "--context", "--output", "long-prompt-storm", "Examples"]),
            (ReplayCommand.self, ["--speed", "--json", "--record", "--limit", "--model", "--policy", "--length-scale", "--time-scale", "Examples"]),
            (CompareCommand.self, ["--policies", "--json", "--model", "--kv-transfer", "Examples"]),
            (ImportMooncakeCommand.self, ["--length-scale", "--output-scale", "--time-scale", "--limit", "--start", "--duration", "--context", "--output"]),
            (ImportAzureCommand.self, ["--length-scale", "--context", "--output"]),
            (ExportCommand.self, ["--chrome", "Perfetto", "Examples"]),
            (HeadlineCommand.self, ["--duration", "--json", "--model", "--repeats", "--retries", "20×", "Examples"]),
        ]
        for (command, flags) in expected {
            let help = PDScope.helpMessage(for: command, includeHidden: false, columns: 200)
            for flag in flags { XCTAssertTrue(help.contains(flag), "\(command) --help lacks \(flag):\n\(help)") }
        }
        let root = PDScope.helpMessage(includeHidden: false, columns: 200)
        for name in ["workload", "replay", "compare", "import", "export", "bench-headline"] {
            XCTAssertTrue(root.contains(name), "pdscope --help lacks \(name)")
        }
    }
}
