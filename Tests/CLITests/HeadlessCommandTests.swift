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

    func testHeadlineTableAndGoals() {
        typealias Bench = HeadlineBenchmark
        XCTAssertEqual(Bench.Goal.of(.disaggregated).isMet(1.1), true)
        XCTAssertEqual(Bench.Goal.of(.disaggregated).isMet(1.3), false)
        XCTAssertEqual(Bench.Goal.of(.colocatedFCFS).isMet(4), false)
        XCTAssertNil(Bench.Goal.of(.chunkedPrefill).isMet(2))
        let rows = [
            Bench.Row(policy: .colocatedFCFS, isolatedP99: 0.020, stormP99: 0.400, stormDecodeP99: 0.300, goal: .of(.colocatedFCFS),
                      worstStall: "#3 waited 2.10 s behind prefill of #7 (1,900 tokens)", chatRequests: 18, longPrompts: 5),
            Bench.Row(policy: .disaggregated, isolatedP99: 0.020, stormP99: 0.030, goal: .of(.disaggregated),
                      worstStall: nil, chatRequests: 18, longPrompts: 5),
        ]
        let table = HeadlineCommand.table(rows, model: "m", duration: 20)
        XCTAssertTrue(table.contains("colocated-fcfs  20.0 ms    400.0 ms   20.00×  ≥ 5×    met     300.0 ms (15.00×)"), table)
        XCTAssertTrue(table.contains("disaggregated   20.0 ms    30.0 ms    1.50×   ≤ 1.2×  MISSED  -"), table)
        XCTAssertTrue(table.contains("colocated-fcfs: #3 waited 2.10 s behind prefill of #7"), table)
        let json = HeadlineCommand.json(rows, model: "m", duration: 20)
        XCTAssertTrue(json.contains("\"goal_met\": false"), json)
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
            (HeadlineCommand.self, ["--duration", "--json", "--model", "1.2×", "Examples"]),
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
