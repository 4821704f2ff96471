import Engine
import Foundation
import Synchronization
import XCTest
@testable import Dashboard

/// A stand-in engine for trying the real terminal by hand (in tmux): every submitted request is
/// prefilled in 40 ms chunks and then decodes a word every 20 ms on instance 0, on a background
/// thread, emitting the same events a real engine would.
final class SimulatedEngine: DashboardEngine, Sendable {
    let sink: EngineEventSink
    private let start = Date()
    private let queue = DispatchQueue(label: "simulated-engine")
    private let nextID = Mutex(1)

    init(sink: EngineEventSink) { self.sink = sink }
    var now: Double { Date().timeIntervalSince(start) }

    func submit(_ spec: RequestSpec) {
        queue.async { [self] in
            let id = nextID.withLock { id in defer { id += 1 }; return id }
            let tokens: Int
            switch spec.prompt { case let .text(t): tokens = max(1, t.count / 4); case let .synthetic(n, _, _): tokens = n }
            emit(.arrived(request: id, spec: spec, promptTokens: tokens))
            emit(.queued(request: id, instance: 0))
            emit(.blocksAllocated(location: .instance(0), request: id, blocks: (0..<Int32(max(1, tokens / 16))).map { $0 + Int32(id * 7 % 200) }))
            let chunks = max(1, tokens / 64)
            for c in 0..<chunks {
                let chunk = PrefillChunk(request: id, startPosition: c * 64, tokens: min(64, tokens - c * 64), chunkIndex: c + 1, chunkCount: chunks)
                emit(.stepStarted(instance: 0, step: id * 1000 + c, decodes: [], prefills: [chunk]))
                Thread.sleep(forTimeInterval: 0.04)
                emit(.prefillChunkEnded(instance: 0, chunk: chunk))
                emit(.stepEnded(instance: 0, step: id * 1000 + c, duration: 0.04))
            }
            let words = ["Once", " upon", " a", " time", " 小", "猫", " sat", "."]
            for i in 0..<min(spec.maxTokens, 40) {
                emit(.stepStarted(instance: 0, step: id * 1000 + 500 + i, decodes: [id], prefills: []))
                Thread.sleep(forTimeInterval: 0.02)
                emit(.stepEnded(instance: 0, step: id * 1000 + 500 + i, duration: 0.02))
                emit(.tokenEmitted(request: id, index: i, token: Int32(i), text: words[i % words.count]))
            }
            emit(.finished(request: id, reason: .length, outputTokens: min(spec.maxTokens, 40)))
        }
    }

    func setLoadGenerator(rate: Double?) {}
    func setRecording(_ isOn: Bool) throws -> String { isOn ? "recording (simulated)" : "stopped" }
    private func emit(_ kind: EngineEvent.Kind) { sink.receive(EngineEvent(time: now, kind: kind)) }
}

final class TerminalDemoTests: XCTestCase {
    /// Runs the live dashboard on the real terminal. Skipped unless PDSCOPE_DASHBOARD_DEMO=1,
    /// because it needs a person (or tmux send-keys) to quit it.
    func testLiveTerminal() throws {
        guard ProcessInfo.processInfo.environment["PDSCOPE_DASHBOARD_DEMO"] == "1" else {
            throw XCTSkip("set PDSCOPE_DASHBOARD_DEMO=1 and run in a terminal to try the live dashboard")
        }
        let config = DashboardConfig(modelName: "stories260K", isSyntheticModel: true, policy: "colocated-fcfs",
                                     instances: [InstanceDescription(id: 0, role: .both, cores: [0])],
                                     poolBlocks: [.instance(0): 256])
        var engine: SimulatedEngine! = nil
        let controller = DashboardController(engine: LazyEngine { engine }, config: config)
        engine = SimulatedEngine(sink: controller.eventSink)
        if ProcessInfo.processInfo.environment["PDSCOPE_DASHBOARD_CRASH"] == "1" {
            DispatchQueue.global().asyncAfter(deadline: .now() + 1) { fatalError("simulated crash") }
        }
        do {
            try DashboardApp(controller: controller).run()
        } catch let error as TerminalError {
            print(error.description)
        }
    }
}

/// Lets the controller be built before the engine that needs the controller's sink.
final class LazyEngine: DashboardEngine {
    let resolve: () -> DashboardEngine
    init(_ resolve: @escaping () -> DashboardEngine) { self.resolve = resolve }
    var now: Double { resolve().now }
    func submit(_ spec: RequestSpec) { resolve().submit(spec) }
    func setLoadGenerator(rate: Double?) { resolve().setLoadGenerator(rate: rate) }
    func setRecording(_ isOn: Bool) throws -> String { try resolve().setRecording(isOn) }
}
