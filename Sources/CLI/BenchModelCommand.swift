import ArgumentParser
import CPlatform
import Engine
import Foundation
import Kernels
import Model
import Trace

/// `pdscope bench-model`: prefill and decode speed of the runtime on pinned threads.
struct BenchModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-model",
        abstract: "Measure prefill tok/s (128/512/2048-token prompts) and decode tok/s (128 tokens).",
        discussion: """
        Median of --runs runs, threads pinned to --cores. Compare with llama.cpp on the same file: \
        Benchmarks/compare-llama-cpp.sh MODEL.gguf.

        --scaling (with --threads N ≥ 2) also times one thread on the first of --cores, alternating \
        with the N-thread runs run by run, and prints the speed-up of each run and their median: the \
        multi-core scaling from one command, with both sides under the same machine conditions.

        Examples:
          pdscope bench-model --model smollm2 --threads 1 --cores 1 --clock cpu
          pdscope bench-model --model smollm2 --threads 2 --cores 0,1 --scaling --prefill-lengths 512,2048 --runs 5
        """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(parsing: .unconditional, help: "Compute threads.") var threads: Int = 1
    @Option(help: ArgumentHelp("CPUs to pin the threads to (e.g. 1 or 0-1); default: the first N.", valueName: "LIST")) var cores: String?
    @Option(parsing: .unconditional, help: "Runs per measurement (the median is reported).") var runs: Int = 3
    @Option(help: ArgumentHelp("wall, or cpu: the calling thread's CPU time (one thread only; steadier on a busy machine).", valueName: "wall|cpu")) var clock: String = "wall"
    @Option(help: ArgumentHelp("Prompt lengths to time prefill on.", valueName: "LIST")) var prefillLengths: String = "128,512,2048"
    @Option(help: ArgumentHelp("Tokens already in the context when the 128 timed decode steps start.", valueName: "N")) var decodeContext: Int = 16
    @Option(name: .customLong("kv-cache-type"), help: ArgumentHelp("KV cache element: f16 (default, as the engine and llama.cpp) or f32.", valueName: "TYPE")) var kvCacheType: KVCacheType = .f16
    @Flag(help: "With --threads N ≥ 2: also time one thread, alternating run by run, and print the N-thread speed-up per run (wall clock).") var scaling = false
    @Flag(help: "Print one JSON object.") var json = false

    /// `--prefill-lengths` as numbers (validated in `validate`).
    var lengths: [Int] { prefillLengths.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        try FlagBounds.threads(threads)
        try FlagBounds.count(runs, flag: "--runs", in: 1...1000, why: "the median settles long before")
        guard let c = KernelBenchmark.Clock(name: clock) else { throw ValidationError("--clock must be wall or cpu, got '\(clock)'") }
        let parts = prefillLengths.split(separator: ",", omittingEmptySubsequences: false)
        guard !parts.isEmpty, lengths.count == parts.count, lengths.allSatisfy({ (1...1_000_000).contains($0) }) else {
            throw ValidationError("--prefill-lengths must be a comma-separated list of token counts from 1 to 1000000, got '\(prefillLengths)'")
        }
        try FlagBounds.count(decodeContext, flag: "--decode-context", in: 1...1_000_000, why: "it is a token count")
        guard c == .wall || threads == 1 else { throw ValidationError("--clock cpu counts one thread's CPU time, so it needs --threads 1") }
        guard !scaling || threads >= 2 else { throw ValidationError("--scaling compares --threads N with one thread, so it needs --threads 2 or more") }
    }

    func run() throws {
        let model = try modelOptions.load(quiet: json)
        let cpus: [Int]
        do { cpus = try cores.map { try CoreSet(parsing: $0).cores } ?? Array(0..<threads) } catch { throw CLIError("--cores: \(error)") }
        let available = Int(pd_available_cpu_count())
        if cpus.contains(where: { $0 >= available }) { printError("pdscope: warning: asked for CPUs \(cpus) but only \(available) are available") }
        let computeThreads = ComputeThreads(count: threads, cores: cpus)
        if !computeThreads.pinCaller() { printError("pdscope: warning: could not pin to CPU \(cpus[0]); running unpinned") }
        let session = GenerationSession(model: model, threads: computeThreads, cacheType: kvCacheType)
        // --scaling: the one-thread peer, on the calling thread (pinned to the first CPU).
        let single = scaling ? GenerationSession(model: model, threads: ComputeThreads(count: 1, cores: [cpus[0]]), cacheType: kvCacheType) : nil
        let ctx = model.config.contextLength
        let vocab = Int32(model.config.vocabSize)
        func prompt(_ n: Int) -> [Int32] { (0..<n).map { i in i == 0 ? model.tokenizer.bosId : 3 + Int32((i * 7919) % Int(vocab - 3)) } }
        let timer = KernelBenchmark.Clock(name: clock) ?? .wall
        func seconds(_ body: () -> Void) -> Double {
            let t0 = timer.seconds(); body()
            return timer.seconds() - t0
        }
        func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

        /// Times `body` on the session and, with --scaling, on the one-thread peer just before it.
        func timed(_ body: (GenerationSession) -> Void) -> Timings {
            var t = Timings()
            for _ in 0..<runs {
                if let single { t.single.append(seconds { body(single) }) }
                t.threaded.append(seconds { body(session) })
            }
            return t
        }
        var prefill: [String: Double?] = [:]
        var prefillTimings: [String: Timings] = [:]
        for n in lengths {
            guard n <= ctx else { prefill[String(n)] = .some(nil); continue }
            let tokens = prompt(n)
            let t = timed { s in _ = s.context.prefill(tokens: tokens, startPosition: 0, blockTable: s.blockTable, kv: s.arena) }
            prefill[String(n)] = Double(n) / median(t.threaded)
            prefillTimings[String(n)] = t
        }
        let startLength = min(decodeContext, ctx - 1)
        let decodeSteps = min(128, ctx - startLength - 1)
        guard decodeSteps > 0 else { throw CLIError("--decode-context \(decodeContext) leaves no room to decode in a \(ctx)-token context (see --max-model-len)") }
        let start = prompt(startLength)
        // One prefill: every run then decodes the same positions, overwriting the same cache rows.
        for s in [session] + (single.map { [$0] } ?? []) {
            _ = s.context.prefill(tokens: start, startPosition: 0, blockTable: s.blockTable, kv: s.arena)
        }
        let decodeTimings = timed { s in
            for i in 0..<decodeSteps {
                _ = s.context.decode([DecodeInput(token: 3 + Int32((i * 31) % Int(vocab - 3)), position: startLength + i, blockTable: s.blockTable)], kv: s.arena)
            }
        }
        let decode = Double(decodeSteps) / median(decodeTimings.threaded)
        let isa = KernelISA.current, bandwidth = KernelBenchmark.readBandwidthGBs()
        if json {
            let pre = lengths.map(String.init).map { k -> String in
                if let v = prefill[k] ?? nil { return "\"\(k)\": \(String(format: "%.2f", v))" }
                return "\"\(k)\": null"
            }.joined(separator: ", ")
            let scalingJSON = scaling ? ", \"scaling\": " + Timings.json(prefill: lengths.map(String.init).compactMap { k in prefillTimings[k].map { (k, $0) } },
                                                                   decode: decodeTimings) : ""
            print("{\"model\": \(JSONQuoting.quoted(model.name)), \"threads\": \(threads), \"cores\": \(cpus), \"prefill_tok_s\": {\(pre)}, \"decode_tok_s\": \(String(format: "%.2f", decode)), \"isa\": \"\(isa)\", \"kv_cache_type\": \"\(kvCacheType.rawValue)\", \"clock\": \"\(clock)\", \"read_gb_s\": \(String(format: "%.2f", bandwidth))\(scalingJSON)}")
        } else {
            print("model: \(model.name)\nthreads: \(threads) pinned to CPUs \(cpus), \(clock) clock")
            print("kernels: \(isa.summary); single-core read bandwidth \(String(format: "%.1f", bandwidth)) GB/s; \(kvCacheType.rawValue) KV cache")
            for k in lengths.map(String.init) {
                if let v = prefill[k] ?? nil { print(String(format: "prefill %@ tokens: %.1f tok/s", k, v)) } else { print("prefill \(k) tokens: - (longer than the context)") }
            }
            let after = startLength == 16 ? "" : " after \(startLength)"
            print(String(format: "decode (%d tokens%@): %.1f tok/s", decodeSteps, after, decode))
            if scaling {
                print("speed-up of \(threads) threads over 1 on CPU \(cpus[0]) (runs alternating; median, then each run):")
                for k in lengths.map(String.init) { if let t = prefillTimings[k] { print("  prefill \(k): " + t.speedupText) } }
                print("  decode: " + decodeTimings.speedupText)
            }
        }
    }
}

