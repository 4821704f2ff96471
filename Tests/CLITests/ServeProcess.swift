@testable import CLI
import Foundation
import Synchronization
import XCTest

/// A real `pdscope serve` child process on a free loopback port: started with `--port 0`, its
/// address read from the `listening on http://HOST:PORT` line, its stderr kept for assertions.
final class ServeProcess {
    let process = Process()
    private(set) var baseURL = ""
    private let errorLines = LineCollector()

    convenience init(arguments: [String]) throws {
        try self.init(command: ["serve", "--port", "0"] + arguments)
    }

    /// Any pdscope command that prints `listening on http://HOST:PORT` (e.g. `attach --no-dashboard`).
    init(command: [String]) throws {
        process.executableURL = URL(fileURLWithPath: try BuiltProduct.pdscope())
        process.arguments = command
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let collector = errorLines
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil; collector.close() } else { collector.append(data) }
        }
        try process.run()
        guard let line = errorLines.waitForLine(containing: "listening on http://", timeout: 120) else {
            process.terminate()
            let message = "pdscope \(command.first ?? "") did not start: \(errorLines.text)"
            // A serve that cannot start is the environment; anything else is the code under test.
            if command.first == "serve" { throw XCTSkip(message) }
            throw NotStarted(message: message)
        }
        baseURL = String(line[line.range(of: "http://")!.lowerBound...]).trimmingCharacters(in: .whitespaces)
    }

    /// Everything the server wrote to stderr so far.
    var stderr: String { errorLines.text }

    /// The per-request log lines of finished generations.
    var generationLines: [String] { stderr.split(separator: "\n").map(String.init).filter { $0.contains(" 200 #") } }

    /// SIGTERM, then wait (bounded) for the exit; returns the exit status (nil if it hung).
    func terminate(timeout: Double = 30) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.interrupt(); kill(process.processIdentifier, SIGKILL); return nil }
        errorLines.waitUntilClosed(timeout: 5)
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

struct NotStarted: Error, CustomStringConvertible { var message: String; var description: String { message } }

/// Collects a child's stderr and lets a test wait for a line.
final class LineCollector: Sendable {
    private struct Collected: Sendable {
        var data = Data()
        var closed = false
    }
    private let state = WatchedState(Collected())

    func append(_ chunk: Data) { state.update { $0.data.append(chunk) } }
    func close() { state.update { $0.closed = true } }

    var text: String { state.read { String(decoding: $0.data, as: UTF8.self) } }

    /// The first line containing `needle`; nil when the stream closes or `timeout` passes first.
    func waitForLine(containing needle: String, timeout: Double) -> String? {
        let found: String?? = state.wait(until: Date().addingTimeInterval(timeout)) { s in
            let lines = String(decoding: s.data, as: UTF8.self).split(separator: "\n")
            if let line = lines.first(where: { $0.contains(needle) }) { return .some(String(line)) }
            return s.closed ? .some(nil) : nil
        }
        return found ?? nil
    }

    func waitUntilClosed(timeout: Double) {
        _ = state.wait(until: Date().addingTimeInterval(timeout)) { $0.closed ? true : nil }
    }
}

/// A value set by a callback on another thread and read once the test has waited for it.
final class Answer<T: Sendable>: Sendable {
    private let stored: Mutex<T>
    init(_ initial: T) { stored = Mutex(initial) }
    func set(_ new: T) { stored.withLock { $0 = new } }
    var value: T { stored.withLock { $0 } }
}

/// Runs a command to its end; returns its exit status and stdout (stderr is appended to `log`).
@discardableResult
func runCommand(_ executable: String, _ arguments: [String], stdout: inout String, stderr: inout String,
                timeout: Double = 300) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    let outData = LineCollector(), errData = LineCollector()
    out.fileHandleForReading.readabilityHandler = { h in let d = h.availableData; if d.isEmpty { h.readabilityHandler = nil; outData.close() } else { outData.append(d) } }
    err.fileHandleForReading.readabilityHandler = { h in let d = h.availableData; if d.isEmpty { h.readabilityHandler = nil; errData.close() } else { errData.append(d) } }
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    outData.waitUntilClosed(timeout: 5)
    errData.waitUntilClosed(timeout: 5)
    stdout = outData.text
    stderr = errData.text
    return process.terminationStatus
}

/// The repository's root (this file is Tests/CLITests/ServeProcess.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The Python of the test venv that `.ci/setup` makes (openai, prometheus_client), or a skip.
func serveTestPython() throws -> String {
    let python = repositoryRoot.appendingPathComponent(".venv-ci/bin/python").path
    guard FileManager.default.isExecutableFile(atPath: python) else {
        throw XCTSkip("no test venv at \(python): run `bash .ci/setup` (it installs openai and prometheus_client there)")
    }
    return python
}
