import CKernels
import Foundation

/// The element type of a KV cache, as llama.cpp's `--cache-type-k/-v`: IEEE half (its default
/// and ours: half the bytes, and decode over long contexts is bound by reading them) or float
/// (what llama.cpp's `type_k=0` golden runs use, so greedy output can be compared token for token).
public enum KVCacheType: String, CaseIterable, Sendable, Hashable {
    case f16, f32

    public var bytesPerElement: Int { self == .f16 ? 2 : 4 }
    var code: Int32 { self == .f16 ? Int32(PD_KV_F16) : Int32(PD_KV_F32) }

    /// Element `index` of a row of this type, as a float.
    @inline(__always)
    public func load(_ row: UnsafeRawPointer, _ index: Int) -> Float {
        switch self {
        case .f16: return float(fromHalfBits: row.load(fromByteOffset: 2 * index, as: UInt16.self))
        case .f32: return row.load(fromByteOffset: 4 * index, as: Float.self)
        }
    }
}

/// Where one sequence's cached K and V for one layer live: the layer's K and V base pointer of
/// each of its blocks, in position order (position p is row p % blockSize of block p / blockSize).
public struct PagedKV {
    public var keyBlocks: [UnsafeRawPointer]
    public var valueBlocks: [UnsafeRawPointer]
    public var type: KVCacheType
    public var blockSize: Int
    /// Elements from one position's row to the next inside a block (the KV width).
    public var rowStride: Int
    public init(keyBlocks: [UnsafeRawPointer], valueBlocks: [UnsafeRawPointer], type: KVCacheType, blockSize: Int, rowStride: Int) {
        self.keyBlocks = keyBlocks; self.valueBlocks = valueBlocks; self.type = type
        self.blockSize = blockSize; self.rowStride = rowStride
    }
}

extension Ops {
    /// Positions per attention segment: attention is an online softmax over fixed segments of
    /// absolute positions, so its scratch is one segment per row whatever the context length.
    public static let attentionSplit = Int(PD_ATTENTION_SPLIT)

    /// Floats of `scores` scratch that attention of `rows` rows seeing up to `count` positions needs.
    public static func attentionScratch(rows: Int, count: Int) -> Int { rows * min(count, attentionSplit) }

    /// out[0..<headDim] = softmax(q·k_p · scale for p < count) · v_p, reading the head's slice at
    /// `offset` of each cached row. `scores` must hold `attentionScratch(rows: 1, count: count)`
    /// floats. The result is bitwise that row's in any `attentionTile`.
    public static func attentionHead(q: UnsafePointer<Float>, kv: PagedKV, offset: Int, headDim: Int, count: Int,
                                     scale: Float, scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        kv.keyBlocks.withUnsafeBufferPointer { kb in
            kv.valueBlocks.withUnsafeBufferPointer { vb in
                kb.baseAddress!.withMemoryRebound(to: UnsafeRawPointer?.self, capacity: kb.count) { k in
                    vb.baseAddress!.withMemoryRebound(to: UnsafeRawPointer?.self, capacity: vb.count) { v in
                        pd_attention_head(q, kv.type.code, k, v, Int64(offset), Int64(kv.blockSize), Int64(kv.rowStride),
                                          Int64(headDim), Int64(count), scale, scores, out)
                    }
                }
            }
        }
    }
}

extension Reference {
    /// The plain twin of `Ops.attentionHead`: llama2.c's attention loop through a block list
    /// (each element widened to float as it is read).
    public static func attentionHead(q: UnsafePointer<Float>, kv: PagedKV, offset: Int, headDim: Int, count: Int,
                                     scale: Float, scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        func row(_ blocks: [UnsafeRawPointer], _ p: Int) -> UnsafeRawPointer {
            blocks[p / kv.blockSize] + ((p % kv.blockSize) * kv.rowStride + offset) * kv.type.bytesPerElement
        }
        for p in 0..<count {
            let k = row(kv.keyBlocks, p)
            var s: Float = 0
            for i in 0..<headDim { s += q[i] * kv.type.load(k, i) }
            scores[p] = s * scale
        }
        softmax(scores, count: count)
        for i in 0..<headDim { out[i] = 0 }
        for p in 0..<count {
            let v = row(kv.valueBlocks, p)
            for i in 0..<headDim { out[i] += scores[p] * kv.type.load(v, i) }
        }
    }
}

extension Ops {
    /// `attentionHead` for `rows` consecutive query rows of one sequence and head (row r at
    /// q + r·qStride, seeing counts[r] positions, counts non-decreasing), streaming K and V
    /// once per segment for the whole tile. `scores` must hold
    /// `attentionScratch(rows: counts.count, count: counts.last!)` floats.
    public static func attentionTile(q: UnsafePointer<Float>, qStride: Int, counts: [Int], kv: PagedKV, offset: Int,
                                     headDim: Int, scale: Float, scores: UnsafeMutablePointer<Float>,
                                     out: UnsafeMutablePointer<Float>, outStride: Int) {
        precondition(MemoryLayout<Int>.size == MemoryLayout<Int64>.size)  // counts are passed as int64_t without a copy
        counts.withUnsafeBufferPointer { countBuffer in
        countBuffer.baseAddress!.withMemoryRebound(to: Int64.self, capacity: counts.count) { counts64 in
        kv.keyBlocks.withUnsafeBufferPointer { kb in
            kv.valueBlocks.withUnsafeBufferPointer { vb in
                kb.baseAddress!.withMemoryRebound(to: UnsafeRawPointer?.self, capacity: kb.count) { k in
                    vb.baseAddress!.withMemoryRebound(to: UnsafeRawPointer?.self, capacity: vb.count) { v in
                        pd_attention_tile(q, Int64(qStride), Int64(counts.count), counts64, kv.type.code, k, v, Int64(offset),
                                          Int64(kv.blockSize), Int64(kv.rowStride), Int64(headDim), scale,
                                          scores, out, Int64(outStride))
                    }
                }
            }
        }
        }
        }
    }
}
