import Foundation
import Synchronization
import TestSupport
import XCTest
@testable import Model

/// Where the SmolLM2 model and the llama.cpp tokenizer goldens are.
enum TokenizerBPESupport {
    static let smolLM2FileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    /// The cached SmolLM2 file, or a skip saying how to get it.
    static func smolLM2Path() throws -> String { try TestFiles.smolLM2Path() }

    /// The byte-level tokenizer of SmolLM2, read once (the file's metadata only).
    static func smolLM2() throws -> Tokenizer {
        let path = try smolLM2Path()
        if let cached = cache.withLock({ $0 }) { return cached }
        let tok = try Tokenizer(gguf: GGUFFile(path: path))
        cache.withLock { $0 = tok }
        return tok
    }

    private static let cache = Mutex<Tokenizer?>(nil)

    struct Case: Decodable {
        var text: String?
        var hex: String?
        var ids: [Int32]
        var ids_plain: [Int32]
        var detokenized: String

        /// The input's exact bytes.
        var bytes: [UInt8] {
            if let text { return Array(text.utf8) }
            let h = Array(hex ?? "")
            return stride(from: 0, to: h.count, by: 2).map { UInt8(String(h[$0...$0 + 1]), radix: 16)! }
        }

        var label: String { text.map { String($0.prefix(60)).debugDescription } ?? "hex \(hex ?? "")" }
    }

    struct Goldens: Decodable {
        var model: String
        var cases: [Case]
    }

    /// `Benchmarks/goldens/smollm2-tokenizer.json`, made by `Benchmarks/make_tokenizer_goldens.py`.
    static func goldens() throws -> Goldens {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Benchmarks/goldens/smollm2-tokenizer.json")
        return try JSONDecoder().decode(Goldens.self, from: Data(contentsOf: url))
    }
}
