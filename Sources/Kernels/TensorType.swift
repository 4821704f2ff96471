/// The element encodings a weight tensor can have, numbered as in ggml (`enum ggml_type`).
public enum TensorType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q8_0 = 8

    /// Elements per block (quantized types store fixed-size blocks along a row).
    public var blockSize: Int {
        switch self {
        case .f32, .f16: return 1
        case .q4_0, .q4_1, .q8_0: return 32
        }
    }

    /// Bytes per block: Q8_0 = fp16 scale + 32 int8 = 34; Q4_0 = fp16 scale + 16 bytes of nibbles = 18;
    /// Q4_1 = fp16 scale + fp16 minimum + 16 bytes of nibbles = 20.
    public var blockBytes: Int {
        switch self {
        case .f32: return 4
        case .f16: return 2
        case .q4_0: return 18
        case .q4_1: return 20
        case .q8_0: return 34
        }
    }

    /// Bytes of `count` elements, or nil when `count` is not a whole number of blocks.
    public func byteCount(elements count: Int) -> Int? {
        guard count >= 0, count % blockSize == 0 else { return nil }
        let (bytes, overflow) = (count / blockSize).multipliedReportingOverflow(by: blockBytes)
        return overflow ? nil : bytes
    }

    public var description: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .q4_0: return "Q4_0"
        case .q4_1: return "Q4_1"
        case .q8_0: return "Q8_0"
        }
    }

    /// Parses `f32`, `F16`, `q8_0`, `Q4_0`, ...
    public init?(name: String) {
        guard let t = TensorType.allCases.first(where: { $0.description.lowercased() == name.lowercased() })
        else { return nil }
        self = t
    }
}
