import Engine
import Model
import TestSupport
import XCTest
@testable import Trace

final class WorkloadFileTests: XCTestCase {
    let header = #"{"format": "pdscope-workload", "version": "1.0"}"#
    let good = #"{"arrival_s": 0.5, "user": "alice", "prompt": "Once upon a time"}"#

    /// A file whose line 3 (after header and one good request) is `bad`.
    func parseWithThirdLine(_ bad: String) throws -> Workload {
        try WorkloadFile.parse([header, good, bad].joined(separator: "\n") + "\n", path: "storm.jsonl")
    }

    func testReadsTextAndSyntheticRequestsWithDefaults() throws {
        let text = """
        {"format": "pdscope-workload", "version": "1.0", "description": "two requests", "generator": {"kind": "steady", "rate": 2}}
        {"arrival_s": 0.5, "user": "alice", "prompt": "Once upon a time"}

        {"arrival_s": 1, "user": "bot", "prompt_tokens": 2000, "prefix_keys": [4, 5], "segment_tokens": 256, "max_tokens": 8, "temperature": 0.7, "top_k": 40, "top_p": 0.9, "seed": 18446744073709551615}
        """
        let w = try WorkloadFile.parse(text)
        XCTAssertEqual(w.header.description, "two requests")
        XCTAssertEqual(w.header.generator, ["kind": "steady", "rate": "2"])
        XCTAssertEqual(w.requests, [
            RequestSpec(arrivalOffset: 0.5, user: "alice", prompt: .text("Once upon a time"), maxTokens: 64),
            RequestSpec(arrivalOffset: 1, user: "bot", prompt: .synthetic(count: 2000, prefixKeys: [4, 5], segmentTokens: 256),
                        maxTokens: 8, sampling: SamplingParams(temperature: 0.7, topK: 40, topP: 0.9, seed: .max)),
        ])
        XCTAssertEqual(w.notes, [])
    }

