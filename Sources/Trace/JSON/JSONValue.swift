/// A parsed JSON value, as pdscope's line-oriented files need it.
///
/// Numbers keep their literal text so that integers are read exactly (a 64-bit seed survives,
/// `1e30` is recognisably "not an Int") and so that NaN or infinity can never appear: JSON has no
/// literal for them. Objects keep their key order so files written and read back look the same.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number's literal text, exactly as it appeared (validated JSON number syntax).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A short name of the value's type for error messages ("a string", "an array", ...).
    public var typeDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// The value as it would be written, shortened for error messages.
    public var excerpt: String {
        let text = JSONWriter.serialize(self)
        return text.count > 40 ? String(text.prefix(37)) + "..." : text
    }

    public static func int(_ value: Int) -> JSONValue { .number(String(value)) }
    public static func uint64(_ value: UInt64) -> JSONValue { .number(String(value)) }
    /// A finite double; non-finite values become `null` because JSON cannot hold them.
    public static func double(_ value: Double) -> JSONValue {
        value.isFinite ? .number(JSONWriter.format(value)) : .null
    }
    public static func float(_ value: Float) -> JSONValue {
        value.isFinite ? .number(JSONWriter.format(value)) : .null
    }
}

/// A JSON object with its keys in their original order. Duplicate keys are rejected by the
/// parser, so lookup by key is unambiguous.
public struct JSONObject: Equatable, Sendable, ExpressibleByDictionaryLiteral {
    public private(set) var keys: [String] = []
    private var values: [String: JSONValue] = [:]

    public init() {}
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { self[key] = value }
    }

    /// Setting a value for a new key appends it; setting `nil` removes it.
    public subscript(key: String) -> JSONValue? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Keys with their values, in order.
    public var pairs: [(key: String, value: JSONValue)] { keys.map { ($0, values[$0]!) } }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool { lhs.values == rhs.values }
}
