import Engine
import XCTest
@testable import Dashboard

/// The users band fed by attach's proxy: the prompt's token count and the P-first TTFT split
/// arrive as notes after the request's events.
final class AttachUserRowTests: XCTestCase {
    private func state(split: Bool) -> DashboardState {
        let config = DashboardConfig(modelName: "attach", policy: "attach",
                                     instances: [InstanceDescription(id: 0, role: .prefill, cores: []),
                                                 InstanceDescription(id: 1, role: .decode, cores: [])],
                                     poolBlocks: [:])
        var state = DashboardState(config: config)
        func at(_ t: Double, _ kind: EngineEvent.Kind) { state.apply(EngineEvent(time: t, kind: kind)) }
        at(10, .arrived(request: 1, spec: RequestSpec(arrivalOffset: 10, user: "alice", prompt: .text("Once"), maxTokens: 8), promptTokens: 0))
        at(10, .routed(request: 1, instance: 0, role: .prefill, reason: "least load"))
        at(10, .queued(request: 1, instance: 0))
        state.apply(RequestNote(request: 1, promptTokens: 123, prefillEnd: split ? 10.25 : nil))
        at(10.251, .routed(request: 1, instance: 1, role: .decode, reason: "least load"))
        at(10.251, .queued(request: 1, instance: 1))
        state.apply(RequestNote(request: 1, decodeStart: 10.251))
        at(10.291, .tokenEmitted(request: 1, index: 0, token: -1, text: "Hi"))
        at(10.301, .tokenEmitted(request: 1, index: 1, token: -1, text: "!"))
        return state
    }

    private func lines(_ state: DashboardState) -> [String] {
        var buffer = ScreenBuffer(width: 120, height: 40)
        var options = DashboardViewOptions()
        options.selectedUser = "alice"
        DashboardView.render(state, options: options, into: &buffer)
        return buffer.lines()
    }

    func testPFirstRowSplitsTTFTIntoPrefillHandoffAndFirstDecodeToken() throws {
        let lines = lines(state(split: true))
        let header = try XCTUnwrap(lines.first { $0.contains("ttft ms") }, lines.joined(separator: "\n"))
        XCTAssertTrue(header.contains("ttft ms   p+handoff+d ms itl ms"), header)
        let row = try XCTUnwrap(lines.first { $0.contains("│alice") }, lines.joined(separator: "\n"))
        // 291 ms to the first token = 250 prefill + 1.0 handoff + 40.0 until the decode server's first token.
        XCTAssertTrue(row.contains("   123     2     291     250+1.0+40.0   10.0"), row)
        for line in lines { XCTAssertEqual(line.terminalWidth, 120) }
    }

    func testWithoutASplitTheColumnIsNotShownButThePromptCountIs() throws {
        let lines = lines(state(split: false))
        XCTAssertFalse(lines.contains { $0.contains("p+handoff+d") })
        let row = try XCTUnwrap(lines.first { $0.contains("│alice") })
        XCTAssertTrue(row.contains("   123     2     291   10.0"), row)
    }
}
