import Foundation
import Model
import XCTest
@testable import CLI

/// Shared fixtures of the headless command tests: the `tiny` synthetic model written once to a
/// temporary file (passed as --model), and temporary files removed after each test case.
enum HeadlessFixtures {
    /// The tiny model's file, written on first use and removed when the test process exits.
    static let tinyModelPath: String = {
        let path = NSTemporaryDirectory() + "pdscope-headless-tiny-\(getpid()).gguf"
        let bytes = SyntheticModel.makeGGUF(shape: .tiny, type: .q8_0, seed: 1)
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        atexit { unlink(NSTemporaryDirectory() + "pdscope-headless-tiny-\(getpid()).gguf") }
        return path
    }()

    /// A few greedy requests with literal prompts, arriving close together.
    static let greedyWorkload = """
    {"format": "pdscope-workload", "version": "1.0", "description": "headless test"}
    {"arrival_s": 0.0, "user": "alice", "prompt": "Once upon a time", "max_tokens": 12}
    {"arrival_s": 0.01, "user": "bob", "prompt": "The little dog", "max_tokens": 8}
    {"arrival_s": 0.02, "user": "carol", "prompt_tokens": 120, "max_tokens": 6}
    {"arrival_s": 0.03, "user": "alice", "prompt": "A robot and a cat", "max_tokens": 10}

    """
}

/// A temporary directory per test, removed at its end.
class HeadlessTestCase: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pdscope-headless-\(UUID().uuidString)/"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Writes `text` to a file in the test's directory and returns its path.
    func write(_ text: String, to name: String) -> String {
        let path = directory + name
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    /// Parses a command line the way `pdscope` does.
    func parse<C>(_ arguments: [String], as type: C.Type) throws -> C {
        let command = try PDScope.parseAsRoot(arguments)
        return try XCTUnwrap(command as? C, "parsed \(Swift.type(of: command)), expected \(C.self)")
    }

    /// The parsed JSON object of a command's `--json` output.
    func jsonObject(_ text: String) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try XCTUnwrap(value as? [String: Any], "not a JSON object: \(text.prefix(200))")
    }
}
