import ArgumentParser
import CPlatform
import Foundation
import XCTest
@testable import CLI

/// Absurd flag values: one line saying what was asked, the limit and why, before anything big is
/// allocated (they used to abort with "failed to allocate 1600000000016 bytes", or grow to 24 GB).
final class FlagLimitTests: HeadlessTestCase {
    /// Runs `replay` on the tiny model with `flags`; returns the error's one line.
    private func replayError(_ flags: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let workload = write(HeadlessFixtures.greedyWorkload, to: "w.jsonl")
        let command = try parse(["replay", workload, "--model", HeadlessFixtures.tinyModelPath] + flags, as: ReplayCommand.self)
        do {
            _ = try command.output()
        } catch {
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), "not one line: \(text)", file: file, line: line)
            return text
        }
        XCTFail("\(flags) ran instead of failing", file: file, line: line)
        return ""
    }

    private func assertError(_ flags: [String], says parts: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let message = try replayError(flags, file: file, line: line)
        for part in parts { XCTAssertTrue(message.contains(part), "\(flags): \(message) lacks '\(part)'", file: file, line: line) }
    }

    func testKVBlocksBeyondBlockIDs() throws {
        try assertError(["--kv-blocks", "99999999999"], says: ["--kv-blocks 99999999999", "at most 2,147,483,647", "32-bit"])
    }

    func testKVBlocksBeyondTheMachinesMemory() throws {
        try assertError(["--kv-blocks", "200000000"],
                        says: ["--kv-blocks 200000000", "2 KV pools × 200,000,000 blocks", "TiB of KV cache", "this machine's", "blocks per pool fit"])
    }

    func testKVMemoryBeyondTheMachinesMemory() throws {
        try assertError(["--kv-memory", "900TiB"], says: ["bad memory size"])   // over ByteSize's own ceiling
        try assertError(["--kv-memory", "200000GiB"], says: ["--kv-memory", "this machine's", "blocks per pool fit"])
    }

    func testMaxRunning() throws {
        try assertError(["--max-running", "99999999999"], says: ["--max-running 99999999999", "at most 1,024 sequences per instance", "scratch"])
    }

    func testBlockSize() throws {
        try assertError(["--block-size", "99999999"], says: ["--block-size 99999999", "at most 1,024", "waste"])
    }

    func testMaxBatchedTokens() throws {
        try assertError(["--max-batched-tokens", "99999999"], says: ["--max-batched-tokens 99999999", "at most 65,536"])
    }

    func testKVStoreBlocks() throws {
        try assertError(["--kv-transfer", "pool", "--kv-store-blocks", "99999999999"], says: ["--kv-store-blocks 99999999999", "at most 2,147,483,647"])
        try assertError(["--kv-transfer", "pool", "--kv-store-blocks", "999999999"],
                        says: ["--kv-store-blocks 999999999", "a KV store of 999,999,999 blocks", "store blocks fit"])
    }

    func testInstanceCounts() throws {
        try assertError(["--decode-instances", "1000"], says: ["--decode-instances 1000", "at most 64", "own KV pool"])
        try assertError(["--prefill-instances", "65"], says: ["--prefill-instances 65", "at most 64"])
    }

    func testKVLinkSpeed() throws {
        try assertError(["--kv-link-gbps", "1e9"], says: ["--kv-link-gbps", "at most 100,000 Gb/s"])
    }

    /// "-3" used to be read as a flag ("Missing value for '--kv-blocks'").
    func testNegativeLookingValuesGiveTheRangeError() throws {
        try assertError(["--kv-blocks", "-3"], says: ["--kv-blocks must be at least 1, got -3"])
        try assertError(["--max-running", "-1"], says: ["--max-running must be at least 1, got -1"])
        try assertError(["--decode-instances", "-2"], says: ["--decode-instances must be at least 1, got -2"])
        XCTAssertThrowsError(try PDScope.parseAsRoot(["replay", "w.jsonl", "--speed", "-1"])) {
            XCTAssertTrue(PDScope.message(for: $0).contains("--speed must be a positive number, got -1"), PDScope.message(for: $0))
        }
    }

    /// A CPU this process cannot run on is an error, not a fallback with two warnings.
    func testCoresThatAreNotAvailableAreAnError() throws {
        let cpus = Int(pd_available_cpu_count())
        try assertError(["--prefill-cores", "\(cpus + 90)"], says: ["--prefill-cores \(cpus + 90)", "not available", "\(cpus) in all"])
        try assertError(["--decode-cores", "0-\(cpus + 3)"], says: ["--decode-cores 0-\(cpus + 3)", "not available"])
    }

    /// The commands' own numbers, checked when the command line is parsed.
    func testCommandFlagsAreBoundedAtParseTime() {
        let cases: [([String], String)] = [
            (["--fps", "0"], "--fps must be between 1 and 60"),
            (["--load-rate", "1e9"], "--load-rate 1000000000.0: between 0.125 and 64"),
            (["--speed", "1e-9"], "at least 0.001"),
            (["replay", "w.jsonl", "--speed", "1e9"], "at most 1,000,000"),
            (["workload", "--kind", "steady", "--context", "99999999999", "-o", "x"], "--context 99999999999: at most 1,048,576"),
            (["bench-model", "--threads", "100000"], "--threads 100000: at most"),
            (["bench-model", "--runs", "-1"], "--runs must be at least 1, got -1"),
            (["bench-kernels", "--tokens", "0"], "--tokens must be at least 1, got 0"),
            (["bench-kernels", "--repeats=-2"], "--repeats must be at least 1, got -2"),
            (["bench-headline", "--duration", "1e6", "--rate", "10"], "at most 100,000 chat requests"),
            (["bench-dashboard", "--requests", "99999999"], "--requests 99999999: at most 4,096"),
        ]
        for (arguments, expected) in cases {
            XCTAssertThrowsError(try PDScope.parseAsRoot(arguments), "\(arguments)") {
                let message = PDScope.message(for: $0)
                XCTAssertTrue(message.contains(expected), "\(arguments): \(message)")
            }
        }
    }
}

