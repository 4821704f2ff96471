import Engine
import Foundation

/// Exports engine events in the Chrome trace event format, for chrome://tracing, Perfetto or
/// speedscope.
///
/// Tracks (process → thread):
/// - "instances" → one thread per instance: a complete ("X") span per step (its batch in args),
///   with that step's prefill chunks as nested spans;
/// - "KV transfers" → one thread per source (instance or the shared store): a span per copy.
///   Transfers run beside steps rather than inside them, so sharing the instance's thread would
///   break the viewers' span nesting;
/// - "users" → one thread per user: an instant ("i") event for each token, named "first token"
///   for index 0 with the TTFT in args, and an async span per request from arrival to finish.
/// Spans still open when the events end (a truncated trace) are closed at the last event time
/// and marked `"unfinished": true`.
public enum ChromeTraceExporter {
    static let instancesPID = 1, transfersPID = 2, usersPID = 3
    /// The thread of the shared store on the transfers track (instances use their own number).
    static let storeTID = 1_000_000

    public static func export(events: [EngineEvent]) -> Data {
        var builder = Builder()
        for event in events { builder.add(event) }
        builder.closeOpenSpans()
        var out = "{\"traceEvents\": [\n"
        out += builder.output.map { JSONWriter.serialize(.object($0)) }.joined(separator: ",\n")
        out += "\n], \"displayTimeUnit\": \"ms\"}\n"
        return Data(out.utf8)
    }

    /// Writes `export(events:)` to a file.
    public static func write(events: [EngineEvent], to path: String) throws {
        do { try export(events: events).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw FileFormatError(path: path, line: nil, message: "cannot write: \(error.localizedDescription)")
        }
    }

    static func microseconds(_ seconds: Double) -> JSONValue {
        .double((seconds * 1_000_000 * 1000).rounded() / 1000)
    }

    private struct Builder {
        var output: [JSONObject] = []
        var lastTime = 0.0
        var steps: [String: (time: Double, name: String, args: JSONObject, tid: Int)] = [:]
        var chunks: [String: (time: Double, name: String, args: JSONObject, tid: Int)] = [:]
        var transfers: [Int: (time: Double, name: String, args: JSONObject, tid: Int)] = [:]
        var namedThreads: Set<String> = []
        var userThreads: [String: Int] = [:]
        var requests: [RequestID: (user: String, arrival: Double)] = [:]
        var openRequests: Set<RequestID> = []

        mutating func add(_ event: EngineEvent) {
            let t = event.time
            lastTime = max(lastTime, t)
            switch event.kind {
            case let .arrived(request, spec, promptTokens):
                requests[request] = (spec.user, t)
                let tid = userThread(spec.user)
                openRequests.insert(request)
                output.append(["name": .string("request \(request)"), "cat": "request", "ph": "b", "id": .int(request),
                               "pid": .int(usersPID), "tid": .int(tid), "ts": microseconds(t),
                               "args": .object(["prompt_tokens": .int(promptTokens), "max_tokens": .int(spec.maxTokens)])])
            case let .stepStarted(instance, step, decodes, prefills):
                let kind = decodes.isEmpty ? "prefill" : (prefills.isEmpty ? "decode" : "prefill+decode")
                let args: JSONObject = ["step": .int(step), "batch": .int(decodes.count + prefills.count),
                                        "decodes": .int(decodes.count),
                                        "prefill_tokens": .int(prefills.reduce(0) { $0 + $1.tokens })]
                steps["\(instance)/\(step)"] = (t, kind, args, instanceThread(instance))
            case let .stepEnded(instance, step, duration, _):
                let key = "\(instance)/\(step)"
                var open = steps.removeValue(forKey: key)
                    ?? (t - duration, "step", ["step": .int(step)], instanceThread(instance))
                open.args["compute_ms"] = .double((duration * 1e6).rounded() / 1e3)
                span(open, end: t, pid: instancesPID)
            case let .prefillChunkStarted(instance, chunk):
                let args: JSONObject = ["req": .int(chunk.request), "start": .int(chunk.startPosition), "tokens": .int(chunk.tokens)]
                chunks[chunkKey(instance, chunk)] = (t, "prefill r\(chunk.request) \(chunk.chunkIndex)/\(chunk.chunkCount)", args, instanceThread(instance))
            case let .prefillChunkEnded(instance, chunk):
                if let open = chunks.removeValue(forKey: chunkKey(instance, chunk)) { span(open, end: t, pid: instancesPID) }
            case let .kvTransferStarted(transfer, request, from, to, blocks, bytes, mode):
                let args: JSONObject = ["req": .int(request), "blocks": .int(blocks), "bytes": .int(bytes), "mode": .string(mode.rawValue)]
                transfers[transfer] = (t, "KV r\(request) \(name(from))→\(name(to))", args, transferThread(from))
            case let .kvTransferEnded(transfer, _, _, _, _, _, _):
                if let open = transfers.removeValue(forKey: transfer) { span(open, end: t, pid: transfersPID) }
            case let .tokenEmitted(request, index, _, text):
                guard let owner = requests[request] else { return }
                var args: JSONObject = ["req": .int(request), "i": .int(index), "text": .string(text)]
                if index == 0 { args["ttft_ms"] = .double(((t - owner.arrival) * 1e6).rounded() / 1e3) }
                output.append(["name": .string(index == 0 ? "first token" : "token"), "ph": "i", "s": "t",
                               "pid": .int(usersPID), "tid": .int(userThread(owner.user)), "ts": microseconds(t), "args": .object(args)])
            case let .finished(request, reason, _):
                endRequest(request, at: t, reason: reason.rawValue)
            case let .rejected(request, reason):
                endRequest(request, at: t, reason: "rejected: \(reason)")
            default:
                break
            }
        }

