import Engine
import XCTest

/// Builds hand-timed event sequences for the metrics tests and feeds them to a collector.
public struct EventScript {
    public private(set) var events: [EngineEvent] = []
    private var steps: [InstanceID: Int] = [:]

    public init() {}

    public mutating func add(_ time: Double, _ kind: EngineEvent.Kind) { events.append(EngineEvent(time: time, kind: kind)) }

    public mutating func arrive(_ id: RequestID, at time: Double, prompt: Int, user: String = "u", maxTokens: Int = 16) {
        let spec = RequestSpec(arrivalOffset: time, user: user, prompt: .synthetic(count: prompt, prefixKeys: [], segmentTokens: 0), maxTokens: maxTokens)
        add(time, .arrived(request: id, spec: spec, promptTokens: prompt))
    }

    /// A step from `start` to `end` (duration = end − start) on `instance`. Prefill chunks get chunk
    /// events spanning the step unless `chunkEvents` is false; `tokens` are emitted at `end`;
    /// `offCPU` is the part of the step its thread did not run.
    public mutating func step(_ instance: InstanceID, from start: Double, to end: Double, decodes: [RequestID] = [],
                       prefills: [PrefillChunk] = [], chunkEvents: Bool = true,
                       tokens: [(RequestID, Int)] = [], offCPU: Double = 0) {
        let number = (steps[instance] ?? 0) + 1
        steps[instance] = number
        add(start, .stepStarted(instance: instance, step: number, decodes: decodes, prefills: prefills))
        if chunkEvents { for chunk in prefills { add(start, .prefillChunkStarted(instance: instance, chunk: chunk)) } }
        if chunkEvents { for chunk in prefills { add(end, .prefillChunkEnded(instance: instance, chunk: chunk)) } }
        for (id, index) in tokens { token(id, index, at: end) }
        add(end, .stepEnded(instance: instance, step: number, duration: end - start, offCPU: offCPU))
    }

    public mutating func token(_ id: RequestID, _ index: Int, at time: Double, text: String? = nil) {
        add(time, .tokenEmitted(request: id, index: index, token: Int32(index), text: text ?? "t\(index) "))
    }

    public mutating func finish(_ id: RequestID, at time: Double, outputTokens: Int, reason: FinishReason = .length) {
        add(time, .finished(request: id, reason: reason, outputTokens: outputTokens))
    }

    public mutating func transfer(_ number: Int, _ id: RequestID, from start: Double, to end: Double, bytes: Int, blocks: Int = 4,
                           source: KVLocation = .instance(0), destination: KVLocation = .instance(1)) {
        add(start, .kvTransferStarted(transfer: number, request: id, from: source, to: destination, blocks: blocks, bytes: bytes, mode: .p2p))
        add(end, .kvTransferEnded(transfer: number, request: id, from: source, to: destination, blocks: blocks, bytes: bytes, mode: .p2p))
    }

    public func collector() -> MetricsCollector {
        let collector = MetricsCollector()
        for event in events { collector.receive(event) }
        return collector
    }
}

public func makeChunk(_ id: RequestID, _ start: Int, _ tokens: Int, _ index: Int = 1, of count: Int = 1) -> PrefillChunk {
    PrefillChunk(request: id, startPosition: start, tokens: tokens, chunkIndex: index, chunkCount: count)
}

/// Asserts an optional value equals `expected` within `accuracy`.
public func assertApprox(_ value: Double?, _ expected: Double, accuracy: Double = 1e-9, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    guard let value else { return XCTFail("nil, expected \(expected) \(message)", file: file, line: line) }
    XCTAssertEqual(value, expected, accuracy: accuracy, message, file: file, line: line)
}

/// A histogram percentile is within 0.1 % (three significant digits) plus one microsecond.
public func assertPercentile(_ value: Double?, _ expected: Double, file: StaticString = #filePath, line: UInt = #line) {
    assertApprox(value, expected, accuracy: expected * 1e-3 + 1e-6, "(histogram precision)", file: file, line: line)
}

/// The disaggregated scenario of `MetricsCollectorTests`, shared with the summary tests (TraceTests):
/// #1 prefilled in two chunks on instance 0 (0.5–0.7, 0.8–1.0), first token at 1.0, KV copied
/// 1.0–1.002 (1 MB), decoded on instance 1 with tokens at 1.2, 1.5, 1.6, finished at 1.6 with 4 tokens.
/// #2 arrives at 0.2, one-step prefill on instance 1 (0.3–0.4, no chunk events), one token, stop.
/// #3 arrives at 0.3 and is rejected.
public func disaggregatedScript() -> EventScript {
    var s = EventScript()
    s.arrive(1, at: 0, prompt: 100, user: "alice", maxTokens: 4)
    s.add(0, .routed(request: 1, instance: 0, role: .prefill, reason: "p-first"))
    s.add(0, .queued(request: 1, instance: 0))
    s.arrive(2, at: 0.2, prompt: 10, user: "bob")
    s.arrive(3, at: 0.3, prompt: 9000, user: "carol")
    s.add(0.3, .rejected(request: 3, reason: "prompt longer than the context"))
    s.step(1, from: 0.3, to: 0.4, prefills: [makeChunk(2, 0, 10)], chunkEvents: false, tokens: [(2, 0)])
    s.add(0.4, .prefixCacheHit(request: 2, blocks: 1, tokens: 16))
    s.finish(2, at: 0.4, outputTokens: 1, reason: .stop)
    s.add(0.5, .blocksAllocated(location: .instance(0), request: 1, blocks: [0, 1, 2, 3]))
    s.step(0, from: 0.5, to: 0.7, prefills: [makeChunk(1, 0, 64, 1, of: 2)])
    s.step(0, from: 0.8, to: 1.0, prefills: [makeChunk(1, 64, 36, 2, of: 2)], tokens: [(1, 0)])
    s.add(1.0, .blocksAllocated(location: .instance(1), request: 1, blocks: [5, 6, 7, 8]))
    s.transfer(1, 1, from: 1.0, to: 1.002, bytes: 1_000_000)
    s.add(1.002, .blocksFreed(location: .instance(0), request: 1, blocks: [0, 1, 2, 3]))
    s.step(1, from: 1.1, to: 1.2, decodes: [1], tokens: [(1, 1)])
    s.step(1, from: 1.2, to: 1.5, decodes: [1], tokens: [(1, 2)])
    s.step(1, from: 1.5, to: 1.6, decodes: [1], tokens: [(1, 3)])
    s.finish(1, at: 1.6, outputTokens: 4)
    s.add(1.6, .blocksFreed(location: .instance(1), request: 1, blocks: [5, 6, 7, 8]))
    return s
}