/// One exit-status convention for every command: 0 success, 1 for any error the user can fix
/// (usage or file), printed as one line; it used to be 64 for some usage errors and 1 for others.
final class ExitStatusTests: HeadlessTestCase {
    private func run(_ arguments: [String]) throws -> (Int32?, String, String) {
        let child = try ChildProcess(arguments, directory: directory)
        XCTAssertTrue(child.waitForExit(timeout: 60), "\(arguments) did not exit")
        return (child.exitStatus, child.standardOutput, child.standardError)
    }

    func testUsageAndFileErrorsExitOneWithOneLine() throws {
        let workload = write(HeadlessFixtures.greedyWorkload, to: "w.jsonl")
        let cases: [[String]] = [
            ["replay", workload, "--speed", "0"],            // ArgumentParser validation (was 64)
            ["--fps", "0"],                                  // (was 64)
            ["generate", "--top-p", "2"],                    // (was 64)
            ["replay", workload, "--no-such-flag"],          // unknown option (was 64)
            ["replay", workload, "--kv-blocks", "-3"],       // range (was "Missing value", 64)
            ["replay", workload, "--model", HeadlessFixtures.tinyModelPath, "--kv-blocks", "100000000"],
            ["replay", directory + "missing.jsonl"],        // file error (1)
        ]
        for arguments in cases {
            let (status, _, errors) = try run(arguments)
            XCTAssertEqual(status, 1, "\(arguments): \(errors)")
            let lines = errors.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(arguments): not one line:\n\(errors)")
            XCTAssertTrue(errors.hasPrefix("Error: "), "\(arguments): \(errors)")
        }
        let (helpStatus, help, _) = try run(["--help"])
        XCTAssertEqual(helpStatus, 0)
        XCTAssertTrue(help.contains("Exit status"), "--help does not document the exit statuses:\n\(help)")
    }
}
