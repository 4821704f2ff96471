import Foundation
import Model

/// Text given as a file (`--prompt-file`, `--file`): its bytes exactly, or standard input for `-`.
/// Only regular files (and `-`) are read, so a FIFO or a device cannot hang or flood a command.
enum TextInput {
    static func readBytes(_ path: String, flag: String, stdin: () -> Data = { FileHandle.standardInput.readDataToEndOfFile() }) throws -> [UInt8] {
        if path == "-" { return [UInt8](stdin()) }
        if let problem = RegularFile.problem(at: path) { throw CLIError("\(flag) \(path): \(problem)") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("\(flag) \(path): cannot be read (permissions?)")
        }
        return [UInt8](data)
    }
}
