import Engine
import XCTest
@testable import Trace

final class ImporterTests: XCTestCase {
    let mooncake = """
    {"timestamp": 0, "input_length": 1500, "output_length": 6, "hash_ids": [0, 1, 2]}
    {"timestamp": 500, "input_length": 1200, "output_length": 3, "hash_ids": [0, 1, 5]}
    {"timestamp": 2000, "input_length": 40000, "output_length": 10, "hash_ids": [\((100..<179).map(String.init).joined(separator: ", "))]}
    {"timestamp": 3000, "input_length": 0, "output_length": 1, "hash_ids": []}
    """

    func synthetic(_ spec: RequestSpec) -> (count: Int, keys: [Int], segment: Int) {
        guard case .synthetic(let count, let keys, let segment) = spec.prompt else { XCTFail("synthetic expected"); return (0, [], 0) }
        return (count, keys, segment)
    }

    func testMooncakeKeepsPrefixSharingThroughScaling() throws {
        let options = ImportOptions(contextLength: 2048, lengthScale: 0.25, timeScale: 2)
        let result = try MooncakeImporter.importText(mooncake, path: "m.jsonl", options: options)
        let r = result.workload.requests
        XCTAssertEqual(r.count, 3)
        XCTAssertEqual(r.map(\.arrivalOffset), [0, 1, 4])
        XCTAssertEqual(r.map(\.user), ["mooncake", "mooncake", "mooncake"])
        let (a, b, c) = (synthetic(r[0]), synthetic(r[1]), synthetic(r[2]))
        XCTAssertEqual(a.segment, 128)
        XCTAssertEqual(a.count, 375)
        XCTAssertEqual(a.keys, [0, 1, 2])
        XCTAssertEqual(Array(a.keys.prefix(2)), Array(b.keys.prefix(2)), "equal hash_ids give equal prefix keys")
        XCTAssertNotEqual(a.keys[2], b.keys[2])
        // 40000 × 0.25 = 10000 tokens, clipped to 2048 - 10 output tokens; 16 blocks of 128 cover it.
        XCTAssertEqual(c.count, 2038)
        XCTAssertEqual(r[2].maxTokens, 10)
        XCTAssertEqual(c.keys, Array(100..<116))
        let s = result.summary
        XCTAssertEqual(s.rowsRead, 4)
        XCTAssertEqual(s.kept, 3)
        XCTAssertEqual(s.skipped.map(\.reason), ["empty prompt (input length 0)"])
        XCTAssertEqual(s.clippedCount, 1)
        XCTAssertEqual(s.truncatedPrefixCount, 1)
        XCTAssertEqual(s.original.promptMax, 40000)
        XCTAssertEqual(s.resulting.promptMax, 2038)
        XCTAssertEqual(s.resulting.spanSeconds, 4)
        XCTAssertEqual(s.lines.first, "m.jsonl: read 4 mooncake rows, kept 3, skipped 1")
        XCTAssertTrue(s.lines.contains("scaled prompts ×0.25, outputs ×1, time ×2; prefix blocks 512 → 128 tokens"), "\(s.lines)")
        XCTAssertEqual(result.workload.header.generator["length_scale"], "0.25")
    }

    func testWindowLimitAndMinimumOutput() throws {
        let options = ImportOptions(contextLength: 4096, outputScale: 0.1, start: 0.4, duration: 2, limit: 1)
        let result = try MooncakeImporter.importText(mooncake, path: "m.jsonl", options: options)
        XCTAssertEqual(result.workload.requests.count, 1)
        XCTAssertEqual(result.workload.requests[0].arrivalOffset, 0.1, accuracy: 1e-9, "shifted so the window starts at 0")
        XCTAssertEqual(result.workload.requests[0].maxTokens, 1, "3 × 0.1 rounds to 0, raised to 1")
        XCTAssertEqual(result.summary.raisedOutputCount, 1)
        XCTAssertEqual(result.summary.rowsRead, 2, "stops reading at the limit")
        XCTAssertEqual(result.summary.skipped.map(\.reason), ["outside the time window"])
    }

    func testAzureTimestampsBecomeOffsetsFromTheFirstRow() throws {
        let csv = """
        TIMESTAMP,ContextTokens,GeneratedTokens
        2023-11-16 18:17:03.9799600,4808,10
        2023-11-16 18:17:04.0319600,110,27
        2023-11-16 23:59:59.5000000,34,0
        2023-11-17 00:00:00.2500000,3000,3000
        """
        let result = try AzureImporter.importText(csv, path: "a.csv", options: ImportOptions(contextLength: 2048, user: "code"))
        let r = result.workload.requests
        XCTAssertEqual(r.count, 4)
        XCTAssertEqual(r[1].arrivalOffset, 0.052, accuracy: 1e-6)
        XCTAssertEqual(r[3].arrivalOffset, 20_576.27004, accuracy: 1e-6, "crosses midnight")
        XCTAssertEqual(r.map(\.user), ["code", "code", "code", "code"])
        XCTAssertEqual(synthetic(r[0]).count, 2038)
        XCTAssertEqual(r[2].maxTokens, 1)
        XCTAssertEqual(r[3].maxTokens, 2047, "an output longer than the context leaves room for a 1-token prompt")
        XCTAssertEqual(synthetic(r[3]).count, 1)
        XCTAssertEqual(result.summary.clippedCount, 2)
        XCTAssertEqual(result.summary.raisedOutputCount, 1)
    }

