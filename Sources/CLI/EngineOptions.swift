import ArgumentParser
import CSystem
import Engine
import Foundation
import Model

extension SchedulingPolicy: ExpressibleByArgument {}
extension RoutePolicy: ExpressibleByArgument {}
extension KVTransferMode: ExpressibleByArgument {}

/// The engine flags shared by the dashboard, `replay` and `compare`: one definition, one help text.
struct EngineOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Scheduling policy: colocated-fcfs (prefill preempts decode, early vLLM), chunked-prefill (Sarathi-Serve token budget), disaggregated (prefill and decode instances). Default: disaggregated, or a replayed recording's.", valueName: "POLICY"))
    var policy: SchedulingPolicy?

    @Option(help: ArgumentHelp("Disaggregated routing: p-first (prefill, then decode), d-first (decode asks prefill for KV), simultaneous (both at once, SGLang). Default: p-first.", valueName: "ROUTE"))
    var route: RoutePolicy?

    @Option(name: .customLong("kv-transfer"), help: ArgumentHelp("KV connector: p2p (prefill pool → decode pool, one copy) or pool (through a shared KV store, two copies, prefix hits). Default: p2p.", valueName: "MODE"))
    var kvTransfer: KVTransferMode?

    @Option(name: .customLong("prefill-cores"), parsing: .unconditional, help: ArgumentHelp("CPUs of the prefill instance(s) (colocated: the first `both` instance), e.g. 0 or 0-3,6.", valueName: "LIST"))
    var prefillCores: String = "0"

    @Option(name: .customLong("decode-cores"), parsing: .unconditional, help: ArgumentHelp("CPUs of the decode instance(s) (colocated: the second `both` instance).", valueName: "LIST"))
    var decodeCores: String = "1"

    @Option(name: .customLong("prefill-instances"), parsing: .unconditional, help: "Prefill instances (disaggregated).")
    var prefillInstances: Int = 1

    @Option(name: .customLong("decode-instances"), parsing: .unconditional, help: "Decode instances (disaggregated).")
    var decodeInstances: Int = 1

    @Option(name: .customLong("kv-blocks"), parsing: .unconditional, help: "KV pool size of each instance, in blocks (default: --max-running full contexts).")
    var kvBlocks: Int?

    @Option(name: .customLong("kv-memory"), parsing: .unconditional, help: ArgumentHelp("KV pool size of each instance in bytes, e.g. 64MiB (instead of --kv-blocks).", valueName: "SIZE"))
    var kvMemory: String?

    @Option(name: .customLong("block-size"), parsing: .unconditional, help: "Token slots per KV block (default 16).")
    var blockSize: Int?

    @Option(name: .customLong("max-batched-tokens"), parsing: .unconditional, help: "Token budget of one step (chunked prefill; prefill chunk size; default 256).")
    var maxBatchedTokens: Int?

    @Option(name: .customLong("max-running"), parsing: .unconditional, help: "Most sequences an instance runs at once (decode batch limit; default 16).")
    var maxRunning: Int?

    @Option(name: .customLong("kv-store-blocks"), parsing: .unconditional, help: "Blocks in the shared KV store (pool mode; default 4 × a pool); LRU eviction.")
    var kvStoreBlocks: Int?

    @Option(name: .customLong("kv-link-gbps"), parsing: .unconditional, help: "Emulate a KV link of this many gigabits/s: a transfer completes no sooner than such a link would (off by default; labelled when on).")
    var kvLinkGbps: Double?

    @Option(name: .customLong("local-prefill-max"), parsing: .unconditional, help: "d-first: prompts of at most this many uncached tokens are prefilled on the decode instance itself (Dynamo's conditional disaggregation).")
    var localPrefillMax: Int?

    @Option(help: ArgumentHelp("SLOs for goodput and SLO attainment, milliseconds, e.g. \"ttft:2000 tpot:100\" (also e2el:MS).", valueName: "SPEC"))
    var goodput: String?

    /// The engine configuration these flags describe; throws one-line errors naming the flag.
    /// `recorded` (a replayed trace's settings) fills the scheduling settings not given as flags.
    func makeConfig(recorded: [String: String] = [:]) throws -> EngineConfig {
        var c = EngineConfig()
        c.policy = policy ?? recorded["policy"].flatMap(SchedulingPolicy.init(rawValue:)) ?? c.policy
        c.route = route ?? recorded["route"].flatMap(RoutePolicy.init(rawValue:)) ?? c.route
        c.kvTransfer = kvTransfer ?? recorded["kv_transfer"].flatMap(KVTransferMode.init(rawValue:)) ?? c.kvTransfer
        c.blockSize = blockSize ?? recorded["block_size"].flatMap { Int($0) } ?? c.blockSize
        c.maxBatchedTokens = maxBatchedTokens ?? recorded["max_batched_tokens"].flatMap { Int($0) } ?? c.maxBatchedTokens
        c.maxRunning = maxRunning ?? recorded["max_running"].flatMap { Int($0) } ?? c.maxRunning
        do {
            c.prefillCores = try CoreSet(parsing: prefillCores)
            c.decodeCores = try CoreSet(parsing: decodeCores)
        } catch { throw CLIError("\(error)") }
        try Self.checkAvailable(c.prefillCores, flag: "--prefill-cores", text: prefillCores)
        try Self.checkAvailable(c.decodeCores, flag: "--decode-cores", text: decodeCores)
        c.prefillInstances = prefillInstances
        c.decodeInstances = decodeInstances
        if kvBlocks != nil && kvMemory != nil { throw CLIError("give --kv-blocks or --kv-memory, not both") }
        if let blocks = kvBlocks { c.kvCapacity = .blocks(blocks) }
        if let memory = kvMemory {
            do { c.kvCapacity = .bytes(try ByteSize.parse(memory)) } catch { throw CLIError("--kv-memory: \(error)") }
        }
        c.kvStoreBlocks = kvStoreBlocks
        c.kvLinkGbps = kvLinkGbps
        c.localPrefillMax = localPrefillMax
        let problems = c.validationErrors()
        guard problems.isEmpty else { throw CLIError(problems.joined(separator: "; ")) }
        return c
    }

    /// Cores this process may not run on are an error (not a fallback with warnings): the run
    /// would not be what was asked for.
    static func checkAvailable(_ set: CoreSet, flag: String, text: String) throws {
        var ids = [Int32](repeating: 0, count: 4096)
        let count = Int(pd_available_cpus(&ids, Int32(ids.count)))
        guard count > 0 else { return }   // unknown here (not Linux): the engine falls back visibly
        let available = CoreSet(ids.prefix(count).map(Int.init))
        let missing = set.cores.filter { !available.cores.contains($0) }
        guard !missing.isEmpty else { return }
        let which = missing.count == 1 ? "CPU \(missing[0]) is" : "CPUs \(CoreSet(missing)) are"
        throw CLIError("\(flag) \(text): \(which) not available; this machine lets pdscope run on CPU\(available.count == 1 ? "" : "s") \(available) (\(available.count) in all)")
    }

    /// The `--goodput` objectives, if given.
    func makeSLOs() throws -> GoodputSLO? {
        guard let spec = goodput else { return nil }
        do { return try GoodputSLO(parsing: spec) } catch { throw CLIError("\(error)") }
    }

    /// Every setting as text, for trace headers and summaries.
    var settings: [String: String] { settings(of: (try? makeConfig()) ?? EngineConfig()) }

    /// Every setting of `c` (the effective configuration) as text.
    func settings(of c: EngineConfig) -> [String: String] {
        var s: [String: String] = [
            "policy": c.policy.rawValue, "route": c.route.rawValue, "kv_transfer": c.kvTransfer.rawValue,
            "prefill_cores": prefillCores, "decode_cores": decodeCores,
            "prefill_instances": String(prefillInstances), "decode_instances": String(decodeInstances),
            "block_size": String(c.blockSize), "max_batched_tokens": String(c.maxBatchedTokens), "max_running": String(c.maxRunning),
        ]
        if let v = kvBlocks { s["kv_blocks"] = String(v) }
        if let v = kvMemory { s["kv_memory"] = v }
        if let v = kvStoreBlocks { s["kv_store_blocks"] = String(v) }
        if let v = kvLinkGbps { s["kv_link_gbps"] = String(v) }
        if let v = localPrefillMax { s["local_prefill_max"] = String(v) }
        if let v = goodput { s["goodput"] = v }
        return s
    }
}
