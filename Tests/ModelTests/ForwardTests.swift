import Foundation
import Kernels
import XCTest
@testable import Model

/// The forward pass against llama2.c's published output, and its paged-KV invariants:
/// chunking, batching and block placement must not change the logits.
final class ForwardTests: XCTestCase {
    /// Logit differences allowed between two schedules of the same computation (float reordering).
    let logitTolerance: Float = 1e-4

    func loadStories(_ file: String = "stories260K-f32.gguf") throws -> LlamaModel {
        try LlamaModel(path: try GGUFTestSupport.sharedModel(file))
    }

    /// Greedy generation with a single contiguous block table.
    func greedy(_ model: LlamaModel, prompt: String, newTokens: Int) -> [Int32] {
        let layout = model.kvLayout()
        let blocks = layout.blocksNeeded(tokens: model.config.contextLength)
        let arena = KVArena(layout: layout, blockCount: blocks)
        let table = (0..<blocks).map { Int32($0) }
        let ctx = ForwardContext(model: model)
        var tokens = model.tokenizer.encode(prompt, addBOS: true)
        var logits = ctx.prefill(tokens: tokens, startPosition: 0, blockTable: table, kv: arena)
        for _ in 0..<newTokens {
            let next = Sampler.argmax(logits.withUnsafeBufferPointer { $0 })
            if next == model.tokenizer.bosId || next == model.tokenizer.eosId { break }
            tokens.append(next)
            logits = ctx.decode([DecodeInput(token: next, position: tokens.count - 1, blockTable: table)], kv: arena)[0]
        }
        return tokens
    }

    func testStories260KMatchesLlama2cSample() throws {
        let model = try loadStories()
        let text = model.tokenizer.decode(greedy(model, prompt: "Once upon a time", newTokens: 196))
        let expectedStart = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high."
        XCTAssertTrue(text.hasPrefix(expectedStart), "got: \(text)")
    }

    func testChunkedPrefillEqualsUnsplitPrefill() throws {
        let model = try loadStories()
        let tokens = model.tokenizer.encode("Once upon a time, there was a little dog who liked to run in the sun with his friends.", addBOS: true)
        let layout = model.kvLayout(blockSize: 4)
        let table = (0..<layout.blocksNeeded(tokens: tokens.count)).map { Int32($0) }
        let ctx = ForwardContext(model: model)
        let whole = ctx.prefill(tokens: tokens, startPosition: 0, blockTable: table, kv: KVArena(layout: layout, blockCount: table.count))
        let arena = KVArena(layout: layout, blockCount: table.count)
        var last: [Float] = []
        var start = 0
        for size in [3, 5, 1, 7, 100] where start < tokens.count {
            let end = min(tokens.count, start + size)
            last = ctx.prefill(tokens: Array(tokens[start..<end]), startPosition: start, blockTable: table, kv: arena)
            start = end
        }
        XCTAssertEqual(whole.count, last.count)
        for i in whole.indices { XCTAssertEqual(whole[i], last[i], accuracy: logitTolerance) }
    }

    func testScatteredBlocksAndBatchedDecodeEqualContiguousSingleDecode() throws {
        let model = try loadStories()
        let prompts = ["Lily had a cat", "The sun was hot and the boy", "Once upon a time"]
        let layout = model.kvLayout(blockSize: 2)
        let arena = KVArena(layout: layout, blockCount: 64)
        // Interleaved, non-contiguous block tables in one shared arena.
        let tables: [[Int32]] = (0..<3).map { s in (0..<20).map { Int32(63 - (3 * $0 + s)) } }
        let ctx = ForwardContext(model: model)
        var batch: [DecodeInput] = []
        var single: [[Float]] = []
        for (s, prompt) in prompts.enumerated() {
            let tokens = model.tokenizer.encode(prompt, addBOS: true)
            let logits = ctx.prefill(tokens: tokens, startPosition: 0, blockTable: tables[s], kv: arena)
            let next = Sampler.argmax(logits.withUnsafeBufferPointer { $0 })
            batch.append(DecodeInput(token: next, position: tokens.count, blockTable: tables[s]))
            // Reference: the same sequence alone, contiguous blocks, its own arena.
            let own = KVArena(layout: layout, blockCount: 20)
            let ownTable = (0..<20).map { Int32($0) }
            _ = ctx.prefill(tokens: tokens, startPosition: 0, blockTable: ownTable, kv: own)
            single.append(ctx.decode([DecodeInput(token: next, position: tokens.count, blockTable: ownTable)], kv: own)[0])
        }
        let batched = ctx.decode(batch, kv: arena)
        for s in 0..<3 {
            for i in 0..<model.config.vocabSize { XCTAssertEqual(batched[s][i], single[s][i], accuracy: logitTolerance) }
        }
    }
}

extension ForwardTests {
    /// The fp16 cache holds half the bytes of the float one and moves the logits only by K/V
    /// rounding (relative 2^-11 per element): the same prompt's last logits agree closely and
    /// pick the same token.
    func testHalfCacheStaysCloseToFloatCache() throws {
        let model = try loadStories()
        let tokens = model.tokenizer.encode(String(repeating: "Once upon a time, there was a little dog who liked to run. ", count: 6), addBOS: true)
        func lastLogits(_ type: KVCacheType) -> [Float] {
            let layout = model.kvLayout(cacheType: type)
            let table = (0..<layout.blocksNeeded(tokens: tokens.count)).map { Int32($0) }
            return ForwardContext(model: model).prefill(tokens: tokens, startPosition: 0, blockTable: table,
                                                        kv: KVArena(layout: layout, blockCount: table.count))
        }
        XCTAssertEqual(model.kvLayout(cacheType: .f32).blockBytes, 2 * model.kvLayout(cacheType: .f16).blockBytes)
        let half = lastLogits(.f16), full = lastLogits(.f32)
        XCTAssertNotEqual(half, full, "the two caches round differently, so some logit must differ")
        let worst = zip(half, full).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst, 0.05, "fp16 K/V moved a logit by \(worst)")
        XCTAssertEqual(Sampler.argmax(half.withUnsafeBufferPointer { $0 }), Sampler.argmax(full.withUnsafeBufferPointer { $0 }))
    }
}
