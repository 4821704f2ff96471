import Engine
import Foundation
import Kernels
import Trace
import XCTest
@testable import CLI

/// Every engine setting survives a recording: the trace header holds it, a replay runs under it,
/// and each flag overrides just its own setting.
final class SettingsRoundTripTests: HeadlessTestCase {
    /// A non-default value for every engine flag.
    static let flags = [
        "--policy", "disaggregated", "--route", "d-first", "--kv-transfer", "pool",
        "--prefill-cores", "0", "--decode-cores", "1", "--prefill-instances", "1", "--decode-instances", "2",
        "--colocated-instances", "2", "--kv-blocks", "40", "--block-size", "8", "--kv-cache-type", "f32", "--max-batched-tokens", "64",
        "--max-running", "5", "--kv-store-blocks", "90", "--kv-link-gbps", "50", "--local-prefill-max", "8",
        "--goodput", "ttft:4000 tpot:900",
    ]

    func testRecordingWithEverySettingChangedReplaysUnderAllOfThem() throws {
        let recordedConfig = try EngineOptions.parse(Self.flags).makeConfig()
        let defaults = EngineConfig()
        // Each flag above really differs from the default (except the cores, which are the defaults' own sets).
        XCTAssertNotEqual(recordedConfig.route, defaults.route)
        XCTAssertNotEqual(recordedConfig.decodeInstances, defaults.decodeInstances)
        XCTAssertNotEqual(recordedConfig.colocatedInstances, defaults.colocatedInstances)
        XCTAssertNotEqual(recordedConfig.kvCapacity, defaults.kvCapacity)
        XCTAssertNotEqual(recordedConfig.blockSize, defaults.blockSize)
        XCTAssertNotEqual(recordedConfig.kvCacheType, defaults.kvCacheType)
        XCTAssertNotEqual(recordedConfig.maxBatchedTokens, defaults.maxBatchedTokens)
        XCTAssertNotEqual(recordedConfig.maxRunning, defaults.maxRunning)
        XCTAssertNotEqual(recordedConfig.kvStoreBlocks, defaults.kvStoreBlocks)
        XCTAssertNotEqual(recordedConfig.kvLinkGbps, defaults.kvLinkGbps)
        XCTAssertNotEqual(recordedConfig.localPrefillMax, defaults.localPrefillMax)

        let workload = write(HeadlessFixtures.greedyWorkload, to: "w.jsonl")
        let record = directory + "every.jsonl"
        _ = try parse(["replay", workload, "--model", HeadlessFixtures.tinyModelPath, "--json", "--speed", "4", "--record", record]
                      + Self.flags, as: ReplayCommand.self).output()
        let header = try TraceReader.read(path: record).header
        XCTAssertEqual(try EngineSettings.decode(header.settings), recordedConfig, "the header holds every setting")
        XCTAssertEqual(header.settings["goodput"], "ttft:4000 tpot:900")
        XCTAssertEqual(header.cores, 2)

        // Replayed without flags: the recorded settings, all of them.
        var recorded = header.settings
        recorded["policy"] = header.policy
        XCTAssertEqual(try EngineOptions.parse([]).makeConfig(recorded: recorded), recordedConfig)
        XCTAssertEqual(try EngineOptions.parse([]).makeSLOs(recorded: recorded), GoodputSLO(ttft: 4, tpot: 0.9))
        let run = try XCTUnwrap((try jsonObject(try parse(["replay", record, "--model", HeadlessFixtures.tinyModelPath, "--json", "--speed", "4"],
                                                           as: ReplayCommand.self).output().0)["runs"] as? [[String: Any]])?.first)
        let instances = try XCTUnwrap(run["instances"] as? [[String: Any]])
        XCTAssertEqual(instances.map { $0["role"] as? String }, ["prefill", "decode", "decode"])
        XCTAssertEqual(instances.map { $0["kv_blocks"] as? Int }, [40, 40, 40])
        XCTAssertEqual(run["route"] as? String, "d-first")
        XCTAssertEqual(run["kv_transfer"] as? String, "pool")
        XCTAssertEqual(run["kv_cache_type"] as? String, "f32", "the replay ran on the recorded float cache")
        XCTAssertEqual((run["goodput_slo"] as? [String: Any])?["ttft_ms"] as? Double, 4000)

        // Each flag overrides only its own setting.
        let overrides: [([String], (inout EngineConfig) -> Void)] = [
            (["--route", "simultaneous"], { $0.route = .simultaneous }),
            (["--decode-instances", "1"], { $0.decodeInstances = 1 }),
            (["--colocated-instances", "1"], { $0.colocatedInstances = 1 }),
            (["--kv-memory", "1MiB"], { $0.kvCapacity = .bytes(1 << 20) }),
            (["--block-size", "16"], { $0.blockSize = 16 }),
            (["--kv-cache-type", "f16"], { $0.kvCacheType = .f16 }),
            (["--max-batched-tokens", "32"], { $0.maxBatchedTokens = 32 }),
            (["--max-running", "7"], { $0.maxRunning = 7 }),
            (["--kv-store-blocks", "11"], { $0.kvStoreBlocks = 11 }),
            (["--kv-link-gbps", "3"], { $0.kvLinkGbps = 3 }),
            (["--local-prefill-max", "2"], { $0.localPrefillMax = 2 }),
            (["--decode-cores", "0"], { $0.decodeCores = CoreSet([0]) }),
        ]
        for (flag, change) in overrides {
            var expected = recordedConfig
            change(&expected)
            XCTAssertEqual(try EngineOptions.parse(flag).makeConfig(recorded: recorded), expected, "\(flag)")
        }
    }

    /// A recording from before `kv_cache_type` existed ran on a float cache and replays on one;
    /// a workload file (no settings at all) gets the default.
    func testRecordingWithoutCacheTypeReplaysOnAFloatCache() throws {
        XCTAssertEqual(try EngineOptions.parse([]).makeConfig(recorded: ["block_size": "16"]).kvCacheType, .f32)
        XCTAssertEqual(try EngineOptions.parse([]).makeConfig(recorded: [:]).kvCacheType, EngineConfig().kvCacheType)
        XCTAssertThrowsError(try EngineOptions.parse([]).makeConfig(recorded: ["kv_cache_type": "q4"])) {
            XCTAssertEqual("\($0)", "recorded setting kv_cache_type has a bad value \"q4\"")
        }
        XCTAssertThrowsError(try EngineOptions.parse(["--kv-cache-type", "f8"]))
    }

    /// (Another model is noted by `ModelMismatch`, tested in ModelsCommandTests.)
    func testBadRecordedSettingIsAOneLineError() {
        XCTAssertThrowsError(try EngineOptions.parse([]).makeConfig(recorded: ["max_running": "many"])) {
            XCTAssertEqual("\($0)", "recorded setting max_running has a bad value \"many\"")
        }
    }
}
