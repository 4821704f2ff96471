import ArgumentParser
import CPlatform
import Engine
import Foundation
import Kernels
import Model
import Trace

extension SchedulingPolicy: ExpressibleByArgument {}
extension RoutePolicy: ExpressibleByArgument {}
extension KVTransferMode: ExpressibleByArgument {}
extension KVCacheType: ExpressibleByArgument {}

/// The engine flags shared by the dashboard, `replay` and `compare`: one definition, one help text.
struct EngineOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Scheduling policy: colocated-fcfs (prefill preempts decode, early vLLM), chunked-prefill (Sarathi-Serve token budget), disaggregated (prefill and decode instances). Default: disaggregated, or a replayed recording's.", valueName: "POLICY"))
    var policy: SchedulingPolicy?

    @Option(help: ArgumentHelp("Disaggregated routing: p-first (prefill, then decode), d-first (decode asks prefill for KV), simultaneous (both at once, SGLang). Default: p-first.", valueName: "ROUTE"))
    var route: RoutePolicy?

    @Option(name: .customLong("kv-transfer"), help: ArgumentHelp("KV connector: p2p (prefill pool → decode pool, one copy) or pool (through a shared KV store, two copies, prefix hits). Default: p2p.", valueName: "MODE"))
    var kvTransfer: KVTransferMode?

    @Option(name: .customLong("prefill-cores"), parsing: .unconditional, help: ArgumentHelp("CPUs of the prefill instance(s), e.g. 0 or 0-3,6 (default 0). Colocated policies use the prefill and decode cores together.", valueName: "LIST"))
    var prefillCores: String?

    @Option(name: .customLong("decode-cores"), parsing: .unconditional, help: ArgumentHelp("CPUs of the decode instance(s) (default 1).", valueName: "LIST"))
    var decodeCores: String?

    @Option(name: .customLong("prefill-instances"), parsing: .unconditional, help: "Prefill instances (disaggregated; default 1).")
    var prefillInstances: Int?

    @Option(name: .customLong("decode-instances"), parsing: .unconditional, help: "Decode instances (disaggregated; default 1).")
    var decodeInstances: Int?

    @Option(name: .customLong("colocated-instances"), parsing: .unconditional, help: "Colocated policies: 1 (default) = one `both` instance owning all the cores, its matmuls split across them (as tensor parallelism would); N = N instances with the cores split between them (data parallelism).")
    var colocatedInstances: Int?

    @Option(name: .customLong("kv-blocks"), parsing: .unconditional, help: "KV pool size of each instance, in blocks (default: --max-running full contexts, at most 1 GiB).")
    var kvBlocks: Int?

    @Option(name: .customLong("kv-memory"), parsing: .unconditional, help: ArgumentHelp("KV pool size of each instance in bytes, e.g. 64MiB (instead of --kv-blocks).", valueName: "SIZE"))
    var kvMemory: String?

    @Option(name: .customLong("block-size"), parsing: .unconditional, help: "Token slots per KV block (default 16).")
    var blockSize: Int?

    @Option(name: .customLong("kv-cache-type"), help: ArgumentHelp("Element type of the KV cache: f16 (default, as llama.cpp's; half the bytes to store, move and read) or f32.", valueName: "TYPE"))
    var kvCacheType: KVCacheType?

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

    @Flag(name: .customLong("realtime-decode"), inversion: .prefixedNo, help: "Run decode instances' threads in the real-time FIFO class (pinned threads only), so the host's daemons and kernel threads cannot take a decode core in the middle of a step. Needs root or CAP_SYS_NICE; otherwise a warning and normal priority. Default: off (on in bench-headline).")
    var realtimeDecode: Bool?

    @Option(help: ArgumentHelp("SLOs for goodput and SLO attainment, milliseconds, e.g. \"ttft:2000 tpot:100\" (also e2el:MS).", valueName: "SPEC"))
    var goodput: String?

    /// The engine configuration these flags describe; throws one-line errors naming the flag.
    /// `recorded` (a replayed trace's settings, see `EngineSettings`) gives every setting not
    /// given as a flag: flags override the recording one by one.
    /// `realtimeDecodeDefault`: `--realtime-decode` when neither it nor `--no-realtime-decode` is given.
    func makeConfig(recorded: [String: String] = [:], realtimeDecodeDefault: Bool = false) throws -> EngineConfig {
        var c: EngineConfig
        do { c = try EngineSettings.decode(recorded) } catch { throw CLIError("\(error)") }
        if let v = policy { c.policy = v }
        if let v = route { c.route = v }
        if let v = kvTransfer { c.kvTransfer = v }
        if let v = blockSize { c.blockSize = v }
        if let v = kvCacheType { c.kvCacheType = v }
        if let v = maxBatchedTokens { c.maxBatchedTokens = v }
        if let v = maxRunning { c.maxRunning = v }
        do {
            if let v = prefillCores { c.prefillCores = try CoreSet(parsing: v) }
            if let v = decodeCores { c.decodeCores = try CoreSet(parsing: v) }
        } catch { throw CLIError("\(error)") }
        if let v = prefillCores { try Self.checkAvailable(c.prefillCores, flag: "--prefill-cores", text: v) }
        if let v = decodeCores { try Self.checkAvailable(c.decodeCores, flag: "--decode-cores", text: v) }
        if let v = prefillInstances { c.prefillInstances = v }
        if let v = decodeInstances { c.decodeInstances = v }
        if let v = colocatedInstances { c.colocatedInstances = v }
        if kvBlocks != nil && kvMemory != nil { throw CLIError("give --kv-blocks or --kv-memory, not both") }
        if let blocks = kvBlocks { c.kvCapacity = .blocks(blocks) }
        if let memory = kvMemory {
            do { c.kvCapacity = .bytes(try ByteSize.parse(memory)) } catch { throw CLIError("--kv-memory: \(error)") }
        }
        if let v = kvStoreBlocks { c.kvStoreBlocks = v }
        if let v = kvLinkGbps { c.kvLinkGbps = v }
        if let v = localPrefillMax { c.localPrefillMax = v }
        c.realtimeDecode = realtimeDecode ?? realtimeDecodeDefault
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

    /// The `--goodput` objectives, if given (else a replayed recording's).
    func makeSLOs(recorded: [String: String] = [:]) throws -> GoodputSLO? {
        guard let spec = goodput ?? recorded["goodput"] else { return nil }
        do { return try GoodputSLO(parsing: spec) } catch { throw CLIError("\(error)") }
    }

    /// Every setting of `c` (the effective configuration) as text, for trace headers, with the
    /// `--goodput` objectives (a measurement setting, not the engine's).
    func settings(of c: EngineConfig) -> [String: String] {
        var s = EngineSettings.encode(c)
        if let v = goodput { s["goodput"] = v }
        return s
    }
}
