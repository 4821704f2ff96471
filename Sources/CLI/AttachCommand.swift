import ArgumentParser
import Attach
import Dashboard
import Engine
import Foundation
import Synchronization

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

        --listen HOST:PORT makes attach an OpenAI-compatible endpoint (/v1/completions, /v1/chat/completions, \
        /v1/models) in front of the servers: every request is timed per SSE chunk (TTFT at the first chunk \
        with choices, one ITL per later chunk, as `vllm bench serve`), users come from the `user` field and \
        fill the users band. With --prefill and --decode servers it routes P-first with vLLM's disaggregated \
        proxy protocol (a non-streaming max_tokens 1 request with kv_transfer_params {"do_remote_decode": true} \
        to the least-loaded prefill server, then the request with the kv_transfer_params it returned to the \
        least-loaded decode server, streamed back); otherwise it forwards to the least-loaded server as is. \
        Upstream failures reach the client as OpenAI-shaped 502 errors with the upstream's message.

        Keys: p pause, ? help, q quit. --once prints the panels' text once (no terminal needed).
        Not built yet: --record (refused with a message).
        """)

    @Argument(help: ArgumentHelp("Base URLs of servers (role as reported).", valueName: "URL"))
    var urls: [String] = []
    @Option(help: ArgumentHelp("A prefill instance's base URL (repeatable).", valueName: "URL")) var prefill: [String] = []
    @Option(help: ArgumentHelp("A decode instance's base URL (repeatable).", valueName: "URL")) var decode: [String] = []
    @Option(help: ArgumentHelp("Serve an OpenAI-compatible proxy here that times every user's TTFT/ITL.", valueName: "HOST:PORT"))
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
        if record != nil { throw CLIError("--record is not built yet for attach") }
        let address = try listen.map(Self.parseListen)
        if once && address != nil { throw CLIError("--once and --listen do not go together") }
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
        var proxyTask: Task<Void, Never>?
        let failure = ProxyFailure()
        if let address {
            let inbox = controller.inbox
            let proxy = AttachProxy(scraper: scraper) { event in
                for e in AttachUserEvents.events(event) { inbox.receive(e) }
            }
            proxyTask = Task.detached {
                do { try await proxy.run(host: address.host, port: address.port, onListening: { _ in }) }
                catch { failure.set("--listen \(address.host):\(address.port): \(error)") }
            }
            controller.options.statusMessage = "proxy on http://\(address.host):\(address.port) (OpenAI API; users from the `user` field) · "
                + (controller.options.statusMessage ?? "")
        }
        let exit = DashboardApp(controller: controller).run(on: terminal)
        proxyTask?.cancel()
        scraper.stop()
        terminal.stop()
        if let message = failure.message { printError("pdscope: \(message)") }
        if exit.exitStatus != 0 { throw ExitCode(exit.exitStatus) }
    }

    /// "HOST:PORT" of --listen.
    static func parseListen(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port),
              colon > text.startIndex else {
            throw CLIError("--listen wants HOST:PORT (e.g. 127.0.0.1:9000), got '\(text)'")
        }
        return (String(text[..<colon]), port)
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

/// The dashboard's engine side when attached: only a clock (typed prompts are not sent; use a client on --listen).
final class AttachDashboardSource: DashboardEngine {
    let scraper: Scraper
    init(scraper: Scraper) { self.scraper = scraper }
    var now: Double { scraper.now }
    func submit(_ spec: RequestSpec) {}
    func setLoadGenerator(rate: Double?) {}
    func setRecording(_ isOn: Bool) throws -> String { throw CLIError("recording is not built yet for attach") }
}

/// An error of the proxy's task, kept for the status line.
final class ProxyFailure: Sendable {
    private let stored = Mutex<String?>(nil)
    var message: String? { stored.withLock { $0 } }
    func set(_ text: String) { stored.withLock { $0 = text } }
}
