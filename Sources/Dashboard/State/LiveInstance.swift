import Engine

/// What one engine instance is doing now, reduced from step, chunk and transfer events (the
/// engine's own `InstanceStatus` is its snapshot; attach's scraped servers are `ObservedInstance`).
public struct LiveInstance: Sendable {
    /// Window over which busy % is measured.
    static let busyWindow = 2.0
    /// Prefill chunks remembered for stall attribution.
    static let maxChunkHistory = 512

    /// A prefill chunk that ran here, and when it started.
    public struct StartedChunk: Equatable, Sendable {
        public var time: Double
        public var chunk: PrefillChunk
    }

    public let description: InstanceDescription
    /// Cores the engine reports the thread actually ran on (nil until told).
    public internal(set) var observedCores: [Int]?
    /// Its thread runs in the real-time class (`--realtime-decode`).
    public internal(set) var isRealtime = false
    /// The step in progress: its number, decode batch and prefill chunks (nil = no step running).
    public internal(set) var currentStep: (number: Int, decodes: [RequestID], prefills: [PrefillChunk])?
    public internal(set) var stepCount = 0
    public internal(set) var lastStepDuration: Double?
    /// Requests whose KV is being copied out of this instance right now.
    public internal(set) var sendingKV: [RequestID] = []
    public internal(set) var recentChunks: [StartedChunk] = []
    /// (end time, duration) of recent steps, for busy %.
    private var recentSteps: [(end: Double, duration: Double)] = []

    init(description: InstanceDescription) { self.description = description }

    /// "idle", "prefill of #12 chunk 3/8", "decode step, batch 5", both joined, or "sending KV of #9".
    public var activityText: String {
        var parts: [String] = []
        if let step = currentStep {
            parts += step.prefills.map { "prefill of #\($0.request) chunk \($0.chunkIndex)/\($0.chunkCount)" }
            if !step.decodes.isEmpty { parts.append("decode step, batch \(step.decodes.count)") }
        }
        if !sendingKV.isEmpty { parts.append("sending KV of " + sendingKV.map { "#\($0)" }.joined(separator: ",")) }
        return parts.isEmpty ? "idle" : parts.joined(separator: " + ")
    }

    /// Share of the last `busyWindow` seconds (up to `now`) spent inside steps, 0–100.
    public func busyPercent(now: Double) -> Int {
        let start = now - Self.busyWindow
        var busy = 0.0
        for step in recentSteps where step.end > start {
            busy += min(step.duration, step.end - start)
        }
        if currentStep != nil, let begun = stepBegan { busy += max(0, now - max(begun, start)) }
        return Int(min(100, (busy / Self.busyWindow * 100).rounded()))
    }

    var stepBegan: Double?

    mutating func stepStarted(_ number: Int, decodes: [RequestID], prefills: [PrefillChunk], at time: Double) {
        currentStep = (number, decodes, prefills)
        stepBegan = time
        for chunk in prefills { noteChunk(chunk, at: time) }
    }

    mutating func stepEnded(duration: Double, at time: Double) {
        currentStep = nil; stepBegan = nil
        stepCount += 1; lastStepDuration = duration
        recentSteps.append((time, duration))
        if let firstKept = recentSteps.firstIndex(where: { $0.end > time - Self.busyWindow }), firstKept > 0 {
            recentSteps.removeFirst(firstKept)
        }
    }

    /// Records a chunk once even when both `stepStarted` and `prefillChunkStarted` report it.
    mutating func noteChunk(_ chunk: PrefillChunk, at time: Double) {
        if recentChunks.suffix(8).contains(where: { $0.chunk == chunk }) { return }
        recentChunks.append(StartedChunk(time: time, chunk: chunk))
        if recentChunks.count > Self.maxChunkHistory { recentChunks.removeFirst(Self.maxChunkHistory / 2) }
        if var step = currentStep {
            if !step.prefills.contains(chunk) { step.prefills.append(chunk); currentStep = step }
        } else {
            // A chunk reported outside any step: show it until its end event.
            currentStep = (Self.looseChunkStep, [], [chunk]); stepBegan = time
        }
    }

    /// Step number used for chunks reported without a step around them.
    static let looseChunkStep = -1

    mutating func chunkEnded(_ chunk: PrefillChunk) {
        guard var step = currentStep, step.number == Self.looseChunkStep else { return }
        step.prefills.removeAll { $0 == chunk }
        currentStep = step.prefills.isEmpty ? nil : step
        if currentStep == nil { stepBegan = nil }
    }
}
