import Foundation
import Model

/// One line of a text file, numbered from 1, without its line terminator.
public struct NumberedLine {
    public var number: Int
    public var bytes: ArraySlice<UInt8>
    /// False only for a last line that the file ends in the middle of (no final newline).
    public var isTerminated: Bool

    public var isBlank: Bool { bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Reading whole line-oriented files (workloads, traces, imports) with user-facing errors.
public enum JSONLines {
    /// The file's bytes, or a one-line error naming the file and the system's reason.
    public static func readBytes(path: String) throws -> [UInt8] {
        if let problem = RegularFile.problem(at: path) { throw FileFormatError(path: path, line: nil, message: problem) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileFormatError(path: path, line: nil, message: "cannot be read")
        }
        return [UInt8](data)
    }

    /// Splits on '\n' (a preceding '\r' is dropped, so CRLF files read the same). A UTF-8 byte
    /// order mark at the start is skipped because some editors add one.
    public static func split(_ bytes: [UInt8]) -> [NumberedLine] {
        var lines: [NumberedLine] = []
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        var number = 1
        var i = start
        while i < bytes.count {
            if bytes[i] == 0x0A {
                var end = i
                if end > start, bytes[end - 1] == 0x0D { end -= 1 }
                lines.append(NumberedLine(number: number, bytes: bytes[start..<end], isTerminated: true))
                number += 1
                start = i + 1
            }
            i += 1
        }
        if start < bytes.count {
            lines.append(NumberedLine(number: number, bytes: bytes[start..<bytes.count], isTerminated: false))
        }
        return lines
    }

    /// Parses one line as a JSON object, turning any problem into a `LineProblem`.
    public static func parseObject(_ line: NumberedLine) throws -> FieldReader {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes: line.bytes)
        } catch let error as JSONParseError {
            throw LineProblem("not a valid JSON line (\(error.message) at column \(error.column))")
        }
        return try FieldReader(value)
    }
}
