import Foundation

/// Text given as a file (`--prompt-file`, `--file`): its bytes exactly, or standard input for `-`.
/// Only regular files (and `-`) are read, so a FIFO or a device cannot hang or flood a command.
enum TextInput {
    static func readBytes(_ path: String, flag: String, stdin: () -> Data = { FileHandle.standardInput.readDataToEndOfFile() }) throws -> [UInt8] {
        if path == "-" { return [UInt8](stdin()) }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw CLIError("\(flag) \(path): no such file")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw CLIError("\(flag) \(path): not a regular file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("\(flag) \(path): cannot be read (permissions?)")
        }
        return [UInt8](data)
    }
}
