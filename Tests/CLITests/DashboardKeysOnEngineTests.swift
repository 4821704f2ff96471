import Dashboard
import Engine
import Foundation
import Model
import XCTest
@testable import CLI

/// The `x` (cancel the selected user's request) and `c` (cycle the policy) keys on the real
/// engine with the tiny synthetic model.
final class DashboardKeysOnEngineTests: XCTestCase {
    /// `shape`: .tiny runs a reply in milliseconds; .stories15m takes long enough (about a
    /// thousand tokens of context) for a request to still be running when `x` is pressed.
    private func makeLive(shape: SyntheticModel.Shape = .tiny) throws -> (LiveDashboardEngine, DashboardController, LlamaModel) {
        let model = try LlamaModel(file: GGUFFile(bytes: SyntheticModel.makeGGUF(shape: shape, type: .q8_0, seed: 1), name: "synthetic.gguf"))
        var config = EngineConfig()
        config.pinThreads = false
        let engine = try Engine(config: config, runnerFactory: LlamaRunner.factory(model: model))
        var settings = LiveDashboardEngine.settings(contextLength: model.config.contextLength, initialLoadRate: nil)
        settings.maxTokens = 100_000   // runs until cancelled (the context ends it otherwise)
        let recorder = DashboardRecorder(engineNow: { 0 }) { _ in throw CLIError("no recording in this test") }
        let live = LiveDashboardEngine(engine: engine, recorder: recorder, settings: settings)
        live.rebuild = { config in
            let next = try Engine(config: config, runnerFactory: LlamaRunner.factory(model: model))
            return (next, LiveDashboardEngine.dashboardConfig(engine: next, model: model, slos: nil))
        }
        let controller = DashboardController(engine: live, config: LiveDashboardEngine.dashboardConfig(engine: engine, model: model, slos: nil),
                                             settings: settings)
        live.addSink(controller.eventSink)
        engine.start()
        return (live, controller, model)
    }

    /// Applies events until `condition` holds (each wait is for the engine's next events).
    private func update(_ controller: DashboardController, until condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(30)
        while !condition() && Date() < deadline {
            controller.update()
            if !condition() { Thread.sleep(forTimeInterval: 0.002) }
        }
    }

    func testXCancelsTheSelectedUsersRequest() throws {
        let (live, controller, _) = try makeLive(shape: .stories15m)
        defer { _ = live.shutdown() }
        _ = controller.handle(.character("S"))
        let user = try XCTUnwrap(controller.options.selectedUser)
        update(controller) { (controller.state.userRows.first?.generatedTokens ?? 0) >= 2 }
        let id = try XCTUnwrap(controller.state.latestRequest[user])
        _ = controller.handle(.character("x"))
        XCTAssertEqual(controller.options.statusMessage, "cancelled #\(id) of \(user)")
        live.engine.waitUntilIdle()
        XCTAssertEqual(live.engine.state(of: id), .finished(.aborted))
        update(controller) { controller.state.requests[id]?.stage == .finished(.aborted) }
        XCTAssertEqual(controller.state.requests[id]?.finishReason, .aborted)
        _ = controller.handle(.character("x"))
        XCTAssertEqual(controller.options.statusMessage, "x: the selected user has no open request")
    }

    func testCRestartsTheEngineUnderTheNextPolicyAndRequestsContinueThere() throws {
        let (live, controller, _) = try makeLive()
        defer { _ = live.shutdown() }
        XCTAssertEqual(controller.state.config.policy, "disaggregated")
        _ = controller.handle(.character("S"))
        update(controller) { !controller.state.users.isEmpty }
        _ = controller.handle(.character("c"))
        XCTAssertEqual(controller.state.config.policy, "colocated-fcfs")
        XCTAssertEqual(controller.state.config.instances.map(\.role), [.both], "one instance owning every core")
        XCTAssertEqual(live.engine.config.policy, .colocatedFCFS)
        XCTAssertTrue(controller.state.users.isEmpty, "the screen starts over")
        XCTAssertTrue(controller.options.statusMessage?.hasPrefix("policy colocated-fcfs") ?? false, controller.options.statusMessage ?? "")

        _ = controller.handle(.character("S"))
        update(controller) { (controller.state.userRows.first?.generatedTokens ?? 0) >= 2 }
        XCTAssertEqual(controller.state.userRows.first?.instance, 0)
        XCTAssertGreaterThanOrEqual(controller.state.userRows.first?.generatedTokens ?? 0, 2, "the new engine serves")
        _ = controller.handle(.character("c"))
        XCTAssertEqual(live.engine.config.policy, .chunkedPrefill)
    }
}
