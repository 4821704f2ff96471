import Kernels

/// A llama2.c "v0" (legacy) float32 checkpoint, memory-mapped: a header of 7 little-endian int32
/// (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len), then float32 arrays,
/// matrices row-major as (out, in). A negative vocab_size means the classifier is not shared with
/// the token embedding and is stored last, after the two unused freq_cis tables.
struct Llama2cCheckpoint {
    let config: LlamaConfig
    let sharedClassifier: Bool
    private let storage: GGUFStorage
    /// Float offset of each array, in file order.
    private var offsets: [String: Int] = [:]

    init(path: String) throws {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        storage = try GGUFStorage(mapping: path, name: name)
        var cursor = GGUFByteCursor(base: storage.base, count: storage.count)
        var header: [Int] = []
        for _ in 0..<7 {
            guard let v = cursor.readInteger(as: Int32.self) else {
                throw GGUFError("\(name): truncated: the 28-byte llama2.c header needs more than the \(storage.count) bytes in the file")
            }
            header.append(Int(v))
        }
        if header[0] == 0x616b_3432 {  // "ak42": the newer llama2.c export formats
            throw GGUFError("\(name): a llama2.c version-\(header[1]) export; only the legacy v0 float32 checkpoint is supported")
        }
        let fields = ["dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"]
        for (field, value) in zip(fields, header) where value == 0 || (value < 0 && field != "vocab_size") {
            throw GGUFError("\(name): header field \(field) is \(value), must be positive (is this a llama2.c checkpoint?)")
        }
        sharedClassifier = header[5] > 0
        config = LlamaConfig(dim: header[0], hiddenDim: header[1], layerCount: header[2], headCount: header[3],
                             kvHeadCount: header[4], vocabSize: abs(header[5]), contextLength: header[6])
        do { try config.validate() } catch let e as GGUFError {
            throw GGUFError("\(name): header \(header.map(String.init).joined(separator: " ")) is inconsistent: \(e.message)")
        }
        try layOut(name: name)
    }

    /// Records where each array starts and checks the file has exactly the bytes the header implies.
    private mutating func layOut(name: String) throws {
        let c = config
        let tooLarge = GGUFError("\(name): header sizes are too large")
        // Each factor is at most 2^24, but products of three can overflow: multiply checked.
        func product(_ factors: Int...) throws -> Int {
            try factors.reduce(1) { acc, f in
                let (p, overflow) = acc.multipliedReportingOverflow(by: f)
                if overflow { throw tooLarge }
                return p
            }
        }
        let freqCount = try product(c.contextLength, c.headDim / 2)
        var arrays: [(String, Int)] = [
            ("token_embedding", try product(c.vocabSize, c.dim)),
            ("rms_att", try product(c.layerCount, c.dim)),
            ("wq", try product(c.layerCount, c.dim, c.dim)),
            ("wk", try product(c.layerCount, c.kvDim, c.dim)),
            ("wv", try product(c.layerCount, c.kvDim, c.dim)),
            ("wo", try product(c.layerCount, c.dim, c.dim)),
            ("rms_ffn", try product(c.layerCount, c.dim)),
            ("w1", try product(c.layerCount, c.hiddenDim, c.dim)),
            ("w2", try product(c.layerCount, c.dim, c.hiddenDim)),
            ("w3", try product(c.layerCount, c.hiddenDim, c.dim)),
            ("rms_final", c.dim),
            ("freq_cis_real", freqCount),
            ("freq_cis_imag", freqCount),
        ]
        if !sharedClassifier { arrays.append(("wcls", c.vocabSize * c.dim)) }
        var floatCount = 0
        for (array, count) in arrays {
            offsets[array] = floatCount
            let (sum, overflow) = floatCount.addingReportingOverflow(count)
            guard !overflow else { throw tooLarge }
            floatCount = sum
        }
        let (body, overflow) = floatCount.multipliedReportingOverflow(by: 4)
        guard !overflow, body <= Int.max - 28 else { throw tooLarge }
        let expected = 28 + body
        let shape = "dim \(c.dim), hidden_dim \(c.hiddenDim), n_layers \(c.layerCount), n_heads \(c.headCount), "
            + "n_kv_heads \(c.kvHeadCount), vocab_size \(c.vocabSize), seq_len \(c.contextLength)"
        if storage.count < expected {
            throw GGUFError("\(name): truncated: the header (\(shape)) needs \(expected) bytes, the file has \(storage.count)")
        }
        if storage.count > expected {
            throw GGUFError("\(name): the header (\(shape)) needs \(expected) bytes, but the file has \(storage.count) "
                            + "(not a llama2.c v0 float32 checkpoint?)")
        }
    }

    /// `count` floats of array `array`, starting `skip` floats in.
    func floats(_ array: String, skip: Int = 0, count: Int) -> UnsafePointer<Float> {
        let byteOffset = 28 + (offsets[array]! + skip) * 4
        precondition(byteOffset + count * 4 <= storage.count)
        // The mapping is page aligned and the header is 28 bytes, so every float is 4-byte aligned.
        return (storage.base! + byteOffset).assumingMemoryBound(to: Float.self)
    }

    /// The classifier array: the token embedding when shared.
    var classifierArray: String { sharedClassifier ? "token_embedding" : "wcls" }
}

/// A llama2.c tokenizer file (tokenizer.bin, tok512.bin): int32 max_token_length, then per token
/// a float32 score, an int32 byte length and that many bytes.
struct Llama2cVocabulary {
    let pieces: [[UInt8]]
    let scores: [Float]

    init(path: String, vocabSize: Int) throws {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let storage = try GGUFStorage(mapping: path, name: name)
        var cursor = GGUFByteCursor(base: storage.base, count: storage.count)
        guard let maxLength = cursor.readInteger(as: Int32.self) else {
            throw GGUFError("\(name): truncated: no max_token_length (the file has \(storage.count) bytes)")
        }
        guard maxLength > 0 else { throw GGUFError("\(name): max_token_length is \(maxLength), must be positive") }
        var pieces: [[UInt8]] = [], scores: [Float] = []
        for id in 0..<vocabSize {
            let at = cursor.position
            guard let score = cursor.readFloat(), let length = cursor.readInteger(as: Int32.self) else {
                throw GGUFError("\(name): truncated: token \(id) at byte \(at) is cut off; "
                                + "the checkpoint's vocabulary has \(vocabSize) tokens, the file holds \(id)")
            }
            guard length >= 0 else { throw GGUFError("\(name): token \(id) at byte \(at) has negative length \(length)") }
            guard let bytes = cursor.readBytes(length: UInt64(length)) else {
                throw GGUFError("\(name): token \(id) at byte \(at) has length \(length), "
                                + "but only \(cursor.remaining) bytes remain")
            }
            pieces.append(Array(bytes)); scores.append(score)
        }
        guard cursor.remaining == 0 else {
            throw GGUFError("\(name): \(cursor.remaining) bytes follow the \(vocabSize) tokens the checkpoint expects "
                            + "(tokenizer made for another vocabulary size?)")
        }
        self.pieces = pieces; self.scores = scores
    }
}
