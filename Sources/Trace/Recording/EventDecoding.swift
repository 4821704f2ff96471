import Engine

extension EventCoding {
    /// The result of decoding one trace line.
    public enum Decoded: Equatable {
        case event(EngineEvent)
        /// The writer's closing line: the recording ended cleanly after `eventCount` events.
        case end(eventCount: Int)
        /// An `ev` name this version does not know (a newer minor version may add kinds).
        case unknown(name: String)
        /// A line that is not an engine event but that this version knows (`observed`: a server's
        /// state scraped by `pdscope attach`); replay does not use it.
        case observed
    }

    private static let ids = 0...Int.max
    private static let counts = 0...Int.max
    private static let int32s = Int(Int32.min)...Int(Int32.max)

    /// Decodes one line's fields; problems are thrown as `LineProblem`s naming the field.
    public static func decode(_ f: inout FieldReader) throws -> Decoded {
        let time = try f.requiredDouble("t", in: -1e9...1e12)
        let name = try f.requiredString("ev")
        let kind: EngineEvent.Kind
        switch name {
        case endMarker:
            return .end(eventCount: try f.int("events", in: counts) ?? 0)
        case observedKind:
            return .observed
        case "arrived":
            guard let specObject = try f.object("spec") else { throw LineProblem("missing required field 'spec'") }
            var specFields = FieldReader(object: specObject)
            let spec: RequestSpec
            do { spec = try RequestSpecCoding.decode(&specFields) } catch let p as LineProblem {
                throw LineProblem("in 'spec': \(p.message)")
            }
            kind = .arrived(request: try f.requiredInt("req", in: ids), spec: spec,
                            promptTokens: try f.requiredInt("prompt_tokens", in: counts))
        case "routed":
            let roleName = try f.requiredString("role")
            guard let role = InstanceRole(rawValue: roleName) else {
                throw LineProblem("'role' must be one of \(InstanceRole.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(roleName)\"")
            }
            kind = .routed(request: try f.requiredInt("req", in: ids), instance: try f.requiredInt("inst", in: ids),
                           role: role, reason: try f.requiredString("reason"))
        case "queued":
            kind = .queued(request: try f.requiredInt("req", in: ids), instance: try f.requiredInt("inst", in: ids))
        case "step_start":
            let chunks = try (f.array("prefills") ?? []).enumerated().map { position, value -> PrefillChunk in
                do {
                    var c = try FieldReader(value)
                    return try chunk(&c)
                } catch let p as LineProblem { throw LineProblem("in 'prefills[\(position)]': \(p.message)") }
            }
            kind = .stepStarted(instance: try f.requiredInt("inst", in: ids), step: try f.requiredInt("step", in: counts),
                                decodes: try f.intArray("decodes", in: ids) ?? [], prefills: chunks)
        case "step_end":
            kind = .stepEnded(instance: try f.requiredInt("inst", in: ids), step: try f.requiredInt("step", in: counts),
                              duration: try f.requiredDouble("duration", in: 0...1e9),
                              offCPU: try f.double("off_cpu", in: 0...1e9) ?? 0)
        case "prefill_start":
            kind = .prefillChunkStarted(instance: try f.requiredInt("inst", in: ids), chunk: try chunk(&f))
        case "prefill_end":
            kind = .prefillChunkEnded(instance: try f.requiredInt("inst", in: ids), chunk: try chunk(&f))
        case "wait_remote_kv":
            kind = .waitingForRemoteKV(request: try f.requiredInt("req", in: ids), instance: try f.requiredInt("inst", in: ids))
        case "blocks_alloc":
            kind = .blocksAllocated(location: try location(&f, "loc"), request: try f.requiredInt("req", in: ids),
                                    blocks: try blockIDs(&f))
        case "blocks_free":
            kind = .blocksFreed(location: try location(&f, "loc"), request: try f.requiredInt("req", in: ids),
                                blocks: try blockIDs(&f))
        case "kv_start", "kv_end":
            let transfer = try f.requiredInt("xfer", in: ids), request = try f.requiredInt("req", in: ids)
            let from = try location(&f, "from"), to = try location(&f, "to")
            let blocks = try f.requiredInt("blocks", in: counts), bytes = try f.requiredInt("bytes", in: counts)
            let modeName = try f.requiredString("mode")
            guard let mode = KVTransferMode(rawValue: modeName) else {
                throw LineProblem("'mode' must be one of \(KVTransferMode.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(modeName)\"")
            }
            kind = name == "kv_start"
                ? .kvTransferStarted(transfer: transfer, request: request, from: from, to: to, blocks: blocks, bytes: bytes, mode: mode)
                : .kvTransferEnded(transfer: transfer, request: request, from: from, to: to, blocks: blocks, bytes: bytes, mode: mode)
        case "prefix_hit":
            kind = .prefixCacheHit(request: try f.requiredInt("req", in: ids), blocks: try f.requiredInt("blocks", in: counts),
                                   tokens: try f.requiredInt("tokens", in: counts))
        case "token":
            kind = .tokenEmitted(request: try f.requiredInt("req", in: ids), index: try f.requiredInt("i", in: counts),
                                 token: Int32(try f.requiredInt("token", in: int32s)), text: try f.requiredString("text"))
        case "preempted":
            kind = .preempted(request: try f.requiredInt("req", in: ids), instance: try f.requiredInt("inst", in: ids),
                              reason: try f.requiredString("reason"))
        case "finished":
            let reasonName = try f.requiredString("reason")
            guard let reason = FinishReason(rawValue: reasonName) else {
                throw LineProblem("'reason' must be stop, length or aborted, got \"\(reasonName)\"")
            }
            kind = .finished(request: try f.requiredInt("req", in: ids), reason: reason,
                             outputTokens: try f.requiredInt("output_tokens", in: counts))
        case "rejected":
            kind = .rejected(request: try f.requiredInt("req", in: ids), reason: try f.requiredString("reason"))
        default:
            return .unknown(name: name)
        }
        return .event(EngineEvent(time: time, kind: kind))
    }

    private static func chunk(_ f: inout FieldReader) throws -> PrefillChunk {
        PrefillChunk(request: try f.requiredInt("req", in: ids), startPosition: try f.requiredInt("start", in: counts),
                     tokens: try f.requiredInt("tokens", in: counts), chunkIndex: try f.requiredInt("chunk", in: counts),
                     chunkCount: try f.requiredInt("of", in: counts))
    }

    private static func blockIDs(_ f: inout FieldReader) throws -> [Int32] {
        (try f.intArray("blocks", in: int32s) ?? []).map { Int32($0) }
    }

    private static func location(_ f: inout FieldReader, _ key: String) throws -> KVLocation {
        guard let value = f.value(key) else { throw LineProblem("missing required field '\(key)'") }
        if case .string("store") = value { return .store }
        var single = FieldReader(object: [key: value])
        guard let id = try? single.int(key, in: ids) else {
            throw LineProblem("'\(key)' must be an instance number or \"store\", got \(value.excerpt)")
        }
        return .instance(id)
    }
}
