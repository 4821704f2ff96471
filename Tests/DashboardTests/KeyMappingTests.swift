import XCTest
@testable import Dashboard

/// Bytes that ncurses hands over as characters, mapped to the dashboard's keys.
final class KeyMappingTests: XCTestCase {
    /// In raw mode the terminal sends Ctrl-C as the byte 3 instead of raising SIGINT; it must
    /// still quit (it was an unknown key and did nothing).
    func testCtrlCAsAByteIsAnInterrupt() {
        XCTAssertEqual(TerminalBackend.key(forCharacter: 3), .interrupt)
        XCTAssertEqual(TerminalBackend.key(forCharacter: 13), .enter)
        XCTAssertEqual(TerminalBackend.key(forCharacter: 113), .character("q"))
        XCTAssertEqual(TerminalBackend.key(forCharacter: 1), .unknown)
    }
}
