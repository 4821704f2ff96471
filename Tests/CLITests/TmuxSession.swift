import Foundation
import XCTest

/// A private tmux server (its own `-L` socket, no config) running one command in a fixed-size
/// window: the way a person sees the dashboard, scriptable. `kill()` ends the server.
final class TmuxSession {
    let socket: String
    private let tmux: String

    /// Starts `command` in a detached session; skips the test if tmux is not installed.
    init(command: String, width: Int = 120, height: Int = 40, environment: [String: String] = [:]) throws {
        guard let tmux = TmuxSession.findExecutable("tmux") else {
            throw XCTSkip("tmux is not installed (apt-get install tmux); the end-to-end dashboard test needs it")
        }
        self.tmux = tmux
        socket = "pdscope-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        var arguments = ["-f", "/dev/null", "new-session", "-d", "-x", String(width), "-y", String(height)]
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) { arguments += ["-e", "\(key)=\(value)"] }
        arguments.append(command)
        // The server forks from this client and would hold a captured stdout pipe open forever.
        try run(arguments, capturesOutput: false)
    }

    /// Runs a tmux command on this server and returns its stdout. Spawned with posix_spawn and
    /// reaped with waitpid rather than Foundation's Process: `new-session` forks the tmux server,
    /// which inherits the parent's descriptors and kept Process's exit monitoring from ever firing.
    @discardableResult
    func run(_ arguments: [String], capturesOutput: Bool = true) throws -> String {
        var pipe: [Int32] = [-1, -1]
        if capturesOutput { guard Glibc.pipe(&pipe) == 0 else { throw TmuxError(message: "pipe failed") } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if capturesOutput {
            posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
            posix_spawn_file_actions_addclose(&actions, pipe[0])
            posix_spawn_file_actions_addclose(&actions, pipe[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([tmux, "-L", socket] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, tmux, &actions, nil, argv, environ)
        var output = [UInt8]()
        if capturesOutput {
            close(pipe[1])
            var chunk = [UInt8](repeating: 0, count: 65536)
            while spawned == 0 {
                let n = read(pipe[0], &chunk, chunk.count)
                if n <= 0 { break }
                output += chunk[0..<n]
            }
            close(pipe[0])
        }
        guard spawned == 0 else { throw TmuxError(message: "cannot start tmux: error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitCode = (status >> 8) & 0xff
        guard status & 0x7f == 0, exitCode == 0 else {
            throw TmuxError(message: "tmux \(arguments.joined(separator: " ")) failed with status \(status)")
        }
        return String(decoding: output, as: UTF8.self)
    }

    func sendKeys(_ keys: String...) throws { try run(["send-keys"] + keys) }
    func type(_ text: String) throws { try run(["send-keys", "-l", text]) }
    func resize(width: Int, height: Int) throws { try run(["resize-window", "-x", String(width), "-y", String(height)]) }
    func screen() throws -> String { try run(["capture-pane", "-p"]) }

    /// Polls the screen until `condition` holds or `timeout` seconds pass; returns the last screen.
    /// This waits for an observable condition (bounded), it does not stand in for synchronisation.
    @discardableResult
    func waitForScreen(timeout: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line,
                       until condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            usleep(50_000)
        }
        XCTFail("timed out after \(timeout) s waiting for \(what); the screen was:\n\(last)", file: file, line: line)
        throw TmuxError(message: "timed out waiting for \(what)")
    }

    /// The pid of a process started from the pane (the pane's shell or one of its children) whose
    /// executable is `path`, found through /proc (Linux).
    func processRunning(_ path: String) throws -> pid_t? {
        let output = try run(["display-message", "-p", "#{pane_pid}"])
        guard let shell = pid_t(output.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // Fields after "(comm)": state, ppid, ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, pid_t(fields[1]) == shell || pid == shell,
                  let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"),
                  exe == URL(fileURLWithPath: path).resolvingSymlinksInPath().path || exe == path else { continue }
            return pid
        }
        return nil
    }

    /// Ends the server and removes its socket file (tmux leaves it behind).
    func kill() {
        _ = try? run(["kill-server"], capturesOutput: false)
        let directory = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        unlink("\(directory)/tmux-\(getuid())/\(socket)")
    }

    static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return (path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"])
            .map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

struct TmuxError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Finds the `pdscope` executable the test build produced: next to the test bundle (SwiftPM puts
/// products and the `.xctest` in one directory).
enum BuiltProduct {
    static func pdscope() throws -> String {
        var candidates: [URL] = []
        let bundle = Bundle(for: TmuxSession.self).bundleURL
        candidates.append(bundle.deletingLastPathComponent())
        candidates.append(bundle)
        candidates.append(Bundle.main.bundleURL)
        if let first = CommandLine.arguments.first { candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent()) }
        for directory in candidates {
            let path = directory.appendingPathComponent("pdscope").path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: path) {
                return path
            }
        }
        throw XCTSkip("the built pdscope executable was not found next to the test bundle (looked in \(candidates.map(\.path))); run `swift build` first")
    }
}
