import Foundation

/// A JSON value whose objects keep their key order, so `--json` output is stable and diffable.
/// Numbers that are not finite (an undefined metric, e.g. the TPOT of a one-token request) are
/// written as `null`, keeping the document valid JSON.
public enum SummaryJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([SummaryJSON])
    case object([(String, SummaryJSON)])

    public static func == (lhs: SummaryJSON, rhs: SummaryJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.number(a), .number(b)): return a == b || (a.isNaN && b.isNaN)
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        default: return false
        }
    }

    /// `nil` and non-finite become `null`.
    static func number(_ value: Double?) -> SummaryJSON {
        guard let value, value.isFinite else { return .null }
        return .number(value)
    }

    static func string(_ value: String?) -> SummaryJSON { value.map { .string($0) } ?? .null }

    static func ints(_ values: [Int]) -> SummaryJSON { .array(values.map { .int($0) }) }

    /// The value of `key` in an object (first match), for tests and scripts in Swift.
    public subscript(key: String) -> SummaryJSON? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    /// Keys of an object in order (empty for other values).
    public var keys: [String] {
        guard case .object(let pairs) = self else { return [] }
        return pairs.map(\.0)
    }

    var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    /// Serialized text: indented two spaces per level when `pretty`, else on one line.
    public func rendered(pretty: Bool = true) -> String {
        var out = ""
        write(to: &out, indent: pretty ? 0 : nil)
        return out
    }

    private func write(to out: inout String, indent: Int?) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .number(let value): out += value.isFinite ? Self.format(value) : "null"
        case .string(let value): Self.quote(value, into: &out)
        case .array(let items):
            // Short lists of scalars (core lists) stay on one line even when pretty.
            let flat = indent != nil && items.count <= 16 && items.allSatisfy(\.isScalar)
            if flat {
                out += "[" + items.map { $0.rendered(pretty: false) }.joined(separator: ", ") + "]"
                return
            }
            writeContainer(open: "[", close: "]", count: items.count, out: &out, indent: indent) { index, out, inner in
                items[index].write(to: &out, indent: inner)
            }
        case .object(let pairs):
            writeContainer(open: "{", close: "}", count: pairs.count, out: &out, indent: indent) { index, out, inner in
                Self.quote(pairs[index].0, into: &out)
                out += inner == nil ? ":" : ": "
                pairs[index].1.write(to: &out, indent: inner)
            }
        }
    }

    private func writeContainer(open: String, close: String, count: Int, out: inout String, indent: Int?,
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

    /// Integral values print without a fraction; others with 12 significant digits, which drops
    /// float noise (0.24999999999999994 → 0.25) and keeps far more precision than any metric has.
    /// `%g` never prints a form JSON rejects for finite values (`1e-05` is valid JSON).
    private static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.12g", value)
    }

    private static func quote(_ text: String, into out: inout String) { JSONQuoting.append(text, to: &out) }
}
