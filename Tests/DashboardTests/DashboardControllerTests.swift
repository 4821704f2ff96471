import Engine
import XCTest
@testable import Dashboard

/// Records what the dashboard asked of the engine.
final class FakeEngine: DashboardEngine {
    var now = 0.0
    var submitted: [RequestSpec] = []
    var loadRates: [Double?] = []
    var recording: [Bool] = []
    var recordingFails = false
    /// The engine side's prompts (an instruct model's); nil keeps the dashboard's own.
    var makePrompt: ((DashboardPromptKind) -> RequestSpec.Prompt?)?

    func submit(_ spec: RequestSpec) { submitted.append(spec) }
    func setLoadGenerator(rate: Double?) { loadRates.append(rate) }
    func setRecording(_ isOn: Bool) throws -> String {
        if recordingFails { throw TraceFailure() }
        recording.append(isOn)
        return isOn ? "recording to run.jsonl" : "recording stopped"
    }
    var realtime: Set<InstanceID> = []
    func threadPlacements() -> [InstanceID: ThreadPlacement] { [0: ThreadPlacement(cores: [0], realtime: realtime.contains(0))] }
    func prompt(for kind: DashboardPromptKind) -> RequestSpec.Prompt? { makePrompt?(kind) }
    var aborted: [RequestID] = []
    func abort(_ id: RequestID) { aborted.append(id) }
    struct TraceFailure: Error, CustomStringConvertible { var description: String { "disk full" } }
}

final class DashboardControllerTests: XCTestCase {
    private func makeController() -> (DashboardController, FakeEngine) {
        let engine = FakeEngine()
        return (DashboardController(engine: engine, config: Fixtures.config()), engine)
    }

    private func type(_ text: String, into controller: DashboardController) {
        for ch in text { _ = controller.handle(.character(ch)) }
    }

    func testTypedPromptWithUserIsSubmitted() {
        let (controller, engine) = makeController()
        engine.now = 3.5
        XCTAssertEqual(controller.handle(.character("i")), .keepRunning)
        XCTAssertTrue(controller.options.isInputFocused)
        type("@alice tell me a storyq", into: controller)
        _ = controller.handle(.backspace)
        XCTAssertEqual(controller.handle(.enter), .keepRunning)
        XCTAssertEqual(engine.submitted.count, 1)
        XCTAssertEqual(engine.submitted[0].user, "alice")
        XCTAssertEqual(engine.submitted[0].prompt, .text("tell me a story"))
        XCTAssertEqual(engine.submitted[0].arrivalOffset, 3.5)
        XCTAssertFalse(controller.options.isInputFocused)
        XCTAssertEqual(controller.options.selectedUser, "alice")
    }

    func testXAbortsOnlyTheSelectedUsersOpenRequest() {
        let (controller, engine) = makeController()
        let spec = RequestSpec(user: "bob", prompt: .text("hi"), maxTokens: 8)
        controller.inbox.receive(EngineEvent(time: 0, kind: .arrived(request: 4, spec: spec, promptTokens: 2)))
        controller.inbox.receive(EngineEvent(time: 0, kind: .arrived(request: 5, spec: RequestSpec(user: "carol", prompt: .text("yo"), maxTokens: 8), promptTokens: 2)))
        controller.update()
        controller.options.selectedUser = "carol"
        _ = controller.handle(.character("x"))
        XCTAssertEqual(engine.aborted, [5])
        controller.inbox.receive(EngineEvent(time: 1, kind: .finished(request: 5, reason: .aborted, outputTokens: 0)))
        controller.update()
        _ = controller.handle(.character("x"))
        XCTAssertEqual(engine.aborted, [5], "nothing left to cancel")
        XCTAssertEqual(controller.options.statusMessage, "x: the selected user has no open request")
        _ = controller.handle(.character("c"))
        XCTAssertEqual(controller.options.statusMessage, "c: this engine cannot change policy")
    }

    func testEscapeLeavesInputAndQuitOnlyOutsideIt() {
        let (controller, _) = makeController()
        _ = controller.handle(.enter)
        XCTAssertEqual(controller.handle(.character("q")), .keepRunning, "q is text while typing")
        _ = controller.handle(.escape)
        XCTAssertFalse(controller.options.isInputFocused)
        XCTAssertEqual(controller.options.input.text, "q", "leaving keeps the draft")
        XCTAssertEqual(controller.handle(.character("q")), .quit)
    }

    func testLongAndShortPromptsUseSettings() {
        let (controller, engine) = makeController()
        _ = controller.handle(.character("L"))
        _ = controller.handle(.character("S"))
        XCTAssertEqual(engine.submitted.map(\.prompt), [
            .synthetic(count: 400, prefixKeys: [], segmentTokens: 16), .synthetic(count: 16, prefixKeys: [], segmentTokens: 16)])
        XCTAssertEqual(engine.submitted.map(\.user), ["long-1", "short-2"])
    }

    func testEngineMadePromptsReplaceTypedTextAndSyntheticTokens() {
        let (controller, engine) = makeController()
        engine.makePrompt = { kind in
            switch kind {
            case .typed(let text): return .text("<user>\(text)</user>")
            case .short: return .text("<user>question</user>")
            case .long: return .text("<user>document</user>")
            }
        }
        _ = controller.handle(.character("i"))
        type("@alice hi", into: controller)
        _ = controller.handle(.enter)
        _ = controller.handle(.character("L"))
        _ = controller.handle(.character("S"))
        XCTAssertEqual(engine.submitted.map(\.prompt), [.text("<user>hi</user>"), .text("<user>document</user>"), .text("<user>question</user>")])
        XCTAssertEqual(engine.submitted.map(\.user), ["alice", "long-1", "short-2"])
    }

