import Foundation
import XCTest

/// The built `pdscope` run as a real child process (posix_spawn), its stdout and stderr going to
/// files, so a test can signal it mid-run and then read what it printed and how it exited.
final class ChildProcess {
    let pid: pid_t
    let stdoutPath: String
    let stderrPath: String
    private(set) var exitStatus: Int32?
    private(set) var killedBy: Int32?

    init(_ arguments: [String], directory: String, stdin: String = "/dev/null") throws {
        let binary = try BuiltProduct.pdscope()
        stdoutPath = directory + "/child-\(UUID().uuidString.prefix(8)).out"
        stderrPath = stdoutPath.replacingOccurrences(of: ".out", with: ".err")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, binary, &actions, nil, argv, environ)
        guard status == 0 else { throw TmuxError(message: "cannot start \(binary): error \(status)") }
        pid = child
    }

    deinit {
        if exitStatus == nil && killedBy == nil { kill(pid, SIGKILL); var s: Int32 = 0; waitpid(pid, &s, 0) }
    }

    func signal(_ number: Int32) { kill(pid, number) }

    /// Waits up to `timeout` seconds for the exit; true if it exited (status in `exitStatus`, or
    /// `killedBy` for a death by signal).
    @discardableResult
    func waitForExit(timeout: Double) -> Bool {
        if exitStatus != nil || killedBy != nil { return true }
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                if status & 0x7f == 0 { exitStatus = (status >> 8) & 0xff } else { killedBy = status & 0x7f }
                return true
            }
            usleep(20_000)
        } while Date() < deadline
        return false
    }

    var standardOutput: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var standardError: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits (bounded) until `condition` holds for the child's stderr; false on timeout or exit.
    func waitForStandardError(timeout: Double, until condition: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(standardError) { return true }
            if waitForExit(timeout: 0) { return condition(standardError) }
            usleep(50_000)
        }
        return false
    }
}
