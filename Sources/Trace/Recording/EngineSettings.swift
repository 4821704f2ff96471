import Kernels
import Engine

/// The one mapping between an `EngineConfig` and the `settings` object of a trace header. Record,
/// replay and the dashboard all go through it, so a recording replays under exactly the settings
/// it ran with. Keys are the command-line flags without dashes, underscored.
public enum EngineSettings {
    /// Every setting of `config`, as text. `kv_blocks` / `kv_memory` and the optional settings are
    /// left out when they have their automatic default.
    public static func encode(_ c: EngineConfig) -> [String: String] {
        var s: [String: String] = [
            "policy": c.policy.rawValue, "route": c.route.rawValue, "kv_transfer": c.kvTransfer.rawValue,
            "prefill_cores": c.prefillCores.description, "decode_cores": c.decodeCores.description,
            "prefill_instances": String(c.prefillInstances), "decode_instances": String(c.decodeInstances),
            "colocated_instances": String(c.colocatedInstances),
            "block_size": String(c.blockSize), "kv_cache_type": c.kvCacheType.rawValue,
            "max_batched_tokens": String(c.maxBatchedTokens),
            "max_running": String(c.maxRunning),
        ]
        switch c.kvCapacity {
        case .blocks(let n): s["kv_blocks"] = String(n)
        case .bytes(let n): s["kv_memory"] = String(n)
        case .automatic: break
        }
        if let v = c.kvStoreBlocks { s["kv_store_blocks"] = String(v) }
        if let v = c.kvLinkGbps { s["kv_link_gbps"] = JSONWriter.format(v) }
        if let v = c.localPrefillMax { s["local_prefill_max"] = String(v) }
        return s
    }

    /// The configuration `settings` describe, starting from the defaults; keys that are absent keep
    /// them, keys this version does not know are ignored. A value that does not parse is an error
    /// naming the key (a hand-edited trace must not silently run under other settings).
    public static func decode(_ settings: [String: String], base: EngineConfig = EngineConfig()) throws -> EngineConfig {
        var c = base
        func value<T>(_ key: String, _ parse: (String) -> T?) throws -> T? {
            guard let text = settings[key] else { return nil }
            guard let parsed = parse(text) else {
                throw EngineSettingsError(message: "recorded setting \(key) has a bad value \"\(text)\"")
            }
            return parsed
        }
        func cores(_ text: String) -> CoreSet? { try? CoreSet(parsing: text) }
        c.policy = try value("policy", SchedulingPolicy.init(rawValue:)) ?? c.policy
        c.route = try value("route", RoutePolicy.init(rawValue:)) ?? c.route
        c.kvTransfer = try value("kv_transfer", KVTransferMode.init(rawValue:)) ?? c.kvTransfer
        c.prefillCores = try value("prefill_cores", cores) ?? c.prefillCores
        c.decodeCores = try value("decode_cores", cores) ?? c.decodeCores
        c.prefillInstances = try value("prefill_instances") { Int($0) } ?? c.prefillInstances
        c.decodeInstances = try value("decode_instances") { Int($0) } ?? c.decodeInstances
        c.colocatedInstances = try value("colocated_instances") { Int($0) } ?? c.colocatedInstances
        c.blockSize = try value("block_size") { Int($0) } ?? c.blockSize
        // Recordings from before the setting existed ran on a float cache.
        let cacheDefault: KVCacheType = settings.isEmpty ? c.kvCacheType : .f32
        c.kvCacheType = try value("kv_cache_type", KVCacheType.init(rawValue:)) ?? cacheDefault
        c.maxBatchedTokens = try value("max_batched_tokens") { Int($0) } ?? c.maxBatchedTokens
        c.maxRunning = try value("max_running") { Int($0) } ?? c.maxRunning
        if let blocks = try value("kv_blocks", { Int($0) }) { c.kvCapacity = .blocks(blocks) }
        if let bytes = try value("kv_memory", { try? ByteSize.parse($0) }) { c.kvCapacity = .bytes(bytes) }
        c.kvStoreBlocks = try value("kv_store_blocks") { Int($0) } ?? c.kvStoreBlocks
        c.kvLinkGbps = try value("kv_link_gbps") { Double($0) } ?? c.kvLinkGbps
        c.localPrefillMax = try value("local_prefill_max") { Int($0) } ?? c.localPrefillMax
        let problems = c.validationErrors()
        guard problems.isEmpty else {
            throw EngineSettingsError(message: "recorded settings are not valid: " + problems.joined(separator: "; "))
        }
        return c
    }
}

/// A recorded setting that cannot be used.
public struct EngineSettingsError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
