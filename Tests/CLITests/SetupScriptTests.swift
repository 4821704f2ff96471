import Foundation
import Model
import XCTest

/// `.ci/fetch-model` (run by `.ci/setup`) on its three paths without downloading: the model
/// already cached (linked from the real cache), a damaged file while offline (pip pointed at no
/// index), and an empty cache while offline. Offline it must say so and still succeed.
final class SetupScriptTests: XCTestCase {
    private var directory = ""
    private let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".ci/fetch-model").path

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pdscope-setup-\(UUID().uuidString)/"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard FileManager.default.fileExists(atPath: "/bin/bash") else { throw XCTSkip("no /bin/bash") }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    /// Runs the script with the cache in `cache` and pip unable to reach any index.
    private func run(cache: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script]
        var environment = ProcessInfo.processInfo.environment
        environment["PDSCOPE_MODEL_CACHE"] = cache
        environment["PIP_NO_INDEX"] = "1"
        environment["PIP_FIND_LINKS"] = ""
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testDamagedFileOfflineIsRemovedAndTheFallbackExplained() throws {
        let cache = directory + "cache"
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        let target = cache + "/" + ModelCatalog.smollm2.fileName
        XCTAssertTrue(FileManager.default.createFile(atPath: target, contents: Data(repeating: 1, count: 4096)))
        let (status, output) = try run(cache: cache)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("is damaged"), output)
        XCTAssertTrue(output.contains("could not download") || output.contains("pip is not available"), output)
        XCTAssertTrue(output.contains("embedded synthetic model"), output)
        XCTAssertTrue(output.contains("bash .ci/setup"), output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: target), "a damaged model must not stay where pdscope would load it")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache), [], "no partial file left behind")
    }

    func testEmptyCacheOfflineSucceedsAndSaysSo() throws {
        let (status, output) = try run(cache: directory + "new/cache")
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("embedded synthetic model"), output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "new/cache/" + ModelCatalog.smollm2.fileName))
    }

    func testCachedModelIsKeptWithoutFetching() throws {
        guard case .cached(let real) = ModelCatalog.presence(of: ModelCatalog.smollm2) else {
            throw XCTSkip("smollm2 is not in the model cache (bash .ci/setup fetches it)")
        }
        let cache = directory + "linked"
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: cache + "/" + ModelCatalog.smollm2.fileName, withDestinationPath: real)
        // pip cannot reach an index here: success means nothing was fetched.
        let (status, output) = try run(cache: cache)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("smollm2 is cached") && output.contains("sha256 ok"), output)
        XCTAssertFalse(output.contains("fetching"), output)
    }
}