    func testMalformedRowsAreReportedWithLineNumbers() {
        let options = ImportOptions(contextLength: 2048)
        let header = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.9799600,4808,10\n"
        assertFileError("a.csv:3: TIMESTAMP must look like 2023-11-16 18:17:03.9799600, got \"yesterday\"") {
            try AzureImporter.importText(header + "yesterday,1,2\n", path: "a.csv", options: options)
        }
        assertFileError("a.csv:3: ContextTokens must be a non-negative integer, got \"-5\"") {
            try AzureImporter.importText(header + "2023-11-16 18:17:04,-5,2\n", path: "a.csv", options: options)
        }
        assertFileError("a.csv:3: expected 3 comma-separated values, got 2") {
            try AzureImporter.importText(header + "2023-11-16 18:17:04,5\n", path: "a.csv", options: options)
        }
        assertFileError("a.csv:1: expected the CSV header TIMESTAMP,ContextTokens,GeneratedTokens, got \"time,in,out\"") {
            try AzureImporter.importText("time,in,out\n", path: "a.csv", options: options)
        }
        assertFileError("m.jsonl:2: missing required field 'output_length'") {
            try MooncakeImporter.importText(#"{"timestamp": 0, "input_length": 5, "output_length": 1}"# + "\n" + #"{"timestamp": 0, "input_length": 5}"#, path: "m.jsonl", options: options)
        }
        assertFileError("m.jsonl:1: 'hash_ids[1]' must be a non-negative integer, got \"x\"") {
            try MooncakeImporter.importText(#"{"timestamp": 0, "input_length": 5, "output_length": 1, "hash_ids": [1, "x"]}"#, path: "m.jsonl", options: options)
        }
        assertFileError("m.jsonl: the length scale must be a positive number, got nan") {
            try MooncakeImporter.importText("", path: "m.jsonl", options: ImportOptions(contextLength: 2048, lengthScale: .nan))
        }
        assertFileError("m.jsonl: no requests left to import (4 rows read: 3 outside the time window, 1 empty prompt (input length 0))") {
            try MooncakeImporter.importText(self.mooncake, path: "m.jsonl", options: ImportOptions(contextLength: 2048, start: 2.5))
        }
    }

    func testTimestampParsing() {
        XCTAssertEqual(AzureImporter.parseTimestamp("1970-01-01 00:00:00"), 0)
        XCTAssertEqual(AzureImporter.parseTimestamp("2000-03-01T00:00:01.5Z"), 951_868_801.5)
        XCTAssertNil(AzureImporter.parseTimestamp("2023-13-01 00:00:00"))
        XCTAssertNil(AzureImporter.parseTimestamp("2023-11-16 18:17:+3"))
        XCTAssertNil(AzureImporter.parseTimestamp(""))
    }

    func testSharedPublicTraces() throws {
        let mooncakePath = sharedTraces.appendingPathComponent("mooncake_synthetic_trace.jsonl").path
        let azurePath = sharedTraces.appendingPathComponent("AzureLLMInferenceTrace_code.csv").path
        guard FileManager.default.fileExists(atPath: mooncakePath), FileManager.default.fileExists(atPath: azurePath) else {
            throw XCTSkip("public traces not found at \(sharedTraces.path)")
        }
        let m = try MooncakeImporter.importFile(path: mooncakePath, options: ImportOptions(contextLength: 2048, lengthScale: 1.0 / 16))
        XCTAssertEqual(m.summary.rowsRead, 3993)
        XCTAssertEqual(m.summary.kept + m.summary.skippedCount, 3993)
        XCTAssertGreaterThan(m.summary.original.promptMean, 5000)
        XCTAssertEqual(m.summary.segmentTokens, 32)
        var sharedFirstKeys = 0
        var firstKeys: Set<Int> = []
        for spec in m.workload.requests {
            let s = synthetic(spec)
            XCTAssertLessThanOrEqual(s.count + spec.maxTokens, 2048)
            XCTAssertLessThanOrEqual(s.keys.count, (s.count + 31) / 32)
            if let k = s.keys.first, !firstKeys.insert(k).inserted { sharedFirstKeys += 1 }
        }
        XCTAssertGreaterThan(sharedFirstKeys, 100, "the Mooncake trace shares prefixes")

        let a = try AzureImporter.importFile(path: azurePath, options: ImportOptions(contextLength: 2048, timeScale: 0.5, limit: 500))
        XCTAssertEqual(a.workload.requests.count, 500)
        XCTAssertEqual(a.workload.requests.first?.arrivalOffset, 0)
        XCTAssertGreaterThan(a.summary.clippedCount, 0)
        XCTAssertTrue(a.workload.requests.allSatisfy { synthetic($0).count + $0.maxTokens <= 2048 })
    }
}
