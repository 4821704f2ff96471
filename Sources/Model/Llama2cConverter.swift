import Foundation
import Kernels

/// Converts a llama2.c v0 float32 checkpoint plus its tokenizer into a llama GGUF, with the same
/// metadata, tensor order and tensor bytes as /work/shared/models/stories260K-*.gguf (which match
/// llama.cpp's convert-llama2c-to-ggml). Matrices are quantized with ggml's reference quantizers;
/// norms stay F32, and a matrix whose rows are not a whole number of blocks stays F32 (with a note).
/// Q and K are not permuted: llama2.c's adjacent-pair RoPE is llama.cpp's normal rope.
public enum Llama2cConverter {
    public static let description = "converted from karpathy/tinyllamas llama2.c checkpoint; "
        + "Q/K not permuted (llama2.c uses adjacent-pair RoPE = llama.cpp NORM rope)"

    /// Returns the file ready to serialize and notes about tensors that kept a wider type.
    public static func convert(checkpoint: String, tokenizer: String,
                               type: TensorType) throws -> (GGUFWriter, [String]) {
        let model = try Llama2cCheckpoint(path: checkpoint)
        let c = model.config
        let vocab = try Llama2cVocabulary(path: tokenizer, vocabSize: c.vocabSize)
        let fileName = checkpoint.split(separator: "/").last.map(String.init) ?? checkpoint
        let stem = fileName.split(separator: ".", omittingEmptySubsequences: false).dropLast().joined(separator: ".")

        var writer = GGUFWriter()
        writer.add("general.architecture", .string("llama"))
        writer.add("general.name", .string(stem.isEmpty ? fileName : stem))
        writer.add("general.description", .string(description))
        c.addMetadata(to: &writer)
        writer.add("general.file_type", .uint32(fileType(type)))
        addTokenizer(vocab, to: &writer)

        var notes: [String] = []
        func matrix(_ name: String, _ array: String, layer: Int = 0, rows: Int, cols: Int) {
            let src = model.floats(array, skip: layer * rows * cols, count: rows * cols)
            var t = type
            if cols % type.blockSize != 0 {
                t = .f32
                notes.append("\(name) stays F32: rows of \(cols) are not a multiple of \(type.blockSize)")
            }
            writer.addTensor(name: name, type: t, shape: [cols, rows], data: encode(src, rows: rows, cols: cols, as: t))
        }
        func norm(_ name: String, _ array: String, layer: Int = 0) {
            let src = model.floats(array, skip: layer * c.dim, count: c.dim)
            writer.addTensor(name: name, type: .f32, shape: [c.dim], data: encode(src, rows: 1, cols: c.dim, as: .f32))
        }

        matrix("token_embd.weight", "token_embedding", rows: c.vocabSize, cols: c.dim)
        norm("output_norm.weight", "rms_final")
        // Written even when tied (a copy of the embedding), as llama.cpp's converter does.
        matrix("output.weight", model.classifierArray, rows: c.vocabSize, cols: c.dim)
        for l in 0..<c.layerCount {
            let p = "blk.\(l)."
            norm(p + "attn_norm.weight", "rms_att", layer: l)
            matrix(p + "attn_q.weight", "wq", layer: l, rows: c.dim, cols: c.dim)
            matrix(p + "attn_k.weight", "wk", layer: l, rows: c.kvDim, cols: c.dim)
            matrix(p + "attn_v.weight", "wv", layer: l, rows: c.kvDim, cols: c.dim)
            matrix(p + "attn_output.weight", "wo", layer: l, rows: c.dim, cols: c.dim)
            norm(p + "ffn_norm.weight", "rms_ffn", layer: l)
            matrix(p + "ffn_gate.weight", "w1", layer: l, rows: c.hiddenDim, cols: c.dim)
            matrix(p + "ffn_up.weight", "w3", layer: l, rows: c.hiddenDim, cols: c.dim)
            matrix(p + "ffn_down.weight", "w2", layer: l, rows: c.dim, cols: c.hiddenDim)
        }
        return (writer, notes)
    }

    /// llama.cpp's `general.file_type` (enum llama_ftype): the type most tensors have.
    public static func fileType(_ type: TensorType) -> UInt32 {
        switch type {
        case .f32: return 0
        case .f16: return 1
        case .q4_0: return 2
        case .q4_1: return 3
        case .q8_0: return 7
        }
    }

    /// SentencePiece-style vocabulary: spaces as U+2581, BOS/EOS under their usual names, token types.
    private static func addTokenizer(_ vocab: Llama2cVocabulary, to writer: inout GGUFWriter) {
        var tokens: [GGUFValue] = [], types: [GGUFValue] = []
        for (id, piece) in vocab.pieces.enumerated() {
            var text = String(decoding: piece, as: UTF8.self).replacingOccurrences(of: " ", with: "\u{2581}")
            if id == 1 { text = "<s>" }
            if id == 2 { text = "</s>" }
            tokens.append(.string(text))
            types.append(.int32(tokenType(id: id, text: text)))
        }
        writer.add("tokenizer.ggml.model", .string("llama"))
        writer.add("tokenizer.ggml.tokens", .array(.string, tokens))
        writer.add("tokenizer.ggml.scores", .array(.float32, vocab.scores.map { .float32($0) }))
        writer.add("tokenizer.ggml.token_type", .array(.int32, types))
        writer.add("tokenizer.ggml.unknown_token_id", .uint32(0))
        writer.add("tokenizer.ggml.bos_token_id", .uint32(1))
        writer.add("tokenizer.ggml.eos_token_id", .uint32(2))
        writer.add("tokenizer.ggml.add_bos_token", .bool(true))
        writer.add("tokenizer.ggml.add_eos_token", .bool(false))
        writer.add("tokenizer.ggml.add_space_prefix", .bool(true))
    }

    /// llama.cpp token types: 1 normal, 2 unknown, 3 control, 6 byte.
    static func tokenType(id: Int, text: String) -> Int32 {
        if id == 0 { return 2 }
        if id == 1 || id == 2 { return 3 }
        let u = Array(text.utf8)
        let isHex = { (b: UInt8) in (48...57).contains(b) || (65...70).contains(b) || (97...102).contains(b) }
        if u.count == 6, u.starts(with: Array("<0x".utf8)), isHex(u[3]), isHex(u[4]), u[5] == UInt8(ascii: ">") {
            return 6
        }
        return 1
    }

    private static func encode(_ src: UnsafePointer<Float>, rows: Int, cols: Int, as type: TensorType) -> [UInt8] {
        let rowBytes = type.byteCount(elements: cols)!
        return [UInt8](unsafeUninitializedCapacity: rows * rowBytes) { out, initialized in
            for r in 0..<rows {
                QuantizeReference.encodeRow(src + r * cols, count: cols, as: type,
                                            into: UnsafeMutableRawPointer(out.baseAddress! + r * rowBytes))
            }
            initialized = rows * rowBytes
        }
    }
}