        mutating func closeOpenSpans() {
            for open in steps.values.sorted(by: { $0.time < $1.time }) { span(open, end: lastTime, pid: instancesPID, unfinished: true) }
            for open in chunks.values.sorted(by: { $0.time < $1.time }) { span(open, end: lastTime, pid: instancesPID, unfinished: true) }
            for open in transfers.values.sorted(by: { $0.time < $1.time }) { span(open, end: lastTime, pid: transfersPID, unfinished: true) }
            for request in openRequests.sorted() { endRequest(request, at: lastTime, reason: "unfinished") }
            steps = [:]; chunks = [:]; transfers = [:]
        }

        private mutating func span(_ open: (time: Double, name: String, args: JSONObject, tid: Int), end: Double,
                                   pid: Int, unfinished: Bool = false) {
            var args = open.args
            if unfinished { args["unfinished"] = .bool(true) }
            output.append(["name": .string(open.name), "ph": "X", "pid": .int(pid), "tid": .int(open.tid),
                           "ts": microseconds(open.time), "dur": microseconds(max(0, end - open.time)), "args": .object(args)])
        }

        private mutating func endRequest(_ request: RequestID, at t: Double, reason: String) {
            guard openRequests.remove(request) != nil, let owner = requests[request] else { return }
            output.append(["name": .string("request \(request)"), "cat": "request", "ph": "e", "id": .int(request),
                           "pid": .int(usersPID), "tid": .int(userThread(owner.user)), "ts": microseconds(t),
                           "args": .object(["end": .string(reason)])])
        }

        private func chunkKey(_ instance: InstanceID, _ chunk: PrefillChunk) -> String {
            "\(instance)/\(chunk.request)/\(chunk.chunkIndex)"
        }

        private func name(_ location: KVLocation) -> String {
            switch location {
            case .instance(let id): return "i\(id)"
            case .store: return "store"
            }
        }

        private mutating func instanceThread(_ instance: InstanceID) -> Int {
            nameThread(pid: instancesPID, processName: "instances", tid: instance, name: "instance \(instance)")
        }

        private mutating func transferThread(_ from: KVLocation) -> Int {
            switch from {
            case .instance(let id): return nameThread(pid: transfersPID, processName: "KV transfers", tid: id, name: "from instance \(id)")
            case .store: return nameThread(pid: transfersPID, processName: "KV transfers", tid: storeTID, name: "from KV store")
            }
        }

        private mutating func userThread(_ user: String) -> Int {
            if let tid = userThreads[user] { return tid }
            let tid = userThreads.count
            userThreads[user] = tid
            return nameThread(pid: usersPID, processName: "users", tid: tid, name: user)
        }

        /// Emits the metadata naming a process and thread the first time each is used.
        private mutating func nameThread(pid: Int, processName: String, tid: Int, name: String) -> Int {
            if namedThreads.insert("p\(pid)").inserted {
                output.append(["name": "process_name", "ph": "M", "pid": .int(pid), "args": .object(["name": .string(processName)])])
            }
            if namedThreads.insert("t\(pid)/\(tid)").inserted {
                output.append(["name": "thread_name", "ph": "M", "pid": .int(pid), "tid": .int(tid), "args": .object(["name": .string(name)])])
            }
            return tid
        }
    }
}
