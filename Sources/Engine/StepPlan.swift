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
    // Filled by the executor.
    var start = 0.0
    var end = 0.0
    var bytes = 0
}

/// Sending one finished prefill's KV to its decode reservation (1 copy in p2p, 2 through the store).
struct PushJob {
    var request: Request
    var copies: [CopyJob]
    var decodeInstance: InstanceID
    /// Store blocks pinned for this push, and which of them to publish under which prefix hash.
    var storePins: [Int32] = []
    var storePublish: [(block: Int32, hash: UInt64)] = []
}

/// Loading prefix-hit blocks from the store into this instance's pool before prefilling the rest.
struct LoadJob {
    var request: Request
    var copy: CopyJob
    var storePins: [Int32]
}

/// One prefill chunk to run: `tokens` at `chunk.startPosition`.
struct PrefillJob {
    var request: Request
    var chunk: PrefillChunk
    var tokens: [Int32]
    var blockTable: [Int32]
    /// The chunk reaches the end of the sequence, so its logits give the next token.
    var completesPrefill: Bool
    var start = 0.0
    var end = 0.0
    var sampled: Int32?
}

/// One sequence's decode in a step.
struct DecodeJob {
    var request: Request
    var item: DecodeItem
    var sampled: Int32?
}

/// What one instance does in one step: scheduled under the lock, run outside it, then applied
/// under the lock again (schedule → run model → postprocess, as in nano-vllm).
struct StepPlan {
    var instance: Instance
    var step: Int
    var loads: [LoadJob] = []
    var pushes: [PushJob] = []
    var decodes: [DecodeJob] = []
    var prefills: [PrefillJob] = []
    var start = 0.0
    var end = 0.0

    var isEmpty: Bool { loads.isEmpty && pushes.isEmpty && decodes.isEmpty && prefills.isEmpty }
    var hasModelWork: Bool { !decodes.isEmpty || !prefills.isEmpty }
    var requestIDs: [RequestID] {
        loads.map(\.request.id) + pushes.map(\.request.id) + decodes.map(\.request.id) + prefills.map(\.request.id)
    }
}

/// Runs a plan's copies and model calls. Touches no shared engine state: only the arenas' blocks
/// that the plan gave to these requests, the instance's runner and the requests' samplers.
enum StepExecutor {
    static func run(_ plan: inout StepPlan, clock: EngineClock) {
        plan.start = clock.now()
        for index in plan.loads.indices { copy(&plan.loads[index].copy, clock: clock) }
        for index in plan.pushes.indices {
            for copyIndex in plan.pushes[index].copies.indices { copy(&plan.pushes[index].copies[copyIndex], clock: clock) }
        }
        let runner = plan.instance.runner
        let arena = plan.instance.arena
        if !plan.decodes.isEmpty {
            let logits = runner.decode(plan.decodes.map(\.item), kv: arena)
            for index in plan.decodes.indices {
                plan.decodes[index].sampled = plan.decodes[index].request.sampler.sample(logits[index])
            }
        }
        for index in plan.prefills.indices {
            plan.prefills[index].start = clock.now()
            let job = plan.prefills[index]
            let logits = runner.prefill(tokens: job.tokens, startPosition: job.chunk.startPosition,
                                        blockTable: job.blockTable, kv: arena)
            if job.completesPrefill { plan.prefills[index].sampled = job.request.sampler.sample(logits) }
            plan.prefills[index].end = clock.now()
        }
        plan.end = clock.now()
    }

    private static func copy(_ job: inout CopyJob, clock: EngineClock) {
        job.start = clock.now()
        job.bytes = job.destination.copyBlocks(from: job.source, sourceBlocks: job.sourceBlocks,
                                               destinationBlocks: job.destinationBlocks)
        job.end = clock.now()
    }
}
