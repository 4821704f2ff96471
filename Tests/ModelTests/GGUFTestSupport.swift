import Foundation
import Kernels
import XCTest
@testable import Model

/// Shared helpers for the GGUF, converter and inspector tests.
enum GGUFTestSupport {
    /// `<package root>/../shared/models`, derived from this file's path.
    static var sharedModels: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/models")
    }

    /// Path of a shared model file, or an XCTSkip when the shared folder is absent.
    static func sharedModel(_ file: String) throws -> String {
        let url = sharedModels.appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("shared model \(file) not found at \(url.path); these tests need /work/shared/models")
        }
        return url.path
    }

    /// A tiny but complete llama GGUF (dim 8, 2 heads, 1 KV head, 1 layer, vocab 4) with F32 norms
    /// and matrices of `type`; values are deterministic so tests can check decoded numbers.
    static func tinyLlama(type: TensorType = .f32, omit: String? = nil,
                          reshape: [String: [Int]] = [:]) -> GGUFWriter {
        let dim = 32, hidden = 64, vocab = 4, kvDim = 16
        var w = GGUFWriter()
        w.add("general.architecture", .string("llama"))
        w.add("llama.context_length", .uint32(16))
        w.add("llama.embedding_length", .uint32(UInt32(dim)))
        w.add("llama.block_count", .uint32(1))
        w.add("llama.feed_forward_length", .uint32(UInt32(hidden)))
        w.add("llama.attention.head_count", .uint32(4))
        w.add("llama.attention.head_count_kv", .uint32(2))
        w.add("tokenizer.ggml.tokens", .array(.string, ["<unk>", "<s>", "</s>", "a"].map { .string($0) }))
        func tensor(_ name: String, _ shape: [Int], _ t: TensorType) {
            guard name != omit else { return }
            let shape = reshape[name] ?? shape
            let count = shape.reduce(1, *)
            let floats = (0..<count).map { Float(($0 * 7) % 13) / 13 - 0.5 }
            var bytes = [UInt8](repeating: 0, count: t.byteCount(elements: count) ?? 0)
            if !bytes.isEmpty {
                floats.withUnsafeBufferPointer { src in
                    bytes.withUnsafeMutableBytes { dst in
                        for r in 0..<(count / shape[0]) {
                            QuantizeReference.encodeRow(src.baseAddress! + r * shape[0], count: shape[0], as: t,
                                                        into: dst.baseAddress! + r * t.byteCount(elements: shape[0])!)
                        }
                    }
                }
            }
            w.addTensor(name: name, type: t, shape: shape, data: bytes)
        }
        tensor("token_embd.weight", [dim, vocab], type)
        tensor("output_norm.weight", [dim], .f32)
        tensor("blk.0.attn_norm.weight", [dim], .f32)
        tensor("blk.0.attn_q.weight", [dim, dim], type)
        tensor("blk.0.attn_k.weight", [dim, kvDim], type)
        tensor("blk.0.attn_v.weight", [dim, kvDim], type)
        tensor("blk.0.attn_output.weight", [dim, dim], type)
        tensor("blk.0.ffn_norm.weight", [dim], .f16)
        tensor("blk.0.ffn_gate.weight", [dim, hidden], type)
        tensor("blk.0.ffn_up.weight", [dim, hidden], type)
        tensor("blk.0.ffn_down.weight", [hidden, dim], type)
        return w
    }

    /// Parses `bytes` expecting failure; returns the message (or fails the test and returns "").
    static func parseError(_ bytes: [UInt8], name: String = "broken.gguf",
                           file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try GGUFFile(bytes: bytes, name: name)
            XCTFail("expected a GGUFError", file: file, line: line)
            return ""
        } catch let e as GGUFError {
            XCTAssertFalse(e.message.contains("\n"), "error must be one line: \(e.message)", file: file, line: line)
            XCTAssertTrue(e.message.hasPrefix("\(name): "), "error must name the file: \(e.message)", file: file, line: line)
            return e.message
        } catch {
            XCTFail("unexpected error type \(error)", file: file, line: line)
            return ""
        }
    }
}
