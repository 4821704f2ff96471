import ArgumentParser
import Engine
import Foundation
import Trace

/// `pdscope bench-headline`: the storm benchmark that the project exists to show.
struct HeadlineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-headline",
        abstract: "The headline benchmark: the chat users' gaps and TTFT during a long-prompt storm, per policy at equal cores, vs. no long prompts.",
        discussion: """
        A long-prompt-storm workload (chat at --rate plus a prompt of 90-95% of the context every 3-5 s) \
        runs under colocated-fcfs and chunked-prefill (each as one instance owning every core, and as one \
        instance per core) and disaggregated (1 prefill + 1 decode core); each also runs the chat requests \
        alone. For the chat users it reports ITL p99, p99.9 and max (the worst gap), the share of gaps over \
        5× the isolated median, TTFT p50/p99 and goodput under --goodput (default "ttft:2000 tpot:50"), \
        as the median of --repeats runs with their spread (min–max). \
        Goals, checked on every run: the worst chat gap is ≥ 20× smaller under disaggregated than \
        colocated-fcfs, chunked prefill keeps it below colocated-fcfs's, and disaggregated's stays ≤ 5× \
        its isolated p99 (1.2× of p99 is not a goal: the decode batch grows in the storm). It also prints \
        what disaggregation costs in TTFT. About 15 minutes at the defaults in a release build.

        Decode instances run at real-time priority here by default (--realtime-decode; \
        --no-realtime-decode to turn it off): the decode core stands in for a GPU that nothing else \
        uses, and without it the host's own tasks (kernel threads, daemons) took it for 15-50 ms at a \
        time on the VMs this was measured on, which alone decides the ≤ 5× goal. It needs root or \
        CAP_SYS_NICE; otherwise a warning, normal priority, and the output says so.

        A VM's host can still take the vCPU itself (steal), which no priority prevents: each step \
        measures the time its thread was off the CPU, and goal 3's detail (JSON: \
        storm_worst_gap_off_cpu_ms per run) says how much of each run's worst gap that was. When \
        that was 1 ms or more and at least a fifth of a disaggregated run's worst gap (storm or chat \
        alone), the pair is measured again, up to --retries times; the output lists every such run \
        ("Measured again", JSON repeated_runs) and the goals use the pairs that were kept.

        It runs the embedded synthetic model unless --model says otherwise (even when smollm2 is \
        cached): the storm's sizes and the goals are tuned to its speed, and its results do not \
        depend on what is in the model cache.

        Examples:
          pdscope bench-headline
          pdscope bench-headline --repeats 1 --duration 40 --json
          pdscope bench-headline --model smollm2 --duration 60
        """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup(title: "Engine options (--policy and --colocated-instances are ignored: every arrangement runs)") var engineOptions: EngineOptions

    @Option(help: ArgumentHelp("Seconds of arrivals in the storm workload.", valueName: "S"))
    var duration: Double = 20

    @Option(help: ArgumentHelp("Chat requests per second.", valueName: "R"))
    var rate: Double = 1

    @Option(help: ArgumentHelp("Runs of each configuration (storm and isolated each); the spread is shown.", valueName: "N"))
    var repeats: Int = 3

    @Option(help: ArgumentHelp("Extra attempts at a disaggregated pair of runs whose worst chat gap was mostly the host's (its thread off the CPU ≥ 1 ms and ≥ 1/5 of the gap); 0 keeps every run.", valueName: "N"))
    var retries: Int = 2

    @Flag(help: "Print the results as JSON.")
    var json = false

    func validate() throws {
        guard duration.isFinite, duration > 0 else { throw ValidationError("--duration must be a positive number of seconds, got \(duration)") }
        guard rate.isFinite, rate > 0 else { throw ValidationError("--rate must be a positive number of requests per second, got \(rate)") }
        guard (1...100).contains(repeats) else { throw ValidationError("--repeats must be between 1 and 100, got \(repeats)") }
        guard (0...10).contains(retries) else { throw ValidationError("--retries must be between 0 and 10, got \(retries)") }
        guard duration * rate <= 100_000 else {
            throw ValidationError("--duration \(duration) × --rate \(rate): at most 100,000 chat requests (each policy runs the whole storm)")
        }
    }

    func run() throws {
        try InterruptCatcher.printOutput { progress, flag in (try output(progress: progress, interrupt: flag), flag.isSet) }
    }

    func output(progress: RunProgress.Mode = .off, interrupt: InterruptFlag? = nil) throws -> String {
        let model = try modelOptions.load(quiet: true, defaultModel: .synthetic)
        var config = try engineOptions.makeConfig(realtimeDecodeDefault: true)
        if let note = KVSizing.apply(&config, model: model) { printError("note: \(note)") }
        let bench = HeadlineBenchmark(model: model, config: config, duration: duration, rate: rate,
                                      repeats: repeats, retries: retries, slo: try engineOptions.makeSLOs() ?? HeadlineBenchmark.defaultSLO,
                                      progress: progress, interrupt: interrupt)
        let result = try bench.run(log: printError)
        return json ? Self.json(result) : Self.table(result)
    }
}
