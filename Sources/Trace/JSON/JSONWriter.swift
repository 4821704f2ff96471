import Engine

/// Writes `JSONValue`s as compact single-line JSON (no newline inside, so one value = one line of
/// a JSON Lines file). Hand-written instead of JSONSerialization so key order is kept, floats are
/// printed in their shortest round-tripping form and the output is identical on every platform.
public enum JSONWriter {
    public static func serialize(_ value: JSONValue) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    public static func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let text): out += text
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                write(item, into: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (i, pair) in object.pairs.enumerated() {
                if i > 0 { out += ", " }
                writeString(pair.key, into: &out)
                out += ": "
                write(pair.value, into: &out)
            }
            out += "}"
        }
    }

    /// Swift's description of a Double is the shortest text that reads back to the same value;
    /// integral values drop the ".0" so times like `2` read naturally. Callers pass finite values.
    public static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    public static func format(_ value: Float) -> String {
        if value == value.rounded(), abs(value) < 1e7 { return String(Int64(value)) }
        return "\(value)"
    }

    static func writeString(_ s: String, into out: inout String) { JSONQuoting.append(s, to: &out) }
}
