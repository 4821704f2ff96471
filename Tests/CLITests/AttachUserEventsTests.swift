@testable import Attach
@testable import CLI
import Dashboard
import Engine
import XCTest

/// Proxy events → the dashboard's engine events and notes: servers become their first panel, the
/// prompt count and the P-first hop times become notes.
final class AttachUserEventsTests: XCTestCase {
    private func e(_ t: Double, _ kind: ProxyEvent.Kind) -> ProxyEvent { ProxyEvent(request: 4, time: t, kind: kind) }

    func testRoutesGoToTheServersFirstPanel() {
        // Server 0 is shown as panels 0 and 1 (two engines), server 1 as panel 2.
        let events = AttachUserEvents.events(e(1, .routed(instance: 1, role: "decode")), panelOfTarget: [0, 2])
        XCTAssertEqual(events.map(\.kind), [.routed(request: 4, instance: 2, role: .decode, reason: "least load"), .queued(request: 4, instance: 2)])
    }

    func testNotesCarryThePromptCountAndTheHopTimes() {
        XCTAssertNil(AttachUserEvents.note(e(1, .routed(instance: 0, role: "prefill"))), "the prefill hop starts at arrival")
        XCTAssertEqual(AttachUserEvents.note(e(1.2, .prefilled(instance: 0, promptTokens: 17))),
                       RequestNote(request: 4, promptTokens: 17, prefillEnd: 1.2))
        XCTAssertEqual(AttachUserEvents.note(e(1.25, .routed(instance: 1, role: "decode"))), RequestNote(request: 4, decodeStart: 1.25))
        XCTAssertEqual(AttachUserEvents.note(e(2, .finished(reason: "stop", promptTokens: 17, outputTokens: 3))),
                       RequestNote(request: 4, promptTokens: 17))
        XCTAssertNil(AttachUserEvents.note(e(2, .finished(reason: "stop", promptTokens: nil, outputTokens: 3))))
        XCTAssertEqual(AttachUserEvents.events(e(1.2, .prefilled(instance: 0, promptTokens: 17))), [])
    }
}
