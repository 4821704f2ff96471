import ArgumentParser
import Attach
import Dashboard
import Engine
import Foundation

/// `pdscope attach`: the dashboard on real serving deployments, fed by scraping their /metrics.
struct AttachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "The dashboard on real servers (vLLM, SGLang, llama.cpp, pdscope serve), from their /metrics.",
        discussion: """
        Give the servers' base URLs (http://HOST:PORT; HOST:PORT means http). Each is scraped every \
        --interval: GET /metrics (identified by its vllm:, sglang: or llamacpp: series; pdscope serve prints \
        vLLM's names with a `role` label), and once GET /v1/models and /version (llama.cpp: /props, /slots) for \
        the model and version. Without --prefill/--decode a server shows the role it reports (SGLang's \
        engine_type, pdscope serve's role) or `both`.

        Each instance's panel: engine, version, model and URL; requests running and waiting (vLLM's waiting \
        reasons); KV usage in % and blocks (vLLM: kv_cache_usage_perc × num_gpu_blocks of cache_config_info; \
        SGLang: tokens; llama.cpp: busy slots); prompt and generation tokens/s from counter rates; \
        preemptions; prefix-cache hit rate. The queues band lists every instance's queues by stage (vLLM KV \
        fetch stages, SGLang bootstrap/prealloc/transfer/inflight queues, llama.cpp deferred/processing); \
        the transfers band vLLM's nixl_* histograms and failures. Lines starting with ~ are percentiles \
        ESTIMATED from histogram bucket deltas over the last --window seconds (good to a bucket's width). \
        Old and new vLLM names are both read (gpu_cache_usage_perc, time_per_output_token_seconds).

        A server that does not answer is shown DOWN with its error and retried with backoff (up to 30 s); \
        a /metrics page that cannot be parsed is a one-line error on its panel.

        Keys: p pause, ? help, q quit. --once prints the panels' text once (no terminal needed).
        Not built yet: --listen (the per-user OpenAI-compatible proxy, P-first with vLLM's kv_transfer_params) \
        and --record; both are refused with a message.
        """)

    @Argument(help: ArgumentHelp("Base URLs of servers (role as reported).", valueName: "URL"))
    var urls: [String] = []
    @Option(help: ArgumentHelp("A prefill instance's base URL (repeatable).", valueName: "URL")) var prefill: [String] = []
    @Option(help: ArgumentHelp("A decode instance's base URL (repeatable).", valueName: "URL")) var decode: [String] = []
    @Option(help: ArgumentHelp("Serve an OpenAI-compatible proxy here for per-user TTFT/ITL (not built yet).", valueName: "HOST:PORT"))
    var listen: String?
    @Option(help: ArgumentHelp("Seconds between scrapes of each server.", valueName: "SECONDS")) var interval: Double = 1
    @Option(help: ArgumentHelp("Seconds of history behind rates and percentile estimates.", valueName: "SECONDS")) var window: Double = 30
    @Option(help: ArgumentHelp("Record proxied requests and scraped states as a pdscope trace (not built yet).", valueName: "FILE.jsonl"))
    var record: String?
    @Option(help: "Frames per second (1–60).") var fps: Int = 10
    @Flag(help: "Scrape twice, --interval apart, print each instance's panel text and exit (1 if any is down).")
    var once = false

    func validate() throws {
        guard interval > 0, interval.isFinite else { throw ValidationError("--interval must be a positive number of seconds") }
        guard window >= interval, window.isFinite else { throw ValidationError("--window must be at least --interval") }
        guard (1...60).contains(fps) else { throw ValidationError("--fps must be between 1 and 60") }
        if urls.isEmpty && prefill.isEmpty && decode.isEmpty {
            throw ValidationError("give at least one server URL (e.g. pdscope attach http://127.0.0.1:8000)")
        }
    }

    func targets() throws -> [AttachTarget] {
        let given = urls.map { ($0, String?.none) } + prefill.map { ($0, "prefill") } + decode.map { ($0, "decode") }
        return try given.map { text, role in
            guard let target = AttachTarget.parse(text, role: role) else {
                throw CLIError("'\(text)' is not a server URL (http://HOST:PORT)")
            }
            return target
        }
    }

    func run() throws {
        if listen != nil { throw CLIError("--listen (the per-user proxy) is not built yet; attach scrapes /metrics only") }
        if record != nil { throw CLIError("--record is not built yet; attach scrapes /metrics only") }
        let scraper = Scraper(targets: try targets(), interval: interval, window: window)
        if once { return try printOnce(scraper) }
        guard isatty(STDOUT_FILENO) != 0, isatty(STDIN_FILENO) != 0 else {
            printError(TerminalError.notATerminal.description + " (or use --once)")
            throw ExitCode.failure
        }
        let source = AttachDashboardSource(scraper: scraper)
        let config = DashboardConfig(
            modelName: "attach", policy: "attach", route: "-",
            instances: scraper.targets.enumerated().map { i, t in
                InstanceDescription(id: i, role: InstanceRole(rawValue: t.role ?? "both") ?? .both, cores: [])
            },
            poolBlocks: [:])
        let controller = DashboardController(engine: source, config: config)
        controller.observedSource = {
            Dictionary(uniqueKeysWithValues: scraper.snapshot().enumerated().map { ($0.offset, $0.element) })
        }
        controller.options.fps = fps
        controller.options.statusMessage = "attached to \(scraper.targets.count) server(s), scraping every "
            + Format.fixed(interval, interval < 1 ? 2 : 0) + " s · p pause · ? help · q quit"
        let terminal: TerminalBackend
        do { terminal = try TerminalBackend() } catch { throw CLIError("\(error)") }
        scraper.start()
        let exit = DashboardApp(controller: controller).run(on: terminal)
        scraper.stop()
        terminal.stop()
        if exit.exitStatus != 0 { throw ExitCode(exit.exitStatus) }
    }

    /// Two scrapes of every server, then the panels as text.
    private func printOnce(_ scraper: Scraper) throws {
        scraper.start()
        let deadline = Date().addingTimeInterval(interval * 2 + 30)
        while scraper.scrapes().contains(where: { $0 < 2 }) && Date() < deadline { usleep(20_000) }
        scraper.stop()
        let observed = scraper.snapshot()
        for (i, o) in observed.enumerated() {
            print(DashboardView.observedTitle(i, o))
            for (line, _) in DashboardView.observedLines(o, now: scraper.now) { print("  " + line) }
        }
        if observed.contains(where: { !$0.isUp }) { throw ExitCode.failure }
    }
}

/// The dashboard's engine side when attached: only a clock; prompts need the proxy (not built yet).
final class AttachDashboardSource: DashboardEngine {
    let scraper: Scraper
    init(scraper: Scraper) { self.scraper = scraper }
    var now: Double { scraper.now }
    func submit(_ spec: RequestSpec) {}
    func setLoadGenerator(rate: Double?) {}
    func setRecording(_ isOn: Bool) throws -> String { throw CLIError("recording is not built yet for attach") }
}
