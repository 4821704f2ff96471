import ArgumentParser
import Dashboard
import Engine
import Foundation
import Synchronization
import Model

/// `pdscope bench-dashboard` (hidden): decode throughput of one workload headless and with the
/// dashboard folding events and drawing frames at `--fps`, alternated `--runs` times. The frames
/// go to an off-screen buffer and its diff (what the terminal backend would send), so it runs
/// without a terminal; the goal is at most 2% lower throughput with the dashboard.
struct DashboardBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-dashboard",
        abstract: "Benchmark: decode throughput with the dashboard drawing vs headless.",
        shouldDisplay: false)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var engineOptions: EngineOptions
    @Option(help: "Frames per second of the drawing run.") var fps: Int = 20
    @Option(help: "Requests, all arriving at once (short prompts, so decode dominates).") var requests: Int = 12
    @Option(name: .customLong("max-tokens"), help: "Tokens generated per request.") var maxTokens: Int = 96
    @Option(help: "Alternating headless/dashboard pairs.") var runs: Int = 3
    @Option(help: "Off-screen frame size, WxH.") var size: String = "200x60"

    func validate() throws {
        try FlagBounds.count(fps, flag: "--fps", in: 1...60, why: "the dashboard's frame rates")
        try FlagBounds.count(requests, flag: "--requests", in: 1...4096, why: "they all arrive at once")
        try FlagBounds.count(maxTokens, flag: "--max-tokens", in: 1...100_000, why: "tokens per request")
        try FlagBounds.count(runs, flag: "--runs", in: 1...100, why: "alternating pairs; the median settles long before")
        guard parsedSize != nil else { throw ValidationError("--size must look like 200x60") }
    }

    private var parsedSize: (Int, Int)? {
        let parts = size.split(separator: "x").compactMap { Int($0) }
        return parts.count == 2 && parts[0] > 0 && parts[1] > 0 ? (parts[0], parts[1]) : nil
    }

    func run() throws {
        let model = try modelOptions.load(quiet: true, defaultModel: .synthetic)
        var config = try engineOptions.makeConfig()
        _ = KVSizing.apply(&config, model: model)
        let prompts = ["Once upon a time", "Tom had a red ball", "The sun was warm", "Lily saw a cat"]
        let workload = (0..<requests).map {
            RequestSpec(user: "u\($0)", prompt: .text(prompts[$0 % prompts.count]), maxTokens: maxTokens,
                        sampling: SamplingParams(temperature: 0.8, topK: 40, seed: UInt64($0)))
        }
        var headless: [Double] = [], drawn: [Double] = []
        var frames = 0, frameSeconds = 0.0
        // One discarded run first: page faults of fresh KV arenas and cold caches slowed the
        // first measured run by ~10% (it went to whichever mode ran first).
        _ = try measure(model: model, config: config, workload: workload, drawing: false)
        for _ in 0..<runs {
            headless.append(try measure(model: model, config: config, workload: workload, drawing: false).0)
            let (rate, count, seconds) = try measure(model: model, config: config, workload: workload, drawing: true)
            drawn.append(rate); frames += count; frameSeconds += seconds
        }
        let h = median(headless), d = median(drawn)
        print(String(format: "decode throughput, median of %d: headless %.1f tok/s, dashboard at %d fps %.1f tok/s (%+.2f%%), %d frames drawn",
                     runs, h, fps, d, (d - h) / h * 100, frames))
        // Less noisy than throughput on a shared machine: what the UI thread itself costs.
        let perFrame = frameSeconds / Double(max(frames, 1))
        print(String(format: "UI work per frame (fold events, render, diff): %.2f ms = %.1f%% of one core at %d fps",
                     perFrame * 1000, perFrame * Double(fps) * 100, fps))
        print("headless runs: " + headless.map { String(format: "%.1f", $0) }.joined(separator: " ")
              + "; dashboard runs: " + drawn.map { String(format: "%.1f", $0) }.joined(separator: " "))
    }

    /// Generated tokens per second of wall time from submission to the last request's end, and
    /// the number of frames drawn meanwhile.
    private func measure(model: LlamaModel, config: EngineConfig, workload: [RequestSpec], drawing: Bool) throws -> (Double, Int, Double) {
        let engine = try Engine(config: config, runnerFactory: LlamaRunner.factory(model: model))
        let counter = DashboardBenchTokenCounter()
        engine.addSink(counter)
        var controller: DashboardController?
        if drawing {
            let c = DashboardController(engine: DashboardBenchEngine(engine: engine), config: LiveDashboardEngine.dashboardConfig(engine: engine, model: model, slos: nil))
            c.options.fps = fps
            engine.addSink(c.eventSink)
            controller = c
        }
        let done = DispatchSemaphore(value: 0)
        let start = Date()
        Thread { engine.run(workload: workload); done.signal() }.start()
        var frames = 0
        var frameSeconds = 0.0
        if let controller, let dims = parsedSize {
            var previous: ScreenBuffer?
            var buffer = ScreenBuffer(width: dims.0, height: dims.1)
            var next = Date()
            while true {
                let frameStart = Date()
                controller.update()
                controller.render(into: &buffer)
                _ = buffer.changes(since: previous)
                previous = buffer
                frames += 1
                frameSeconds += Date().timeIntervalSince(frameStart)
                next = max(next.addingTimeInterval(controller.frameInterval), Date())
                if done.wait(timeout: .now() + max(0, next.timeIntervalSinceNow)) == .success { break }
            }
        } else {
            done.wait()
        }
        let seconds = Date().timeIntervalSince(start)
        engine.shutdown()
        return (Double(counter.count) / seconds, frames, frameSeconds)
    }

    private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}

/// Counts generated tokens from the event stream.
private final class DashboardBenchTokenCounter: EngineEventSink, Sendable {
    private let tokens = Mutex(0)
    var count: Int { tokens.withLock { $0 } }
    func receive(_ event: EngineEvent) {
        if case .tokenEmitted = event.kind { tokens.withLock { $0 += 1 } }
    }
}

/// The dashboard's view of a benchmark engine: only the clock and cores matter (no keys are pressed).
private final class DashboardBenchEngine: DashboardEngine {
    let engine: Engine
    private let clock = MonotonicClock()
    private let origin: Double
    init(engine: Engine) { self.engine = engine; origin = clock.now() - engine.snapshot().time }
    var now: Double { clock.now() - origin }
    func submit(_ spec: RequestSpec) { engine.submit(spec) }
    func setLoadGenerator(rate: Double?) {}
    func setRecording(_ isOn: Bool) throws -> String { "not recording in a benchmark" }
    func threadPlacements() -> [InstanceID: ThreadPlacement] {
        Dictionary(uniqueKeysWithValues: engine.snapshot().instances.map {
            ($0.id, ThreadPlacement(cores: $0.coresObserved, realtime: $0.realtime))
        })
    }
}
