import Foundation

/// Upper bounds on the engine's sizes and counts, and the memory check made before any KV pool
/// is allocated: an absurd flag gets one line saying what was asked, the limit and why, instead
/// of a failed multi-terabyte allocation or a machine swapping itself to death.
public enum EngineLimits {
    /// Token slots per KV block: a sequence's last block is partly empty, so big blocks only waste memory.
    public static let blockSize = 1024
    /// Sequences per instance: each step's scratch memory and scheduling work grow with it.
    public static let maxRunning = 1024
    /// Tokens per step: far above any context length here; a step's scratch grows with it.
    public static let maxBatchedTokens = 65_536
    /// Instances of one role: each is a pinned thread with its own KV pool and scratch memory.
    public static let instancesPerRole = 64
    /// Blocks in one pool or the store: block ids are 32-bit.
    public static let blocks = Int(Int32.max)
    /// An emulated link faster than this is no emulation (memory copies are slower).
    public static let linkGbps = 100_000.0
    /// Share of the machine's memory that KV pools and the store may take.
    static let memoryShare = 0.75

    /// The machine's memory in bytes: physical memory, or the cgroup's limit when lower.
    public static var machineMemory: Int {
        var bytes = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let limit = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 {
                bytes = min(bytes, limit)
            }
        }
        return bytes
    }

    /// Upper bounds broken by `config`, one line each (lower bounds are in `validationErrors`).
    static func boundErrors(_ c: EngineConfig) -> [String] {
        var errors: [String] = []
        func check(_ value: Int, _ limit: Int, _ flag: String, _ what: String, _ why: String) {
            if value > limit { errors.append("\(flag) \(value): at most \(grouped(limit)) \(what) (\(why))") }
        }
        check(c.blockSize, blockSize, "--block-size", "token slots per block", "a sequence's last block is mostly empty, so bigger blocks only waste KV memory")
        check(c.maxRunning, maxRunning, "--max-running", "sequences per instance", "each step's scratch memory and scheduling work grow with it")
        check(c.maxBatchedTokens, maxBatchedTokens, "--max-batched-tokens", "tokens per step", "a step's scratch memory grows with it")
        check(c.prefillInstances, instancesPerRole, "--prefill-instances", "instances", "each is a pinned thread with its own KV pool and scratch memory")
        check(c.decodeInstances, instancesPerRole, "--decode-instances", "instances", "each is a pinned thread with its own KV pool and scratch memory")
        check(c.colocatedInstances, instancesPerRole, "--colocated-instances", "instances", "each is a pinned thread with its own KV pool and scratch memory")
        if case .blocks(let n) = c.kvCapacity { check(n, blocks, "--kv-blocks", "blocks", "block ids are 32-bit") }
        if let n = c.kvStoreBlocks { check(n, blocks, "--kv-store-blocks", "blocks", "block ids are 32-bit") }
        if let gbps = c.kvLinkGbps, gbps.isFinite, gbps > linkGbps {
            errors.append("--kv-link-gbps \(gbps): at most \(grouped(Int(linkGbps))) Gb/s (a faster link than memory copies emulates nothing)")
        }
        return errors
    }

    /// The KV memory `config` asks for (each pool of `poolBlocks` blocks plus the store), if it
    /// exceeds `memoryShare` of `memory`: one line naming the flag behind it and the most that fits.
    static func memoryError(_ c: EngineConfig, instanceCount: Int, poolBlocks: Int, storeBlocks: Int?,
                            blockBytes: Int, contextLength: Int, memory: Int) -> String? {
        let budget = Double(memory) * memoryShare
        let pools = Double(instanceCount) * Double(poolBlocks) * Double(blockBytes)
        let store = Double(storeBlocks ?? 0) * Double(blockBytes)
        guard pools + store > budget else { return nil }
        let total = bytes(Int(min(pools + store, Double(Int.max))))
        let limit = "more than the \(bytes(Int(budget))) allowed (\(Int(memoryShare * 100)) % of this machine's \(bytes(memory)))"
        let poolText = "\(instanceCount) KV pool\(instanceCount == 1 ? "" : "s") × \(grouped(poolBlocks)) blocks × \(bytes(blockBytes))"
        if let given = c.kvStoreBlocks, store > pools {
            let fitting = max(0, Int((budget - pools) / Double(blockBytes)))
            return "--kv-store-blocks \(given): a KV store of \(grouped(given)) blocks × \(bytes(blockBytes)) plus \(poolText) = \(total), \(limit); at most \(grouped(fitting)) store blocks fit"
        }
        let asked: String
        switch c.kvCapacity {
        case .blocks(let n): asked = "--kv-blocks \(n)"
        case .bytes(let n): asked = "--kv-memory \(bytes(n))"
        case .automatic:
            asked = "--max-running \(c.maxRunning) (each KV pool holds that many full contexts of \(grouped(contextLength)) tokens by default)"
        }
        var storeText = ""
        if let storeBlocks { storeText = " + a KV store of \(grouped(storeBlocks)) blocks" + (c.kvStoreBlocks == nil ? " (4 × a pool)" : "") }
        // The most blocks per pool that fit, with the store at its default of 4 pools or as given.
        let shares = Double(instanceCount) + (storeBlocks != nil && c.kvStoreBlocks == nil ? 4 : 0)
        let fixed = c.kvStoreBlocks == nil ? 0 : store
        let fitting = max(0, Int((budget - fixed) / shares / Double(blockBytes)))
        return "\(asked): \(poolText)\(storeText) = \(total) of KV cache, \(limit); at most \(grouped(fitting)) blocks per pool fit"
    }

    /// 3_500_000_000 → "3.3 GiB".
    static func bytes(_ value: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var size = Double(value)
        var unit = 0
        while size >= 1024 && unit < units.count - 1 { size /= 1024; unit += 1 }
        return unit == 0 ? "\(value) bytes" : String(format: size < 10 ? "%.1f %@" : "%.0f %@", size, units[unit])
    }

    /// 1234567 → "1,234,567".
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (value < 0 ? "-" : "") + out
    }
}
