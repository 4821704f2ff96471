import Foundation

/// JSON for people and scripts (`--json` run summaries), as opposed to `JSONWriter`'s one value
/// per line of a JSON Lines file: indented two spaces per level when `pretty`, else compact with
/// no spaces at all. Short lists of scalars (core lists) stay on one line even when pretty.
public enum JSONDocument {
    public static func render(_ value: JSONValue, pretty: Bool = true) -> String {
        var out = ""
        write(value, to: &out, indent: pretty ? 0 : nil)
        return out
    }

    private static func write(_ value: JSONValue, to out: inout String, indent: Int?) {
        switch value {
        case .null, .bool, .number, .string: JSONWriter.write(value, into: &out)
        case .array(let items):
            if indent != nil && items.count <= 16 && items.allSatisfy(\.isScalar) {
                out += "[" + items.map { render($0, pretty: false) }.joined(separator: ", ") + "]"
                return
            }
            writeContainer(open: "[", close: "]", count: items.count, out: &out, indent: indent) { index, out, inner in
                write(items[index], to: &out, indent: inner)
            }
        case .object(let object):
            let pairs = object.pairs
            writeContainer(open: "{", close: "}", count: pairs.count, out: &out, indent: indent) { index, out, inner in
                JSONQuoting.append(pairs[index].key, to: &out)
                out += inner == nil ? ":" : ": "
                write(pairs[index].value, to: &out, indent: inner)
            }
        }
    }

    private static func writeContainer(open: String, close: String, count: Int, out: inout String, indent: Int?,
                                       element: (Int, inout String, Int?) -> Void) {
        out += open
        guard count > 0 else { out += close; return }
        let inner = indent.map { $0 + 2 }
        for index in 0..<count {
            if index > 0 { out += "," }
            if let inner { out += "\n" + String(repeating: " ", count: inner) }
            element(index, &out, inner)
        }
        if let indent { out += "\n" + String(repeating: " ", count: indent) }
        out += close
    }
}

extension JSONValue {
    /// A measured value for a summary: `nil` and non-finite become `null`; integral values print
    /// without a fraction, others with 12 significant digits, which drops float noise
    /// (0.24999999999999994 → 0.25) and keeps far more precision than any metric has. `%g` never
    /// prints a form JSON rejects for finite values (`1e-05` is valid JSON).
    public static func rounded(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        if value == value.rounded(), abs(value) < 1e15 { return .number(String(Int64(value))) }
        return .number(String(format: "%.12g", value))
    }

    /// `nil` becomes `null`.
    public static func string(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }

    public static func ints(_ values: [Int]) -> JSONValue { .array(values.map { .int($0) }) }

    /// An object with `pairs` in this order.
    public static func object(_ pairs: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(pairs)) }

    /// The value of `key` when this is an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    /// An object's keys in order (empty for other values).
    public var keys: [String] {
        guard case .object(let object) = self else { return [] }
        return object.keys
    }

    var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }
}

extension JSONObject {
    /// An object with `pairs` in this order (a repeated key keeps its first place, last value).
    public init(_ pairs: [(String, JSONValue)]) {
        self.init()
        for (key, value) in pairs { self[key] = value }
    }
}
