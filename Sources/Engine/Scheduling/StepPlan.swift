import Model

/// One block copy between two arenas, planned under the lock and run outside it.
struct CopyJob {
    var transfer: Int
    var request: RequestID
    var from: KVLocation
    var to: KVLocation
    var source: KVArena
    var destination: KVArena
    var sourceBlocks: [Int32]
    var destinationBlocks: [Int32]
    var mode: KVTransferMode
}

/// Sending one finished prefill's KV to its decode reservation (1 copy in p2p, 2 through the store).
struct PushJob {
    var request: RequestID
    var copies: [CopyJob]
    var decodeInstance: InstanceID
    /// Store blocks pinned for this push, and which of them to publish under which prefix hash.
    var storePins: [Int32] = []
    var storePublish: [(block: Int32, hash: UInt64)] = []
}

/// Loading prefix-hit blocks from the store into this instance's pool before prefilling the rest.
struct LoadJob {
    var request: RequestID
    var copy: CopyJob
    var storePins: [Int32]
}

/// One prefill chunk to run: `tokens` at `chunk.startPosition`.
struct PrefillJob {
    var chunk: PrefillChunk
    var tokens: [Int32]
    var blockTable: [Int32]
    /// Samples the next token when the chunk reaches the end of the sequence (nil otherwise).
    var sampler: TokenSampler?
    var request: RequestID { chunk.request }
    var completesPrefill: Bool { sampler != nil }
}

/// One sequence's decode in a step.
struct DecodeJob {
    var request: RequestID
    var item: DecodeItem
    var sampler: TokenSampler
}

/// What one instance does in one step, as ids and arrays: scheduled under the lock, run outside it
/// (giving a `StepResult`), then applied under the lock again (schedule → run model →
/// postprocess, as in nano-vllm).
struct StepPlan {
    var instance: InstanceID
    var step: Int
    var loads: [LoadJob] = []
    var pushes: [PushJob] = []
    var decodes: [DecodeJob] = []
    var prefills: [PrefillJob] = []

    var isEmpty: Bool { loads.isEmpty && pushes.isEmpty && decodes.isEmpty && prefills.isEmpty }
    var requestIDs: [RequestID] {
        loads.map(\.request) + pushes.map(\.request) + decodes.map(\.request) + prefills.map(\.request)
    }
}

/// When a copy ran and how many bytes it moved.
struct CopyTiming {
    var start: Double
    var end: Double
    var bytes: Int
}

/// What running a plan measured and sampled, index for index with the plan's jobs.
struct StepResult {
    struct Prefill {
        var start: Double
        var end: Double
        var sampled: Int32?
    }
    var start = 0.0
    var end = 0.0
    var loads: [CopyTiming] = []
    var pushes: [[CopyTiming]] = []
    var decodes: [Int32] = []
    var prefills: [Prefill] = []
    /// CPU time of the instance thread over the step (nil: the clock does not measure it).
    var cpuTime: Double?
    var duration: Double { end - start }
    /// Wall time of the step the instance thread was not running (≥ 0; 0 when not measured).
    var offCPU: Double { cpuTime.map { max(0, duration - $0) } ?? 0 }
}

/// Runs a plan's copies and model calls. Touches no shared engine state: only the arenas' blocks
/// that the plan gave to these requests, the instance's runner and the requests' samplers.
enum StepExecutor {
    static func run(_ plan: StepPlan, runner: ModelRunner, arena: KVArena, clock: EngineClock) -> StepResult {
        var result = StepResult()
        let cpuStart = clock.threadCPUTime()
        result.start = clock.now()
        result.loads = plan.loads.map { copy($0.copy, clock: clock) }
        result.pushes = plan.pushes.map { push in push.copies.map { copy($0, clock: clock) } }
        if !plan.decodes.isEmpty {
            let logits = runner.decode(plan.decodes.map(\.item), kv: arena)
            result.decodes = zip(plan.decodes, logits).map { job, row in job.sampler.sample(row) }
        }
        for job in plan.prefills {
            let start = clock.now()
            let logits = runner.prefill(tokens: job.tokens, startPosition: job.chunk.startPosition,
                                        blockTable: job.blockTable, kv: arena)
            let sampled = job.sampler?.sample(logits)
            result.prefills.append(StepResult.Prefill(start: start, end: clock.now(), sampled: sampled))
        }
        result.end = clock.now()
        if let cpuStart, let cpuEnd = clock.threadCPUTime() { result.cpuTime = cpuEnd - cpuStart }
        return result
    }

    private static func copy(_ job: CopyJob, clock: EngineClock) -> CopyTiming {
        let start = clock.now()
        let bytes = job.destination.copyBlocks(from: job.source, sourceBlocks: job.sourceBlocks,
                                               destinationBlocks: job.destinationBlocks)
        return CopyTiming(start: start, end: clock.now(), bytes: bytes)
    }
}
