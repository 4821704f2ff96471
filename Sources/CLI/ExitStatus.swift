import ArgumentParser
import Foundation

/// pdscope's exit statuses, one convention for every command (documented in `--help` and the
/// README): 0 success; 1 any error the user can fix (a bad flag or value, a missing, unreadable
/// or malformed file), printed as one line on stderr; 128 + N when stopped by signal N (130 Ctrl-C,
/// 143 SIGTERM, 129 SIGHUP). ArgumentParser's own usage status (64) is folded into 1.
extension PDScope {
    public static func runMain(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Foundation.exit(0)
        } catch {
            Foundation.exit(report(error))
        }
    }

    /// Prints `error` the pdscope way and returns the exit status.
    static func report(_ error: Error) -> Int32 {
        if let code = error as? ExitCode {
            return code.rawValue   // already reported (or a signal's status)
        }
        let code = exitCode(for: error)
        if code == .success {   // --help, --version
            print(fullMessage(for: error))
            return 0
        }
        var line = message(for: error).trimmingCharacters(in: .whitespacesAndNewlines)
        line = line.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "; ")
        if !(error is CLIError), let hint = fullMessage(for: error).split(separator: "\n").first(where: { $0.contains("--help") }) {
            let see = hint.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " for more information.", with: "")
            line += " (" + see.prefix(1).lowercased() + see.dropFirst() + ")"
        }
        printError("Error: " + line)
        return 1
    }
}
