import Engine
import Foundation
import Model

/// The default size of each instance's KV pool. Without --kv-blocks / --kv-memory a pool holds
/// --max-running full contexts, so nothing is ever preempted; for a large model or context that
/// is gigabytes (SmolLM2 at 8,192 tokens, fp16: 16 × 8,192 × 23 KB = 3 GB per instance), so the
/// default is capped by a memory budget, as vLLM sizes its pool from memory rather than from contexts.
enum KVSizing {
    /// Bytes of KV per instance when the pool size is not given.
    static let defaultBudgetBytes = 1 << 30

    /// Replaces an automatic pool that would exceed the budget by one of the budget's size, and
    /// returns a line saying what was chosen (nil when the automatic size fits).
    static func apply(_ config: inout EngineConfig, model: LlamaModel, budget: Int = defaultBudgetBytes) -> String? {
        guard config.kvCapacity == .automatic else { return nil }
        let layout = model.kvLayout(blockSize: config.blockSize, cacheType: config.kvCacheType)
        let context = model.config.contextLength
        let blocksPerContext = (context + config.blockSize - 1) / config.blockSize
        let automatic = config.maxRunning * blocksPerContext
        guard automatic * layout.blockBytes > budget else { return nil }
        let blocks = max(blocksPerContext, budget / layout.blockBytes)
        config.kvCapacity = .blocks(blocks)
        let contexts = Double(blocks) / Double(blocksPerContext)
        return "KV pool \(ByteCount.text(blocks * layout.blockBytes)) per instance (\(config.kvCacheType.rawValue)): \(blocks) blocks, "
            + "\(String(format: "%.1f", contexts)) full contexts (--kv-memory)"
    }
}

/// Byte counts for messages: "1.0 GiB", "48.0 MiB".
enum ByteCount {
    static func text(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