/// One measurement's run times, threaded and (with --scaling) one-thread, in run order.
struct Timings {
    var threaded: [Double] = []
    var single: [Double] = []

    /// Each run's speed-up: one-thread time over threaded time (the runs alternate, so each pair
    /// saw the same machine conditions).
    var speedups: [Double] { zip(single, threaded).map { $0 / $1 } }
    var medianSpeedup: Double { let s = speedups.sorted(); return s.isEmpty ? .nan : s[s.count / 2] }

    var speedupText: String {
        String(format: "%.2f×", medianSpeedup) + " (" + speedups.map { String(format: "%.2f×", $0) }.joined(separator: ", ") + ")"
    }

    /// `{"baseline_threads": 1, "prefill": {"512": {"median": 1.71, "runs": [...]}}, "decode": {...}}`.
    static func json(prefill: [(String, Timings)], decode: Timings) -> String {
        func entry(_ t: Timings) -> JSONValue {
            .object([("median", .double(t.medianSpeedup)), ("runs", .array(t.speedups.map { .double($0) }))])
        }
        return JSONWriter.serialize(.object([("baseline_threads", .int(1)),
                                             ("prefill", .object(prefill.map { ($0.0, entry($0.1)) })),
                                             ("decode", entry(decode))]))
    }
}
