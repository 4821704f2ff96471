import Foundation

extension Tokenizer {
    /// Loads a llama2.c tokenizer file (`tokenizer.bin`, `tok512.bin`): an int32 max piece length,
    /// then per id a float32 score, an int32 byte length and the piece bytes, all little-endian.
    ///
    /// The pieces are normalised the way llama.cpp's `convert-llama2c-to-ggml` does, so the result
    /// equals the tokenizer read from the matching GGUF: ' ' becomes '▁', the stored "\n<s>\n" and
    /// "\n</s>\n" become `<s>`/`</s>` (BOS 1, EOS 2, control), id 0 is `<unk>`, `<0xXX>` are bytes.
    public static func llama2c(path: String, vocabSize: Int) throws -> Tokenizer {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError.unreadable(path: path, reason: "no such file or not readable")
        }
        return try llama2c(bytes: [UInt8](data), vocabSize: vocabSize, name: path)
    }

    /// Same as `llama2c(path:vocabSize:)` for bytes already in memory; `name` appears in errors.
    public static func llama2c(bytes: [UInt8], vocabSize: Int, name: String = "tokenizer") throws -> Tokenizer {
        guard vocabSize >= 3 else { throw TokenizerError.invalid("vocab size \(vocabSize) is too small") }
        var offset = 0
        func readUInt32() throws -> UInt32 {
            guard bytes.count - offset >= 4 else {
                throw TokenizerError.unreadable(path: name, reason: "file ends at byte \(offset), inside a header field")
            }
            let v = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
                | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
            offset += 4
            return v
        }
        let maxLength = Int32(bitPattern: try readUInt32())
        guard maxLength > 0 else {
            throw TokenizerError.unreadable(path: name, reason: "max token length \(maxLength) is not positive")
        }
        var tokens: [String] = []
        var scores: [Float] = []
        tokens.reserveCapacity(vocabSize)
        scores.reserveCapacity(vocabSize)
        for id in 0..<vocabSize {
            let score = Float(bitPattern: try readUInt32())
            let length = Int(Int32(bitPattern: try readUInt32()))
            guard length >= 0, length <= bytes.count - offset else {
                throw TokenizerError.unreadable(path: name, reason: "token \(id) has length \(length) but only \(bytes.count - offset) bytes remain")
            }
            let raw = String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
            offset += length
            tokens.append(normalisedPiece(raw, id: id))
            scores.append(score)
        }
        return try Tokenizer(tokens: tokens, scores: scores, types: nil, bosId: 1, eosId: 2, unkId: 0,
                             addBOS: true, addSpacePrefix: true)
    }

    private static func normalisedPiece(_ raw: String, id: Int) -> String {
        if id == 1 || id == 2 {
            let trimmed = raw.trimmingCharacters(in: .newlines)
            if trimmed == "<s>" || trimmed == "</s>" { return trimmed }
        }
        return raw.replacingOccurrences(of: " ", with: "\u{2581}")
    }
}
