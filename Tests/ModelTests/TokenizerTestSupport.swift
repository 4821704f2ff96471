import Foundation
import XCTest
@testable import Model

/// Shared helpers for the tokenizer tests: where the reference models live, a seeded text
/// generator, and a plain O(n²) encoder that is the spec the fast one is compared against.
enum TokenizerTestSupport {
    /// `<package root>/../shared/models`, derived from this file's path.
    static var modelsDirectory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/models")
    }

    static func modelPath(_ name: String) throws -> String {
        let path = modelsDirectory.appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("reference model \(name) not found at \(path); these tests need /work/shared/models")
        }
        return path
    }

    static func tok512() throws -> Tokenizer {
        try Tokenizer.llama2c(path: try modelPath("tok512.bin"), vocabSize: 512)
    }

    /// llama2.c's `encode` written out literally: rescan all pairs after every merge.
    static func referenceEncode(_ tok: Tokenizer, _ text: String, addBOS: Bool = true) -> [Int32] {
        var ids: [String: Int32] = [:]
        for (i, t) in tok.tokens.enumerated() where tok.kinds[i] == .normal && ids[t] == nil { ids[t] = Int32(i) }
        var out: [Int32] = addBOS ? [tok.bosId] : []
        guard !text.isEmpty else { return out }
        let spaced = (tok.addsSpacePrefix ? " " : "") + text
        var symbols: [Int32] = []
        for ch in spaced.replacingOccurrences(of: " ", with: "\u{2581}").unicodeScalars {
            if let id = ids[String(ch)] {
                symbols.append(id)
            } else {
                for b in String(ch).utf8 {
                    symbols.append(Int32(tok.tokens.firstIndex(of: String(format: "<0x%02X>", b))!))
                }
            }
        }
        while true {
            var best: (score: Float, index: Int, id: Int32)? = nil
            for i in 0..<max(symbols.count - 1, 0) {
                guard let id = ids[tok.tokens[Int(symbols[i])] + tok.tokens[Int(symbols[i + 1])]] else { continue }
                if tok.kinds[Int(symbols[i])] != .normal || tok.kinds[Int(symbols[i + 1])] != .normal { continue }
                if best == nil || tok.scores[Int(id)] > best!.score { best = (tok.scores[Int(id)], i, id) }
            }
            guard let b = best else { break }
            symbols[b.index] = b.id
            symbols.remove(at: b.index + 1)
        }
        out += symbols
        return out
    }

    /// Deterministic pseudo-random texts mixing words, spaces, punctuation, CJK and emoji.
    static func randomTexts(count: Int, maxWords: Int, seed: UInt64) -> [String] {
        let words = ["Once", "upon", "a", "time", "there", "was", "little", "girl", "named", "Lily",
                     "she", "liked", "to", "play", "outside", "the", "big", "tree", ".", ",", "!", "\"",
                     "日本語", "😀", "naïve", "café", "Ωmega", "\n", "  ", "x", "123", "tab\there", "™"]
        var state = seed | 1
        func next() -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(truncatingIfNeeded: state >> 1)
        }
        return (0..<count).map { _ in
            let n = next() % (maxWords + 1)
            return (0..<n).map { _ in words[next() % words.count] }
                .joined(separator: next() % 4 == 0 ? "" : " ")
        }
    }
}
