/// What is wrong with one line, without the file and line number (the caller adds those).
public struct LineProblem: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A one-line, user-facing error in a file: `storm.jsonl:17: 'max_tokens' must be a positive
/// integer, got -3`. `line` is nil for problems with the file as a whole (empty, unreadable).
public struct FileFormatError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var message: String

    public init(path: String, line: Int?, message: String) {
        self.path = path; self.line = line; self.message = message
    }

    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}

/// Typed access to the fields of one JSON object, producing readable `LineProblem`s and
/// remembering which keys were used so the caller can report unknown (likely misspelt) ones.
public struct FieldReader {
    public let object: JSONObject
    private(set) var usedKeys: Set<String> = []

    public init(_ value: JSONValue) throws {
        guard case .object(let object) = value else {
            throw LineProblem("expected a JSON object, got \(value.typeDescription)")
        }
        self.object = object
    }

    public init(object: JSONObject) { self.object = object }

    /// Keys present in the object that no accessor asked for, in file order.
    public var unusedKeys: [String] { object.keys.filter { !usedKeys.contains($0) } }

    public mutating func has(_ key: String) -> Bool {
        guard let value = object[key] else { return false }
        if case .null = value { return false }
        return true
    }

    /// The value for `key`, treating an explicit `null` like an absent key.
    public mutating func value(_ key: String) -> JSONValue? {
        usedKeys.insert(key)
        guard let value = object[key] else { return nil }
        if case .null = value { return nil }
        return value
    }

    public mutating func string(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let s) = value else {
            throw LineProblem("'\(key)' must be a string, got \(value.excerpt)")
        }
        return s
    }

    public mutating func requiredString(_ key: String) throws -> String {
        guard let s = try string(key) else { throw LineProblem("missing required field '\(key)'") }
        return s
    }

    /// An integer within `range`. Integral numbers written as `64.0` or `1e3` are accepted;
    /// anything that is not exactly an integer in range is rejected with the offending text.
    public mutating func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = value(key) else { return nil }
        let expectation = Self.describe(range)
        guard case .number(let text) = value else {
            throw LineProblem("'\(key)' must be \(expectation), got \(value.excerpt)")
        }
        let parsed: Int?
        if let exact = Int(text) {
            parsed = exact
        } else if let d = Double(text), d.isFinite, d == d.rounded(), abs(d) < 9e15 {
            parsed = Int(d)
        } else {
            parsed = nil
        }
        guard let n = parsed, range.contains(n) else {
            throw LineProblem("'\(key)' must be \(expectation), got \(text)")
        }
        return n
    }

    public mutating func requiredInt(_ key: String, in range: ClosedRange<Int>) throws -> Int {
        guard let n = try int(key, in: range) else { throw LineProblem("missing required field '\(key)'") }
        return n
    }

    public mutating func uint64(_ key: String) throws -> UInt64? {
        guard let value = value(key) else { return nil }
        guard case .number(let text) = value, let n = UInt64(text) else {
            throw LineProblem("'\(key)' must be an integer between 0 and \(UInt64.max), got \(value.excerpt)")
        }
        return n
    }

    /// A finite number within `range` (JSON cannot spell NaN; `1e999` overflows and is rejected).
    public mutating func double(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let value = value(key) else { return nil }
        let expectation = "a number between \(JSONWriter.format(range.lowerBound)) and \(JSONWriter.format(range.upperBound))"
        guard case .number(let text) = value else {
            throw LineProblem("'\(key)' must be \(expectation), got \(value.excerpt)")
        }
        guard let d = Double(text), d.isFinite, range.contains(d) else {
            throw LineProblem("'\(key)' must be \(expectation), got \(text)")
        }
        return d
    }

    public mutating func requiredDouble(_ key: String, in range: ClosedRange<Double>) throws -> Double {
        guard let d = try double(key, in: range) else { throw LineProblem("missing required field '\(key)'") }
        return d
    }

    /// Like `double`, but parses the literal directly as a Float so that a Float written with its
    /// shortest description reads back bit-identical (no double rounding through Double).
    public mutating func float(_ key: String, in range: ClosedRange<Double>) throws -> Float? {
        guard let d = try double(key, in: range), case .number(let text)? = object[key] else { return nil }
        return Float(text) ?? Float(d)
    }

    public mutating func bool(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let b) = value else { throw LineProblem("'\(key)' must be true or false, got \(value.excerpt)") }
        return b
    }

    public mutating func array(_ key: String) throws -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { throw LineProblem("'\(key)' must be an array, got \(value.excerpt)") }
        return items
    }

    public mutating func object(_ key: String) throws -> JSONObject? {
        guard let value = value(key) else { return nil }
        guard case .object(let o) = value else { throw LineProblem("'\(key)' must be an object, got \(value.excerpt)") }
        return o
    }

    /// An array of integers in `range`; the error names the element's position.
    public mutating func intArray(_ key: String, in range: ClosedRange<Int>) throws -> [Int]? {
        guard let items = try array(key) else { return nil }
        var result: [Int] = []
        result.reserveCapacity(items.count)
        for (position, item) in items.enumerated() {
            // The common case (a plain in-range integer) without building a reader per element.
            if case .number(let text) = item, let n = Int(text), range.contains(n) {
                result.append(n)
                continue
            }
            let name = "\(key)[\(position)]"
            var single = FieldReader(object: [name: item])
            guard let n = try single.int(name, in: range) else {
                throw LineProblem("'\(name)' must be \(Self.describe(range)), got null")
            }
            result.append(n)
        }
        return result
    }

    static func describe(_ range: ClosedRange<Int>) -> String {
        if range.lowerBound == 1 && range.upperBound == Int.max { return "a positive integer" }
        if range.lowerBound == 0 && range.upperBound == Int.max { return "a non-negative integer" }
        if range.lowerBound == 1 { return "a positive integer (at most \(range.upperBound))" }
        return "an integer between \(range.lowerBound) and \(range.upperBound)"
    }
}
