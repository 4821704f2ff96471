import Foundation
import Model
import Trace
import XCTest

/// The real binary in a real (tmux) terminal, driven like a person: type a prompt, inject a long
/// one, resize below the minimum and back, quit, and check that the terminal is sane again.
final class TmuxDashboardTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdscope-tmux-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func writeTinyModel() throws -> String {
        let path = directory.appendingPathComponent("tiny.gguf").path
        let bytes = SyntheticModel.makeGGUF(shape: .tiny, type: .q8_0, seed: 1)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return path
    }

    func testTypedPromptLongPromptResizeAndQuit() throws {
        let binary = try BuiltProduct.pdscope()
        let model = try writeTinyModel()
        // After the dashboard exits, the pane shows the exit status and the terminal's modes; the
        // shell then waits so the pane stays readable.
        let command = "cd '\(directory.path)' && '\(binary)' --model '\(model)'; echo EXIT=$?; stty -a; sleep 60"
        let tmux = try TmuxSession(command: command, environment: ["LANG": "C.UTF-8", "SWIFT_BACKTRACE": "interactive=no", "TERM": "xterm-256color"])
        defer { tmux.kill() }

        try tmux.waitForScreen(timeout: 30, "the dashboard's first frame") { $0.contains("users (0)") }
        try tmux.sendKeys("i")
        try tmux.type("@alice hello there")
        try tmux.sendKeys("Enter")
        let afterPrompt = try tmux.waitForScreen(timeout: 30, "alice with a TTFT") { screen in
            Self.ttft(of: "alice", in: screen) != nil
        }
        XCTAssertTrue(afterPrompt.contains("users (1)"), afterPrompt)

        try tmux.sendKeys("L")
        try tmux.waitForScreen(timeout: 60, "the long prompt's user") { $0.contains("users (2)") }

        try tmux.resize(width: 70, height: 20)
        try tmux.waitForScreen(timeout: 10, "the too-small message") { $0.contains("terminal too small") }
        try tmux.resize(width: 120, height: 40)
        let restored = try tmux.waitForScreen(timeout: 10, "the panels again") { $0.contains("users (2)") && $0.contains("queues") }
        XCTAssertFalse(restored.contains("terminal too small"), restored)

        try tmux.sendKeys("q")
        let after = try tmux.waitForScreen(timeout: 30, "the exit status") { $0.contains("EXIT=") && $0.contains("icanon") }
        XCTAssertTrue(after.contains("EXIT=0"), after)
        let modes = after.split(whereSeparator: \.isWhitespace).map(String.init)
        XCTAssertTrue(modes.contains("icanon"), "canonical mode not restored:\n\(after)")
        XCTAssertTrue(modes.contains("echo"), "echo not restored:\n\(after)")
        XCTAssertFalse(modes.contains("-icanon"), after)
        XCTAssertFalse(modes.contains("-echo"), after)
    }

    /// Ctrl-C (SIGINT from the terminal), SIGTERM and SIGHUP each end a recording dashboard
    /// promptly like `q`: terminal restored, recording closed with its last line, and the shell's
    /// status for the signal. (They were ignored: the handler set a flag in one copy of the C
    /// shim's state while the loop read another.)
    func testStopSignalsQuitWithTheSignalsExitStatus() throws {
        let binary = try BuiltProduct.pdscope()
        let model = try writeTinyModel()
        for (signal, status) in [("C-c", 130), ("TERM", 143), ("HUP", 129)] {
            let record = directory.appendingPathComponent("session-\(signal).jsonl").path
            let command = "cd '\(directory.path)' && '\(binary)' --model '\(model)' --record '\(record)'; echo EXIT=$?; stty -a; sleep 60"
            let tmux = try TmuxSession(command: command, environment: ["LANG": "C.UTF-8", "SWIFT_BACKTRACE": "interactive=no", "TERM": "xterm-256color"])
            defer { tmux.kill() }
            try tmux.waitForScreen(timeout: 30, "the dashboard's first frame (\(signal))") { $0.contains("users (0)") }
            try tmux.sendKeys("S")
            try tmux.waitForScreen(timeout: 30, "the short prompt's user (\(signal))") { $0.contains("users (1)") }
            if signal == "C-c" {
                try tmux.sendKeys("C-c")
            } else {
                let pid = try XCTUnwrap(tmux.processRunning(binary), "the dashboard's process")
                XCTAssertEqual(kill(pid, signal == "TERM" ? SIGTERM : SIGHUP), 0)
            }
            // Promptly: a few seconds at most, where it used to run on until `q`.
            let after = try tmux.waitForScreen(timeout: 5, "the exit status after \(signal)") { $0.contains("EXIT=") && $0.contains("icanon") }
            XCTAssertTrue(after.contains("EXIT=\(status)"), "\(signal):\n\(after)")
            let modes = after.split(whereSeparator: \.isWhitespace).map(String.init)
            XCTAssertTrue(modes.contains("icanon") && modes.contains("echo"), "terminal not restored after \(signal):\n\(after)")
            let trace = try TraceReader.read(path: record)
            XCTAssertFalse(trace.isTruncated, "recording not closed after \(signal): \(trace.notes)")
            XCTAssertFalse(trace.events.isEmpty, "\(signal): no events recorded")
        }
    }

    func testNotATerminalExitsWithAPointerToReplay() throws {
        let binary = try BuiltProduct.pdscope()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--model", "/nonexistent/never-loaded.gguf"]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        _ = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 1)
        XCTAssertTrue(message.contains("not a terminal"), message)
        XCTAssertTrue(message.contains("pdscope replay"), message)
        // Checked before the model is loaded: no complaint about the missing file.
        XCTAssertFalse(message.contains("no such file"), message)
    }

    /// The TTFT cell (a number, not "-") of `user`'s row in the users table, read at the columns
    /// of the "ttft ms" heading (numbers are right-aligned under it).
    static func ttft(of user: String, in screen: String) -> Double? {
        let lines = screen.split(separator: "\n").map { Array(String($0)) }
        guard let header = lines.first(where: { String($0).contains("ttft ms") }),
              let row = lines.first(where: { String($0).hasPrefix("│\(user) ") }) else { return nil }
        let headerText = String(header)
        guard let range = headerText.range(of: "ttft ms") else { return nil }
        let end = headerText.distance(from: headerText.startIndex, to: range.upperBound)
        guard row.count >= end else { return nil }
        let cell = String(row[max(0, end - 9)..<end]).trimmingCharacters(in: .whitespaces)
        return Double(cell.split(separator: " ").last.map(String.init) ?? "")
    }
}
