import Foundation
import Model
import XCTest
@testable import CLI

/// Models and workloads that are not regular files: every command says so in the same words,
/// naming the path as given, and never blocks (a FIFO as --model used to hang forever).
final class FileCheckTests: HeadlessTestCase {
    func testRegularFileProblemsAreWordedOnce() throws {
        let fifo = directory + "fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertEqual(RegularFile.problem(at: fifo), "not a regular file (a FIFO)")
        XCTAssertEqual(RegularFile.problem(at: "/dev/null"), "not a regular file (a character device)")
        XCTAssertEqual(RegularFile.problem(at: directory), "not a regular file (a directory)")
        XCTAssertEqual(RegularFile.problem(at: directory + "missing.gguf"), "no such file")
        XCTAssertNil(RegularFile.problem(at: HeadlessFixtures.tinyModelPath))
    }

    /// The real binary, each command, each kind of non-file: exit 1 at once with one line.
    func testEveryCommandRefusesNonFilesTheSameWay() throws {
        let fifo = directory + "fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let workload = write(HeadlessFixtures.greedyWorkload, to: "w.jsonl")
        let model = HeadlessFixtures.tinyModelPath
        let missing = directory + "missing.gguf"
        let expectations: [(String, String)] = [
            (fifo, "\(fifo): not a regular file (a FIFO)"),
            ("/dev/null", "/dev/null: not a regular file (a character device)"),
            (directory + "sub", "\(directory)sub: not a regular file (a directory)"),
            (missing, "\(missing): no such file"),
        ]
        try FileManager.default.createDirectory(atPath: directory + "sub", withIntermediateDirectories: false)
        for (path, message) in expectations {
            let commands: [[String]] = [
                ["generate", "--model", path, "--prompt", "hi"],
                ["inspect", path],
                ["bench-model", "--model", path],
                ["replay", workload, "--model", path],
                ["replay", path, "--model", model],
                ["compare", path, "--model", model],
                ["export", path, "--chrome", directory + "out.json"],
                ["import", "mooncake", path, "-o", directory + "out.jsonl"],
                ["convert-llama2c", path, path, "-o", directory + "out.gguf"],
            ]
            for arguments in commands {
                let child = try ChildProcess(arguments, directory: directory)
                XCTAssertTrue(child.waitForExit(timeout: 30), "\(arguments) blocked")
                XCTAssertEqual(child.exitStatus, 1, "\(arguments): \(child.standardError)")
                // --model adds what it takes when nothing is there; the wording is the same.
                XCTAssertTrue(child.standardError.hasPrefix("Error: \(message)"), "\(arguments): \(child.standardError)")
                XCTAssertEqual(child.standardError.filter { $0 == "\n" }.count, 1, "\(arguments): one line")
            }
        }
    }
}
