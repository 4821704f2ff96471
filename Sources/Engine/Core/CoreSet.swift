import Foundation

/// A set of CPU ids written like `0-3,6` on the command line.
public struct CoreSet: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// Sorted, unique CPU ids.
    public let cores: [Int]

    public init(_ cores: [Int]) { self.cores = Array(Set(cores)).sorted() }

    /// Parses `"0"`, `"0-3"`, `"0-3,6"`. Throws a one-line error on anything else.
    public init(parsing text: String) throws {
        var result: [Int] = []
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw CoreSetError.empty }
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let piece = part.trimmingCharacters(in: .whitespaces)
            let bounds = piece.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count == 1 || bounds.count == 2,
                  let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]) else {
                throw CoreSetError.malformed(String(piece), in: text)
            }
            guard low >= 0, high >= 0 else { throw CoreSetError.malformed(String(piece), in: text) }
            guard low <= high else { throw CoreSetError.descending(String(piece)) }
            guard high < 4096 else { throw CoreSetError.tooLarge(high) }
            result.append(contentsOf: low...high)
        }
        self.init(result)
    }

    public var isEmpty: Bool { cores.isEmpty }
    public var count: Int { cores.count }

    /// Compact text form, e.g. `0-3,6`.
    public var description: String {
        var parts: [String] = []
        var index = 0
        while index < cores.count {
            var end = index
            while end + 1 < cores.count && cores[end + 1] == cores[end] + 1 { end += 1 }
            parts.append(end == index ? "\(cores[index])" : "\(cores[index])-\(cores[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }

    /// Splits the set into `parts` nearly equal non-empty sets. With fewer cores than parts, the
    /// parts share cores round-robin (the caller warns about it).
    public func split(into parts: Int) -> [CoreSet] {
        guard parts > 0 else { return [] }
        guard !cores.isEmpty else { return Array(repeating: self, count: parts) }
        if cores.count < parts {
            return (0..<parts).map { CoreSet([cores[$0 % cores.count]]) }
        }
        var result: [CoreSet] = []
        var start = 0
        for part in 0..<parts {
            let size = cores.count / parts + (part < cores.count % parts ? 1 : 0)
            result.append(CoreSet(Array(cores[start..<start + size])))
            start += size
        }
        return result
    }
}

/// Why a core list could not be parsed.
public enum CoreSetError: Error, Equatable, CustomStringConvertible {
    case empty
    case malformed(String, in: String)
    case descending(String)
    case tooLarge(Int)

    public var description: String {
        switch self {
        case .empty: return "empty core list (expected e.g. 0-3,6)"
        case .malformed(let piece, let text): return "bad core list '\(text)': '\(piece)' is not a CPU number or range like 0-3"
        case .descending(let piece): return "bad core range '\(piece)': the first CPU must not exceed the last"
        case .tooLarge(let cpu): return "CPU \(cpu) is out of range"
        }
    }
}

/// Byte sizes written like `64MiB`, `512KiB`, `1GiB`, `100MB` or a plain number of bytes.
public enum ByteSize {
    /// Parses a size; throws a one-line message on anything else.
    public static func parse(_ text: String) throws -> Int {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30),
                                      ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000),
                                      ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("B", 1)]
        var number = Substring(trimmed)
        var scale = 1
        for (suffix, factor) in units where trimmed.lowercased().hasSuffix(suffix.lowercased()) {
            number = trimmed.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value > 0,
              value * Double(scale) < 1e15 else {
            throw ByteSizeError(text: text)
        }
        return Int(value * Double(scale))
    }
}

/// A byte size that could not be parsed.
public struct ByteSizeError: Error, Equatable, CustomStringConvertible {
    public let text: String
    public var description: String { "bad memory size '\(text)' (expected e.g. 64MiB, 512KiB, 1GiB)" }
}
