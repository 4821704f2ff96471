import Engine

/// The JSON Lines form of engine events: one flat, readable object per event, e.g.
/// `{"t": 1.234, "ev": "token", "req": 3, "i": 0, "token": 412, "text": "Once"}`.
///
/// | `ev` | case | other keys |
/// | --- | --- | --- |
/// | arrived | arrived | req, prompt_tokens, spec (a workload request object) |
/// | routed | routed | req, inst, role, reason |
/// | queued | queued | req, inst |
/// | step_start | stepStarted | inst, step, decodes [req], prefills [{req, start, tokens, chunk, of}] |
/// | step_end | stepEnded | inst, step, duration (s), off_cpu (s; only when > 0) |
/// | prefill_start / prefill_end | prefillChunkStarted / Ended | inst, req, start, tokens, chunk, of |
/// | wait_remote_kv | waitingForRemoteKV | req, inst |
/// | blocks_alloc / blocks_free | blocksAllocated / Freed | loc, req, blocks [id] |
/// | kv_start / kv_end | kvTransferStarted / Ended | xfer, req, from, to, blocks, bytes, mode |
/// | prefix_hit | prefixCacheHit | req, blocks, tokens |
/// | token | tokenEmitted | req, i, token, text |
/// | preempted | preempted | req, inst, reason |
/// | finished | finished | req, reason, output_tokens |
/// | rejected | rejected | req, reason |
///
/// A KV location (`loc`, `from`, `to`) is an instance number or the string "store".
public enum EventCoding {
    /// The closing line a `TraceWriter` writes on `close()`; its absence means the run was cut short.
    public static let endMarker = "end"
    /// `pdscope attach --record`: one server's scraped state (`inst`, `url`, `role`, `up`, and the
    /// numbers its panel shows, each only when known). Not an engine event; written with
    /// `TraceWriter.receive(line:at:)`, read over by replay.
    public static let observedKind = "observed"

    public static func encode(_ event: EngineEvent) -> JSONObject {
        var o = JSONObject()
        o["t"] = .double(event.time)
        switch event.kind {
        case let .arrived(request, spec, promptTokens):
            o["ev"] = "arrived"; o["req"] = .int(request); o["prompt_tokens"] = .int(promptTokens)
            o["spec"] = .object(RequestSpecCoding.encode(spec))
        case let .routed(request, instance, role, reason):
            o["ev"] = "routed"; o["req"] = .int(request); o["inst"] = .int(instance)
            o["role"] = .string(role.rawValue); o["reason"] = .string(reason)
        case let .queued(request, instance):
            o["ev"] = "queued"; o["req"] = .int(request); o["inst"] = .int(instance)
        case let .stepStarted(instance, step, decodes, prefills):
            o["ev"] = "step_start"; o["inst"] = .int(instance); o["step"] = .int(step)
            o["decodes"] = .array(decodes.map { .int($0) })
            o["prefills"] = .array(prefills.map { chunk in
                var c = JSONObject()
                put(chunk, into: &c)
                return .object(c)
            })
        case let .stepEnded(instance, step, duration, offCPU):
            o["ev"] = "step_end"; o["inst"] = .int(instance); o["step"] = .int(step); o["duration"] = .double(duration)
            if offCPU > 0 { o["off_cpu"] = .double(offCPU) }
        case let .prefillChunkStarted(instance, chunk):
            o["ev"] = "prefill_start"; o["inst"] = .int(instance); put(chunk, into: &o)
        case let .prefillChunkEnded(instance, chunk):
            o["ev"] = "prefill_end"; o["inst"] = .int(instance); put(chunk, into: &o)
        case let .waitingForRemoteKV(request, instance):
            o["ev"] = "wait_remote_kv"; o["req"] = .int(request); o["inst"] = .int(instance)
        case let .blocksAllocated(location, request, blocks):
            o["ev"] = "blocks_alloc"; o["loc"] = encode(location); o["req"] = .int(request)
            o["blocks"] = .array(blocks.map { .int(Int($0)) })
        case let .blocksFreed(location, request, blocks):
            o["ev"] = "blocks_free"; o["loc"] = encode(location); o["req"] = .int(request)
            o["blocks"] = .array(blocks.map { .int(Int($0)) })
        case let .kvTransferStarted(transfer, request, from, to, blocks, bytes, mode):
            o["ev"] = "kv_start"
            putTransfer(transfer, request, from, to, blocks, bytes, mode, into: &o)
        case let .kvTransferEnded(transfer, request, from, to, blocks, bytes, mode):
            o["ev"] = "kv_end"
            putTransfer(transfer, request, from, to, blocks, bytes, mode, into: &o)
        case let .prefixCacheHit(request, blocks, tokens):
            o["ev"] = "prefix_hit"; o["req"] = .int(request); o["blocks"] = .int(blocks); o["tokens"] = .int(tokens)
        case let .tokenEmitted(request, index, token, text):
            o["ev"] = "token"; o["req"] = .int(request); o["i"] = .int(index)
            o["token"] = .int(Int(token)); o["text"] = .string(text)
        case let .preempted(request, instance, reason):
            o["ev"] = "preempted"; o["req"] = .int(request); o["inst"] = .int(instance); o["reason"] = .string(reason)
        case let .finished(request, reason, outputTokens):
            o["ev"] = "finished"; o["req"] = .int(request); o["reason"] = .string(reason.rawValue)
            o["output_tokens"] = .int(outputTokens)
        case let .rejected(request, reason):
            o["ev"] = "rejected"; o["req"] = .int(request); o["reason"] = .string(reason)
        }
        return o
    }

    /// One line of text (without the newline) for `event`.
    public static func line(for event: EngineEvent) -> String {
        JSONWriter.serialize(.object(encode(event)))
    }

    static func encode(_ location: KVLocation) -> JSONValue {
        switch location {
        case .instance(let id): return .int(id)
        case .store: return .string("store")
        }
    }

    private static func put(_ chunk: PrefillChunk, into o: inout JSONObject) {
        o["req"] = .int(chunk.request); o["start"] = .int(chunk.startPosition); o["tokens"] = .int(chunk.tokens)
        o["chunk"] = .int(chunk.chunkIndex); o["of"] = .int(chunk.chunkCount)
    }

    private static func putTransfer(_ transfer: Int, _ request: RequestID, _ from: KVLocation, _ to: KVLocation,
                                    _ blocks: Int, _ bytes: Int, _ mode: KVTransferMode, into o: inout JSONObject) {
        o["xfer"] = .int(transfer); o["req"] = .int(request); o["from"] = encode(from); o["to"] = encode(to)
        o["blocks"] = .int(blocks); o["bytes"] = .int(bytes); o["mode"] = .string(mode.rawValue)
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}
