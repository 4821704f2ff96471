import Engine
import Foundation
import Model
import Trace
import XCTest
@testable import CLI

/// `pdscope models` over a temporary cache holding a catalog entry made for the test (the tiny
/// synthetic model under a known hash), the default KV pool cap, and the replay-on-another-model note.
final class ModelsCommandTests: HeadlessTestCase {
    private var environment: [String: String] { ["PDSCOPE_MODEL_CACHE": directory + "cache"] }

    private func tinyEntry() throws -> CatalogModel {
        let bytes = SyntheticModel.makeGGUF(shape: .tiny, type: .q8_0, seed: 1)
        let sha = String(ContentHash.sha256(bytes))
        return CatalogModel(name: "tiny", fileName: "tiny.gguf", sha256: sha, size: bytes.count,
                            summary: "the tiny test model", source: "this test", fetchHint: "write it")
    }

    func testReportSaysCachedIntactAndLoadable() throws {
        let entry = try tinyEntry()
        try FileManager.default.createDirectory(atPath: directory + "cache", withIntermediateDirectories: true)
        let path = directory + "cache/tiny.gguf"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(SyntheticModel.makeGGUF(shape: .tiny, type: .q8_0, seed: 1))))
        FileManager.default.createFile(atPath: directory + "cache/other.gguf", contents: Data([1]))

        let report = ModelsReport.make(catalog: [entry], environment: environment)
        let row = try XCTUnwrap(report.rows.first { $0.name == "tiny" })
        XCTAssertEqual(row.status, "cached")
        XCTAssertEqual(row.hashOK, true)
        XCTAssertEqual(row.loadProblem, "")
        XCTAssertEqual(report.otherFiles, [directory + "cache/other.gguf"])
        XCTAssertTrue(report.rows.contains { $0.name == "synthetic" && $0.status == "embedded" })

        let json = try jsonObject(report.json())
        XCTAssertEqual(json["cache_dir"] as? String, directory + "cache")
        let models = try XCTUnwrap(json["models"] as? [[String: Any]])
        XCTAssertEqual(models.first?["sha256_ok"] as? Bool, true)
        XCTAssertEqual(models.first?["loads"] as? Bool, true)
        XCTAssertEqual(models.first?["size_bytes"] as? Int, entry.size)
        XCTAssertTrue(report.text().contains("tiny: cached, sha256 ok"), report.text())

        // Same size, one byte changed: the hash says so.
        var bytes = SyntheticModel.makeGGUF(shape: .tiny, type: .q8_0, seed: 1)
        bytes[bytes.count - 1] ^= 0xff
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let damaged = ModelsReport.make(catalog: [entry], environment: environment)
        XCTAssertEqual(damaged.rows.first?.hashOK, false)
        XCTAssertTrue(damaged.text().contains("SHA-256 DIFFERS"), damaged.text())
        XCTAssertTrue(damaged.text().contains("get it: write it"), damaged.text())
    }

    func testReportOfAnEmptyCacheSaysHowToGetTheModel() throws {
        let report = ModelsReport.make(environment: environment)
        XCTAssertEqual(report.defaultName, "synthetic")
        let row = try XCTUnwrap(report.rows.first { $0.name == "smollm2" })
        XCTAssertEqual(row.status, "missing")
        XCTAssertTrue(report.text().contains("smollm2: not cached"), report.text())
        XCTAssertTrue(report.text().contains("bash .ci/setup"), report.text())
        XCTAssertEqual(try jsonObject(report.json())["default"] as? String, "synthetic")
    }

    func testDefaultKVPoolIsCappedByMemoryAndSaysSo() throws {
        let model = try ModelOptions.parse(["--model", HeadlessFixtures.tinyModelPath]).load(quiet: true)
        var config = EngineConfig()
        let blockBytes = model.kvLayout(blockSize: config.blockSize).blockBytes
        // The tiny model's 16 full contexts fit the default budget: nothing changes.
        XCTAssertNil(KVSizing.apply(&config, model: model))
        XCTAssertEqual(config.kvCapacity, .automatic)
        // A budget of 40 blocks: the pool is 40 blocks and the note says what was chosen.
        let note = try XCTUnwrap(KVSizing.apply(&config, model: model, budget: 40 * blockBytes))
        XCTAssertEqual(config.kvCapacity, .blocks(40))
        XCTAssertTrue(note.contains("40 blocks") && note.contains("--kv-memory"), note)
        XCTAssertTrue(note.contains(ByteCount.text(40 * blockBytes)), note)
        // An explicit size is never overridden.
        var explicit = EngineConfig()
        explicit.kvCapacity = .blocks(7)
        XCTAssertNil(KVSizing.apply(&explicit, model: model, budget: 1))
        XCTAssertEqual(explicit.kvCapacity, .blocks(7))
    }

    func testSmolLM2DefaultsFitTheMemoryGoal() {
        // SmolLM2's shape at the default --max-model-len: 16 full contexts would be 1.5 GB per instance (fp16 cache).
        let layout = KVLayout(layerCount: 30, kvDim: 3 * 64, blockSize: 16)
        let budgetBlocks = KVSizing.defaultBudgetBytes / layout.blockBytes
        XCTAssertLessThanOrEqual(budgetBlocks * layout.blockBytes, 1_500_000_000)
        XCTAssertGreaterThanOrEqual(budgetBlocks * 16, 4 * ModelLoader.defaultMaxModelLength, "room for several full contexts")
    }

    func testReplayOnAnotherModelIsNoted() {
        let smol = ModelIdentity(name: "smollm2", contentHash: "sha256:b179c9523d0e6a0f", contextLength: 4096)
        let synthetic = ModelIdentity(name: "synthetic default", contentHash: "embedded:default-q8_0-seed1", contextLength: 2048)
        let note = ModelMismatch.note(recorded: smol, current: synthetic)
        XCTAssertTrue(note?.contains("recorded on smollm2") ?? false, note ?? "nil")
        XCTAssertTrue(note?.contains("replayed on synthetic default") ?? false, note ?? "nil")
        XCTAssertNil(ModelMismatch.note(recorded: smol, current: smol))
        var shorter = smol
        shorter.contextLength = 2048
        XCTAssertTrue(ModelMismatch.note(recorded: smol, current: shorter)?.contains("--max-model-len") ?? false)
        // Older dashboard recordings named the embedded model "synthetic:…".
        let old = ModelIdentity(name: "embedded default", contentHash: "synthetic:default-q8_0-seed1", contextLength: 2048)
        XCTAssertNil(ModelMismatch.note(recorded: old, current: synthetic))
    }
}

