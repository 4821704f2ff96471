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
        engine_type, pdscope serve's role) or `both`. A server whose series carry several `engine` labels \
        (pdscope serve with prefill and decode instances, vLLM data parallelism) gets one panel per engine, \
        titled URL engine=N, with that engine's role and numbers (the layout is fixed after the first scrape).

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
        Upstream failures reach the client as OpenAI-shaped 502 errors with the upstream's message. Streams \
        are sent upstream with stream_options.include_usage for the prompt's token count (the usage chunk \
        reaches only clients that asked for it). P-first rows split TTFT into prefill + handoff + first decode \
        token (column p+handoff+d ms; the decode server pulls the KV in the last part).

        --record FILE.jsonl (with --listen) writes every proxied request that completes as a pdscope \
        trace, one block per request as it ends (flushed then), closed on q, Ctrl-C, SIGTERM or SIGINT; r in the \
        dashboard starts and stops a recording too. `pdscope replay FILE` reruns that traffic on the \
        in-process engine under any policy (e.g. --policy chunked-prefill): each request arrives when it \
        did, for its user, with the upstream's prompt token count as synthetic tokens (its text when the \
        server reported no usage) and the real output token count as max_tokens with ignore_eos, so the \
        replay decodes as many tokens as the real server did. Texts are not kept. Each server's scraped state is written as an `observed` \
        line when it changes (replay reads over them). Failed requests and \
        requests still open at the end are left out (the closing line says how many). The header \
        replays P/D deployments as disaggregated and others as chunked-prefill (vLLM's and SGLang's \
        default scheduler); flags override.

        --no-dashboard (with --listen) runs the proxy without a terminal until SIGINT or SIGTERM: \
        "listening on http://HOST:PORT" goes to stderr (--listen 127.0.0.1:0 picks a free port).

        Keys: p pause, r record, ? help, q quit. --once prints the panels' text once (no terminal needed).
        """)

    @Argument(help: ArgumentHelp("Base URLs of servers (role as reported).", valueName: "URL"))
    var urls: [String] = []
    @Option(help: ArgumentHelp("A prefill instance's base URL (repeatable).", valueName: "URL")) var prefill: [String] = []
    @Option(help: ArgumentHelp("A decode instance's base URL (repeatable).", valueName: "URL")) var decode: [String] = []
    @Option(help: ArgumentHelp("Serve an OpenAI-compatible proxy here that times every user's TTFT/ITL.", valueName: "HOST:PORT"))
    var listen: String?
    @Option(help: ArgumentHelp("Seconds between scrapes of each server.", valueName: "SECONDS")) var interval: Double = 1
    @Option(help: ArgumentHelp("Seconds of history behind rates and percentile estimates.", valueName: "SECONDS")) var window: Double = 30
    @Option(help: ArgumentHelp("Record the proxied requests as a pdscope trace for `pdscope replay` (needs --listen).", valueName: "FILE.jsonl"))
    var record: String?
    @Flag(name: .customLong("no-dashboard"), help: "Run the --listen proxy (and --record) without a terminal until SIGINT/SIGTERM.")
    var noDashboard = false
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
        if record != nil && listen == nil { throw ValidationError("--record records the requests of the --listen proxy: give --listen HOST:PORT") }
        if noDashboard && listen == nil { throw ValidationError("--no-dashboard runs the --listen proxy: give --listen HOST:PORT") }
        if once && (record != nil || noDashboard) { throw ValidationError("--once does not go with --record or --no-dashboard") }
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
        let address = try listen.map(Self.parseListen)
        if once && address != nil { throw CLIError("--once and --listen do not go together") }
        let scraper = Scraper(targets: try targets(), interval: interval, window: window)
        if once { return try printOnce(scraper) }
        if noDashboard, let address { return try AttachHeadless.run(self, scraper: scraper, address: address) }
        guard isatty(STDOUT_FILENO) != 0, isatty(STDIN_FILENO) != 0 else {
            printError(TerminalError.notATerminal.description + " (or use --once, or --no-dashboard with --listen)")
            throw ExitCode.failure
        }
        let recorder = address == nil ? nil : AttachRecorder(scraper: scraper)
        let source = AttachDashboardSource(scraper: scraper, recorder: recorder)
        // One panel per server, or per engine of a server that reports several: known after a first scrape.
        scraper.start()
        AttachHeadless.waitForFirstScrapes(scraper, timeout: 3)
        let layout = scraper.panelLayout()
        let firstViews = scraper.views(of: layout)
        let config = DashboardConfig(
            modelName: "attach", policy: "attach", route: "-",
            instances: layout.indices.map { i in
                InstanceDescription(id: i, role: InstanceRole(rawValue: firstViews[i].role) ?? .both, cores: [])
            },
            poolBlocks: [:])
        let controller = DashboardController(engine: source, config: config)
        controller.observedSource = {
            Dictionary(uniqueKeysWithValues: scraper.views(of: layout).enumerated().map { ($0.offset, $0.element) })
        }
        // The proxy names servers by target; their requests show on the server's first panel.
        let panelOfTarget = scraper.targets.indices.map { t in layout.firstIndex { $0.target == t } ?? t }
        controller.options.fps = fps
        controller.options.statusMessage = "attached to \(scraper.targets.count) server(s), scraping every "
            + Format.fixed(interval, interval < 1 ? 2 : 0) + " s · p pause · ? help · q quit"
        let terminal: TerminalBackend
        do { terminal = try TerminalBackend() } catch { scraper.stop(); throw CLIError("\(error)") }
        if let path = record, let recorder {
            controller.options.statusMessage = "recording to \(try recorder.start(path: path)) · " + (controller.options.statusMessage ?? "")
            controller.options.isRecording = true
        }
        var proxyTask: Task<Void, Never>?
        let failure = ProxyFailure()
        if let address {
            let inbox = controller.inbox
            let notes = RequestNoteQueue()
            controller.requestNoteSource = { notes.drain() }
            let proxy = AttachProxy(scraper: scraper) { event in
                for e in AttachUserEvents.events(event, panelOfTarget: panelOfTarget) { inbox.receive(e) }
                if let note = AttachUserEvents.note(event) { notes.add(note) }
                recorder?.receive(event)
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
        if let line = recorder?.stop() { printError("pdscope: \(line)") }
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
        let observed = scraper.views(of: scraper.panelLayout())
        for (i, o) in observed.enumerated() {
            print(DashboardView.observedTitle(i, o))
            for (line, _) in DashboardView.observedLines(o, now: scraper.now) { print("  " + line) }
        }
        if observed.contains(where: { !$0.isUp }) { throw ExitCode.failure }
    }
}

/// The dashboard's engine side when attached: a clock and the recorder of the proxy's requests
/// (typed prompts are not sent; use a client on --listen).
final class AttachDashboardSource: DashboardEngine {
    let scraper: Scraper
    let recorder: AttachRecorder?
    init(scraper: Scraper, recorder: AttachRecorder?) { self.scraper = scraper; self.recorder = recorder }
    var now: Double { scraper.now }
    func submit(_ spec: RequestSpec) {}
    func setLoadGenerator(rate: Double?) {}
    func setRecording(_ isOn: Bool) throws -> String {
        guard let recorder else { throw CLIError("attach records the requests of its proxy: start it with --listen HOST:PORT") }
        if isOn { return "recording to \(try recorder.start()) (r stops)" }
        return recorder.stop() ?? "not recording"
    }
}

/// An error of the proxy's task, kept for the status line.
final class ProxyFailure: Sendable {
    private let stored = Mutex<String?>(nil)
    var message: String? { stored.withLock { $0 } }
    func set(_ text: String) { stored.withLock { $0 = text } }
}
