import Engine

/// How the dashboard shows a request's `RequestState`, with the names vLLM and SGLang use for the
/// same queue, so a reader who knows either server recognises it. `decodeWaiting`: prefilled (and
/// its KV moved), waiting for a slot in a decode batch (`--max-running`); `decoding` counts only
/// sequences in their instance's decode batch.
extension RequestState {
    /// The states that are queues on screen (everything not yet over), in `rank` order.
    public static let queueStages: [RequestState] = [.waiting, .prefilling, .waitingForRemoteKV, .transferring, .decodeWaiting, .decoding, .preempted]

    /// Holding compute or KV right now (the header's "running").
    public var isRunning: Bool { [.prefilling, .waitingForRemoteKV, .transferring, .decoding].contains(self) }

    public var isRejected: Bool {
        if case .rejected = self { return true } else { return false }
    }

    /// Short label for tables.
    public var label: String {
        switch self {
        case .waiting: return "prefill waiting"
        case .prefilling: return "prefilling"
        case .waitingForRemoteKV: return "wait remote KV"
        case .transferring: return "transferring"
        case .decodeWaiting: return "decode waiting"
        case .decoding: return "decoding"
        case .preempted: return "preempted"
        case .finished: return "finished"
        case .rejected: return "rejected"
        }
    }

    /// vLLM v1's `RequestStatus` name.
    public var vllmName: String {
        switch self {
        case .waiting, .decodeWaiting: return "WAITING"
        case .prefilling, .decoding: return "RUNNING"
        case .waitingForRemoteKV, .transferring: return "WAITING_FOR_REMOTE_KVS"
        case .preempted: return "PREEMPTED"
        case .finished: return "FINISHED"
        case .rejected: return "FINISHED_IGNORED"
        }
    }

    /// SGLang's queue name in PD-disaggregated serving.
    public var sglangName: String {
        switch self {
        case .waiting: return "waiting_queue"
        case .prefilling: return "running_batch"
        case .waitingForRemoteKV: return "prealloc_queue"
        case .transferring: return "transfer_queue"
        case .decodeWaiting: return "waiting_queue"
        case .decoding: return "running_batch"
        case .preempted: return "retracted"
        case .finished, .rejected: return "-"
        }
    }
}
