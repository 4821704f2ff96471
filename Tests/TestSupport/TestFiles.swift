import Foundation
import Model
import XCTest

/// Files and folders the tests share: the package root, the cached real model, scratch folders.
public enum TestFiles {
    /// The package root, derived from this file's path (Tests/TestSupport/TestFiles.swift).
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The cached SmolLM2 file, or a skip saying how to get it.
    public static func smolLM2Path() throws -> String {
        let path = ModelCatalog.path(of: ModelCatalog.smollm2)
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("SmolLM2 is not in the model cache (\(path)); run .ci/setup to fetch it")
        }
        return path
    }

    /// A fresh temporary directory for `test`, removed when it ends.
    public static func temporaryDirectory(_ test: XCTestCase, prefix: String = "pdscope-test") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }
}