    func testLoadGeneratorToggleAndRate() {
        let (controller, engine) = makeController()
        _ = controller.handle(.character("g"))
        _ = controller.handle(.character("]"))
        _ = controller.handle(.character("["))
        _ = controller.handle(.character("["))
        _ = controller.handle(.character("g"))
        XCTAssertEqual(engine.loadRates, [1.0, 2.0, 1.0, 0.5, nil])
        XCTAssertNil(controller.options.loadGeneratorRate)
    }

    func testFPSSteps() {
        let (controller, _) = makeController()
        _ = controller.handle(.character("+"))
        XCTAssertEqual(controller.options.fps, 30)
        for _ in 0..<10 { _ = controller.handle(.character("-")) }
        XCTAssertEqual(controller.options.fps, 1)
    }

    func testRecordingToggleAndFailureMessage() {
        let (controller, engine) = makeController()
        _ = controller.handle(.character("r"))
        XCTAssertTrue(controller.options.isRecording)
        XCTAssertEqual(controller.options.statusMessage, "recording to run.jsonl")
        engine.recordingFails = true
        _ = controller.handle(.character("r"))
        XCTAssertTrue(controller.options.isRecording, "a failed stop leaves the indicator as it was")
        XCTAssertEqual(controller.options.statusMessage, "recording: disk full")
    }

    func testEventsFlowThroughInboxAndSelectionCycles() {
        let (controller, engine) = makeController()
        for (i, user) in ["a", "b", "c"].enumerated() {
            let spec = RequestSpec(user: user, prompt: .text("x"), maxTokens: 4)
            controller.eventSink.receive(EngineEvent(time: Double(i), kind: .arrived(request: i, spec: spec, promptTokens: 3)))
        }
        engine.now = 10
        controller.update()
        XCTAssertEqual(controller.state.now, 10)
        XCTAssertEqual(controller.state.instances[0]?.observedCores, [0])
        XCTAssertEqual(controller.state.instances[0]?.isRealtime, false)
        engine.realtime = [0]
        controller.update()
        XCTAssertEqual(controller.state.instances[0]?.isRealtime, true, "the engine's real-time instances are marked")
        engine.realtime = []
        controller.update()
        XCTAssertEqual(controller.state.instances[0]?.isRealtime, false)
        XCTAssertEqual(controller.options.selectedUser, "a")
        _ = controller.handle(.down); _ = controller.handle(.tab)
        XCTAssertEqual(controller.options.selectedUser, "c")
        _ = controller.handle(.down)
        XCTAssertEqual(controller.options.selectedUser, "a")
        _ = controller.handle(.up)
        XCTAssertEqual(controller.options.selectedUser, "c")
    }

    func testPauseFreezesTheDisplayButNotTheState() {
        let (controller, engine) = makeController()
        _ = controller.handle(.character("p"))
        controller.eventSink.receive(EngineEvent(time: 1, kind: .arrived(request: 1, spec: RequestSpec(user: "late", prompt: .text("x"), maxTokens: 4), promptTokens: 2)))
        engine.now = 1
        controller.update()
        XCTAssertEqual(controller.state.users, ["late"])
        var buffer = ScreenBuffer(width: 80, height: 24)
        controller.render(into: &buffer)
        XCTAssertFalse(buffer.lines().joined().contains("late"), "paused frame shows the old state")
        XCTAssertTrue(buffer.lines()[1].contains("PAUSED"))
        _ = controller.handle(.character("p"))
        controller.render(into: &buffer)
        XCTAssertTrue(buffer.lines().joined().contains("late"))
    }

    /// The percentile line is part of the frozen picture: requests that finish while paused do
    /// not change it (the metrics reducer is shared with the live state).
    func testPauseFreezesThePercentileLine() {
        let (controller, engine) = makeController()
        let spec = RequestSpec(user: "z", prompt: .text("x"), maxTokens: 2)
        func feed(_ kind: EngineEvent.Kind, at time: Double) {
            controller.eventSink.receive(EngineEvent(time: time, kind: kind))
        }
        func summaryLine() -> String {
            var buffer = ScreenBuffer(width: 200, height: 40)
            controller.render(into: &buffer)
            return buffer.lines().first { $0.contains("ms mean/p50/p99") } ?? ""
        }
        _ = controller.handle(.character("p"))
        let paused = summaryLine()
        XCTAssertFalse(paused.isEmpty, "no percentile line")
        feed(.arrived(request: 9, spec: spec, promptTokens: 2), at: 1)
        feed(.tokenEmitted(request: 9, index: 0, token: 5, text: "a"), at: 1.5)
        feed(.tokenEmitted(request: 9, index: 1, token: 6, text: "b"), at: 1.7)
        feed(.finished(request: 9, reason: .length, outputTokens: 2), at: 1.7)
        engine.now = 10
        controller.update()
        XCTAssertEqual(controller.state.metricsReport.completed, 1, "the live state did take the request in")
        XCTAssertEqual(summaryLine(), paused, "the paused frame's percentiles moved")
        _ = controller.handle(.character("p"))
        XCTAssertNotEqual(summaryLine(), paused, "live again, the percentiles show the finished request")
    }

    func testHelpOverlayClosesOnAnyKey() {
        let (controller, engine) = makeController()
        _ = controller.handle(.character("?"))
        XCTAssertTrue(controller.options.isHelpShown)
        _ = controller.handle(.character("L"))
        XCTAssertFalse(controller.options.isHelpShown)
        XCTAssertTrue(engine.submitted.isEmpty, "the closing key does nothing else")
    }
}
