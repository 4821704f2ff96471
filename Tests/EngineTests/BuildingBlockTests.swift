import XCTest
@testable import Engine

/// Core sets, sizes, the block pool and streaming text.
final class BuildingBlockTests: XCTestCase {
    func testCoreSetParsing() throws {
        XCTAssertEqual(try CoreSet(parsing: "0-3,6").cores, [0, 1, 2, 3, 6])
        XCTAssertEqual(try CoreSet(parsing: " 1 ").cores, [1])
        XCTAssertEqual(try CoreSet(parsing: "6,0-3").description, "0-3,6")
        XCTAssertThrowsError(try CoreSet(parsing: "")) { XCTAssertEqual("\($0)", "empty core list (expected e.g. 0-3,6)") }
        XCTAssertThrowsError(try CoreSet(parsing: "3-1")) { XCTAssertTrue("\($0)".contains("must not exceed")) }
        XCTAssertThrowsError(try CoreSet(parsing: "a")) { XCTAssertTrue("\($0)".contains("'a' is not a CPU")) }
        XCTAssertThrowsError(try CoreSet(parsing: "1,,2"))
        XCTAssertEqual(CoreSet([0, 1, 2]).split(into: 2), [CoreSet([0, 1]), CoreSet([2])])
        XCTAssertEqual(CoreSet([4]).split(into: 2), [CoreSet([4]), CoreSet([4])])
    }

    func testByteSizes() throws {
        XCTAssertEqual(try ByteSize.parse("64MiB"), 64 << 20)
        XCTAssertEqual(try ByteSize.parse("512KiB"), 512 << 10)
        XCTAssertEqual(try ByteSize.parse("1000"), 1000)
        XCTAssertThrowsError(try ByteSize.parse("lots"))
        XCTAssertThrowsError(try ByteSize.parse("-5MiB"))
    }

    func testPlacementFallsBackVisibly() {
        var config = EngineConfig()
        config.prefillCores = CoreSet([0])
        config.decodeCores = CoreSet([5])
        var warnings: [String] = []
        let placed = EngineBuilder.placements(for: config, availableCPUs: 2, warnings: &warnings)
        XCTAssertEqual(placed.map(\.0), [.prefill, .decode])
        XCTAssertEqual(placed.map(\.1), [[0], [1]])
        XCTAssertEqual(warnings, ["decode cores 5 asked for but only 2 CPU(s) available: using 1"])
        config.policy = .chunkedPrefill
        config.decodeCores = CoreSet([0])
        warnings = []
        XCTAssertEqual(EngineBuilder.placements(for: config, availableCPUs: 2, warnings: &warnings).count, 1)
    }

    func testColocatedPoliciesOwnEveryCoreInOneInstanceUnlessAskedForMore() {
        var config = EngineConfig()
        config.policy = .colocatedFCFS
        config.prefillCores = CoreSet([0, 1])
        config.decodeCores = CoreSet([2, 3])
        var warnings: [String] = []
        XCTAssertEqual(EngineBuilder.placements(for: config, availableCPUs: 4, warnings: &warnings).map(\.1), [[0, 1, 2, 3]])
        config.colocatedInstances = 2
        XCTAssertEqual(EngineBuilder.placements(for: config, availableCPUs: 4, warnings: &warnings).map(\.1), [[0, 1], [2, 3]])
        config.policy = .chunkedPrefill
        config.colocatedInstances = 4
        let placed = EngineBuilder.placements(for: config, availableCPUs: 4, warnings: &warnings)
        XCTAssertEqual(placed.map(\.0), [.both, .both, .both, .both])
        XCTAssertEqual(placed.map(\.1), [[0], [1], [2], [3]])
        XCTAssertEqual(warnings, [])
        config.colocatedInstances = 0
        XCTAssertEqual(config.validationErrors(), ["--colocated-instances must be at least 1, got 0"])
    }

    func testInvalidConfigThrows() {
        var config = EngineConfig()
        config.maxRunning = 0
        XCTAssertThrowsError(try EngineSimulation(config: config, clock: ManualClock()) { _ in FakeModelRunner(clock: nil) }) {
            XCTAssertEqual("\($0)", "--max-running must be at least 1, got 0")
        }
    }