    func testEveryBadLineIsReportedWithFileAndLineNumber() {
        let cases: [(String, String)] = [
            ("this is not json", "storm.jsonl:3: not a valid JSON line (unexpected character 't' at column 1)"),
            (#"{"arrival_s": 1, "user": "a", "prompt": "x""#, "storm.jsonl:3: not a valid JSON line (unexpected end of line inside an object at column 44)"),
            (#"[1, 2]"#, "storm.jsonl:3: expected a JSON object, got an array"),
            (#"{"arrival_s": 1, "user": "a", "prompt": "x", "max_tokens": -3}"#, "storm.jsonl:3: 'max_tokens' must be a positive integer (at most 1000000), got -3"),
            (#"{"arrival_s": 1, "user": "a", "prompt": "x", "max_tokens": 2.5}"#, "storm.jsonl:3: 'max_tokens' must be a positive integer (at most 1000000), got 2.5"),
            (#"{"arrival_s": 1, "user": "a", "prompt_tokens": 1e30}"#, "storm.jsonl:3: 'prompt_tokens' must be a positive integer (at most 10000000), got 1e30"),
            (#"{"arrival_s": 1, "user": "a", "prompt_tokens": 99999999999999999999999}"#, "storm.jsonl:3: 'prompt_tokens' must be a positive integer (at most 10000000), got 99999999999999999999999"),
            (#"{"arrival_s": -1, "user": "a", "prompt": "x"}"#, "storm.jsonl:3: 'arrival_s' must be a number between 0 and 10000000, got -1"),
            (#"{"arrival_s": 1e999, "user": "a", "prompt": "x"}"#, "storm.jsonl:3: 'arrival_s' must be a number between 0 and 10000000, got 1e999"),
            (#"{"arrival_s": NaN, "user": "a", "prompt": "x"}"#, "storm.jsonl:3: not a valid JSON line (unexpected character 'N' at column 15)"),
            (#"{"arrival_s": "NaN", "user": "a", "prompt": "x"}"#, "storm.jsonl:3: 'arrival_s' must be a number between 0 and 10000000, got \"NaN\""),
            (#"{"user": "a", "prompt": "x"}"#, "storm.jsonl:3: missing required field 'arrival_s'"),
            (#"{"arrival_s": 1, "prompt": "x"}"#, "storm.jsonl:3: missing required field 'user'"),
            (#"{"arrival_s": 1, "user": ""}"#, "storm.jsonl:3: 'user' must not be empty"),
            (#"{"arrival_s": 1, "user": "a"}"#, "storm.jsonl:3: missing the prompt: give 'prompt' (text) or 'prompt_tokens' (a count)"),
            (#"{"arrival_s": 1, "user": "a", "prompt": "x", "prompt_tokens": 3}"#, "storm.jsonl:3: give either 'prompt' or 'prompt_tokens', not both"),
            (#"{"arrival_s": 1, "user": "a", "prompt": ""}"#, "storm.jsonl:3: 'prompt' must not be empty"),
            (#"{"arrival_s": 1, "user": "a", "prompt": 7}"#, "storm.jsonl:3: 'prompt' must be a string, got 7"),
            (#"{"arrival_s": 1, "user": "a", "prompt": "x", "prefix_keys": [1]}"#, "storm.jsonl:3: 'prefix_keys' only applies to synthetic prompts ('prompt_tokens'), not to 'prompt' text"),
            (#"{"arrival_s": 1, "user": "a", "prompt_tokens": 0}"#, "storm.jsonl:3: 'prompt_tokens' must be a positive integer (at most 10000000), got 0"),
            (#"{"arrival_s": 1, "user": "a", "prompt_tokens": 9, "prefix_keys": [1, -2]}"#, "storm.jsonl:3: 'prefix_keys[1]' must be a non-negative integer, got -2"),
            (#"{"arrival_s": 1, "user": "a", "prompt_tokens": 9, "prefix_keys": 4}"#, "storm.jsonl:3: 'prefix_keys' must be an array, got 4"),
            (#"{"arrival_s": 1, "user": "a", "prompt": "x", "temperature": true}"#, "storm.jsonl:3: 'temperature' must be a number between 0 and 100, got true"),
            (#"{"arrival_s": 1, "user": "a", "prompt": "x", "top_p": 0}"#, "storm.jsonl:3: 'top_p' must be greater than 0 (1 turns it off), got 0"),
            (#"{"arrival_s": 1, "user": "a", "prompt": "x", "seed": -1}"#, "storm.jsonl:3: 'seed' must be an integer between 0 and 18446744073709551615, got -1"),
            (#"{"arrival_s": 1, "arrival_s": 2, "user": "a", "prompt": "x"}"#, "storm.jsonl:3: not a valid JSON line (duplicate key 'arrival_s' at column 18)"),
            (String(repeating: "[", count: 10_000), "storm.jsonl:3: not a valid JSON line (nested deeper than 64 levels at column 65)"),
        ]
        for (bad, expected) in cases {
            assertFileError(expected) { try self.parseWithThirdLine(bad) }
        }
    }

    func testWholeFileProblems() {
        assertFileError("w.jsonl: the file is empty; a workload starts with a header line {\"format\": \"pdscope-workload\", \"version\": \"1.0\"}") {
            try WorkloadFile.parse("\n  \n", path: "w.jsonl")
        }
        assertFileError("w.jsonl: the file has a header but no requests") { try WorkloadFile.parse(self.header + "\n", path: "w.jsonl") }
        assertFileError("w.jsonl:1: missing the header line: a workload starts with {\"format\": \"pdscope-workload\", \"version\": \"1.0\"}") {
            try WorkloadFile.parse(self.good + "\n", path: "w.jsonl")
        }
        assertFileError("w.jsonl:1: not a pdscope workload: format is \"chrome-trace\", expected \"pdscope-workload\"") {
            try WorkloadFile.parse(#"{"format": "chrome-trace", "version": "1.0"}"# + "\n" + self.good, path: "w.jsonl")
        }
        assertFileError("/nonexistent/w.jsonl: no such file") { try WorkloadFile.read(path: "/nonexistent/w.jsonl") }
        assertFileError("/tmp: not a regular file (a directory)") { try WorkloadFile.read(path: "/tmp") }
    }

    func testVersionHandling() throws {
        func parse(_ version: String) throws -> Workload {
            try WorkloadFile.parse(#"{"format": "pdscope-workload", "version": \#(version)}"# + "\n" + good, path: "v.jsonl")
        }
        XCTAssertEqual(try parse(#""1.0""#).notes, [])
        XCTAssertEqual(try parse(#""1""#).header.version, FormatVersion(major: 1, minor: 0))
        let newer = try parse(#""1.7""#)
        XCTAssertEqual(newer.header.version, FormatVersion(major: 1, minor: 7))
        XCTAssertEqual(newer.notes, ["v.jsonl:1: written by a newer pdscope (pdscope-workload 1.7, this one knows 1.0); fields it does not know are ignored"])
        assertFileError("v.jsonl:1: unsupported pdscope-workload version 2.0: this pdscope reads version 1.x") { try parse(#""2.0""#) }
        assertFileError("v.jsonl:1: unsupported pdscope-workload version 0.9: this pdscope reads version 1.x") { try parse(#""0.9""#) }
        assertFileError("v.jsonl:1: 'version' must look like \"1.0\" (major.minor), got \"one\"") { try parse(#""one""#) }
        assertFileError("v.jsonl:1: 'version' must look like \"1.0\" (major.minor), got \"1.2.3\"") { try parse(#""1.2.3""#) }
        assertFileError("v.jsonl:1: the pdscope-workload header has no 'version' (expected \"1.0\")") {
            try WorkloadFile.parse(#"{"format": "pdscope-workload"}"# + "\n" + self.good, path: "v.jsonl")
        }
    }

    func testBackwardArrivalsAreSortedWithANote() throws {
        let text = [header,
                    #"{"arrival_s": 2, "user": "a", "prompt": "first in file"}"#,
                    #"{"arrival_s": 1.5, "user": "b", "prompt": "second"}"#,
                    #"{"arrival_s": 1.5, "user": "c", "prompt": "third"}"#].joined(separator: "\n")
        let w = try WorkloadFile.parse(text, path: "b.jsonl")
        XCTAssertEqual(w.requests.map(\.user), ["b", "c", "a"], "stable: equal arrivals keep file order")
        XCTAssertEqual(w.notes, ["b.jsonl:3: arrival_s 1.5 is earlier than the request before it (2); 1 request out of order, sorted by arrival time"])
    }

    func testUnknownFieldsAreNotedOncePerName() throws {
        let text = [header,
                    #"{"arrival_s": 0, "user": "a", "prompt": "x", "max_token": 5}"#,
                    #"{"arrival_s": 1, "user": "a", "prompt": "x", "max_token": 5}"#,
                    #"{"arrival_s": 2, "user": "a", "prompt": "x", "max_token": 5, "colour": "red"}"#].joined(separator: "\n")
        let w = try WorkloadFile.parse(text, path: "u.jsonl")
        XCTAssertEqual(w.notes, ["u.jsonl:2: unknown field 'max_token' ignored (and on 2 more lines)",
                                 "u.jsonl:4: unknown field 'colour' ignored"])
    }

    func testCRLFAndByteOrderMarkAreAccepted() throws {
        let text = "\u{FEFF}" + header + "\r\n" + good + "\r\n"
        XCTAssertEqual(try WorkloadFile.parse(text).requests.count, 1)
    }

    func testWriteThenReadRoundTrips() throws {
        let dir = try TestFiles.temporaryDirectory(self)
        let path = dir.appendingPathComponent("w.jsonl").path
        let specs = everyKindOfEvent.compactMap { event -> RequestSpec? in
            if case .arrived(_, let spec, _) = event.kind { return spec } else { return nil }
        } + [RequestSpec(arrivalOffset: 7.25, user: "z", prompt: .synthetic(count: 5, prefixKeys: [], segmentTokens: 3), maxTokens: 1)]
        let workload = Workload(header: WorkloadHeader(description: "round trip", generator: ["seed": "9"]), requests: specs)
        try WorkloadFile.write(workload, to: path)
        let back = try WorkloadFile.read(path: path)
        XCTAssertEqual(back, workload)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix(#"{"format": "pdscope-workload", "version": "1.0", "description": "round trip", "generator": {"seed": "9"}}"#))
        XCTAssertTrue(text.contains(#"{"arrival_s": 7.25, "user": "z", "prompt_tokens": 5, "segment_tokens": 3, "max_tokens": 1}"#))
    }
}