/// A session recorded on one model and replayed on another: the replay says so before it runs.
final class ReplayModelIdentityTests: HeadlessTestCase {
    func testReplayingARecordingOnAnotherModelSaysSo() throws {
        let workload = write(HeadlessFixtures.greedyWorkload, to: "w.jsonl")
        let record = directory + "session.jsonl"
        _ = try parse(["replay", workload, "--model", HeadlessFixtures.tinyModelPath, "--speed", "8", "--limit", "2",
                       "--record", record], as: ReplayCommand.self).output()
        let header = try TraceReader.read(path: record).header
        XCTAssertEqual(header.model.contentHash, try ContentHash.sha256(fileAt: HeadlessFixtures.tinyModelPath))

        let same = try WorkloadInput.loadModelAndWorkload(path: record, model: ModelOptions.parse(["--model", HeadlessFixtures.tinyModelPath]),
                                                          flags: ImportFlags.parse([]), limit: nil).1
        XCTAssertFalse(same.messages.contains { $0.contains("recorded on") }, "\(same.messages)")

        let other = directory + "tiny-seed2.gguf"
        XCTAssertTrue(FileManager.default.createFile(atPath: other, contents: Data(SyntheticModel.makeGGUF(shape: .tiny, type: .q8_0, seed: 2))))
        let loaded = try WorkloadInput.loadModelAndWorkload(path: record, model: ModelOptions.parse(["--model", other]),
                                                            flags: ImportFlags.parse([]), limit: nil).1
        let note = loaded.messages.first { $0.contains("recorded on") }
        XCTAssertNotNil(note, "\(loaded.messages)")
        XCTAssertTrue(note?.contains("outputs will differ") ?? false, note ?? "")
    }
}

extension ReplayModelIdentityTests {
    func testWorkloadMadeForAnotherModelIsNoted() throws {
        let made = ModelIdentity(name: "smollm2", contentHash: "sha256:b179c9523d0e", contextLength: 4096)
        var workload = try WorkloadFile.parse(HeadlessFixtures.greedyWorkload)
        workload.header.model = made
        let path = directory + "chat.jsonl"
        try WorkloadFile.write(workload, to: path)
        let loaded = try WorkloadInput.loadModelAndWorkload(path: path, model: ModelOptions.parse(["--model", HeadlessFixtures.tinyModelPath]),
                                                            flags: ImportFlags.parse([]), limit: nil).1
        let note = loaded.messages.first { $0.contains("made for smollm2") }
        XCTAssertNotNil(note, "\(loaded.messages)")
    }

    func testChatWorkloadNeedsAChatTemplate() throws {
        let command = try parse(["workload", "--kind", "steady", "--model", HeadlessFixtures.tinyModelPath, "-o", directory + "w.jsonl"],
                                as: WorkloadCommand.self)
        XCTAssertThrowsError(try command.run()) { error in
            XCTAssertTrue("\(error)".contains("chat template"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "w.jsonl"))
    }
}