    /// KV pools larger than the machine's memory are refused before any runner but the first is
    /// built and before any pool is allocated, naming the flag and the most that fits.
    func testKVPoolsBeyondTheMemoryLimitAreRefusedBeforeAllocating() {
        var config = EngineConfig()
        config.kvCapacity = .blocks(1_000_000)
        config.memoryLimit = 64 << 20
        var runnersBuilt = 0
        XCTAssertThrowsError(try EngineSimulation(config: config, clock: ManualClock()) { _ in
            runnersBuilt += 1
            return FakeModelRunner(clock: nil)
        }) {
            let message = "\($0)"
            XCTAssertTrue(message.hasPrefix("--kv-blocks 1000000: 2 KV pools × 1,000,000 blocks"), message)
            XCTAssertTrue(message.contains("more than the 48 MiB allowed (75 % of this machine's 64 MiB)"), message)
            XCTAssertTrue(message.hasSuffix("blocks per pool fit"), message)
        }
        XCTAssertEqual(runnersBuilt, 1)
        // What the message says fits, does.
        config.memoryLimit = 1 << 30
        config.kvCapacity = .blocks(16)
        XCTAssertNoThrow(try EngineSimulation(config: config, clock: ManualClock()) { _ in FakeModelRunner(clock: nil) })
    }

    func testUpperBoundsNameTheFlagTheLimitAndWhy() {
        var config = EngineConfig()
        config.maxRunning = 5000
        config.decodeInstances = 100
        XCTAssertEqual(config.validationErrors(), [
            "--max-running 5000: at most 1,024 sequences per instance (each step's scratch memory and scheduling work grow with it)",
            "--decode-instances 100: at most 64 instances (each is a pinned thread with its own KV pool and scratch memory)",
        ])
    }

    func testBlockPool() {
        let pool = BlockPool(capacity: 4)
        XCTAssertEqual(pool.allocate(3, for: 1), [0, 1, 2])
        XCTAssertNil(pool.allocate(2, for: 2))
        XCTAssertEqual(pool.freeCount, 1)
        pool.free([1], from: 1)
        XCTAssertEqual(pool.allocate(2, for: 2)?.count, 2)
        XCTAssertEqual(pool.usedCount, 4)
        XCTAssertEqual(pool.owner(of: 1), 2)
    }

    func testUTF8AccumulatorHoldsSplitCharacters() {
        var text = UTF8Accumulator()
        let bytes = Array("é😀".utf8)  // 2 + 4 bytes
        XCTAssertEqual(text.append([bytes[0]]), "")
        XCTAssertEqual(text.append([bytes[1], bytes[2]]), "é")
        XCTAssertEqual(text.append(Array(bytes[3...])), "😀")
        XCTAssertEqual(text.append(Array("ab".utf8)), "ab")
        XCTAssertEqual(text.append([0xE2]), "")
        XCTAssertEqual(text.flush(), "\u{FFFD}")
    }

    func testSyntheticPromptsShareKeyedPrefixes() {
        let a = SyntheticPrompt.tokens(count: 40, prefixKeys: [7, 8], segmentTokens: 16, salt: 1, vocabSize: 64, bos: 1, eos: 2)
        let b = SyntheticPrompt.tokens(count: 40, prefixKeys: [7, 8], segmentTokens: 16, salt: 2, vocabSize: 64, bos: 1, eos: 2)
        let c = SyntheticPrompt.tokens(count: 40, prefixKeys: [9], segmentTokens: 16, salt: 1, vocabSize: 64, bos: 1, eos: 2)
        XCTAssertEqual(a.count, 40)
        XCTAssertEqual(Array(a.prefix(33)), Array(b.prefix(33)))
        XCTAssertNotEqual(Array(a.suffix(7)), Array(b.suffix(7)))
        XCTAssertNotEqual(Array(a[1..<17]), Array(c[1..<17]))
        XCTAssertFalse(a.dropFirst().contains { $0 < 3 })
    }
}
