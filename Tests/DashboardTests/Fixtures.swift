import Engine
@testable import Dashboard

/// A scripted disaggregated run (1 prefill + 1 decode instance, p2p) with three users, one of
/// them with a CJK name and text, a transfer and a stall, for layout tests.
enum Fixtures {
    static func config(instances: Int = 2, transfer: KVTransferMode? = .p2p) -> DashboardConfig {
        var descriptions = [InstanceDescription(id: 0, role: .prefill, cores: [0])]
        for i in 1..<max(2, instances) { descriptions.append(InstanceDescription(id: i, role: .decode, cores: [i])) }
        var pools = Dictionary(uniqueKeysWithValues: descriptions.map { (KVLocation.instance($0.id), 64) })
        if transfer == .pool { pools[.store] = 128 }
        return DashboardConfig(modelName: "stories260K", isSyntheticModel: false, policy: "disaggregated", route: "p-first",
                               transferMode: transfer, kvCacheType: "f16", instances: descriptions, poolBlocks: pools)
    }

    static func populatedState(config: DashboardConfig = config()) -> DashboardState {
        var state = DashboardState(config: config)
        var t = 0.0
        func at(_ dt: Double, _ kind: EngineEvent.Kind) { t += dt; state.apply(EngineEvent(time: t, kind: kind)) }
        let users = ["alice", "用户", "bob"]
        for (i, user) in users.enumerated() {
            let spec = RequestSpec(user: user, prompt: .text("hello"), maxTokens: 32)
            at(0.01, .arrived(request: i + 1, spec: spec, promptTokens: 40 * (i + 1)))
            at(0, .queued(request: i + 1, instance: 0))
            at(0, .blocksAllocated(location: .instance(0), request: i + 1, blocks: (0..<Int32(i + 2)).map { $0 + Int32(i * 4) }))
        }
        let chunk = PrefillChunk(request: 1, startPosition: 0, tokens: 40, chunkIndex: 1, chunkCount: 1)
        at(0.01, .stepStarted(instance: 0, step: 1, decodes: [], prefills: [chunk]))
        at(0.03, .prefillChunkEnded(instance: 0, chunk: chunk))
        at(0, .stepEnded(instance: 0, step: 1, duration: 0.03))
        at(0, .tokenEmitted(request: 1, index: 0, token: 1, text: "Once upon a time"))
        at(0, .kvTransferStarted(transfer: 1, request: 1, from: .instance(0), to: .instance(1), blocks: 2, bytes: 65536, mode: .p2p))
        at(0.002, .kvTransferEnded(transfer: 1, request: 1, from: .instance(0), to: .instance(1), blocks: 2, bytes: 65536, mode: .p2p))
        at(0, .blocksAllocated(location: .instance(1), request: 1, blocks: [0, 1]))
        at(0, .queued(request: 1, instance: 1))
        for i in 1...6 {
            at(0, .stepStarted(instance: 1, step: i, decodes: [1], prefills: []))
            at(0.01, .stepEnded(instance: 1, step: i, duration: 0.01))
            at(0, .tokenEmitted(request: 1, index: i, token: 2, text: " there"))
        }
        let big = PrefillChunk(request: 2, startPosition: 0, tokens: 80, chunkIndex: 1, chunkCount: 2)
        at(0, .stepStarted(instance: 1, step: 7, decodes: [1], prefills: [big]))
        at(0.4, .stepEnded(instance: 1, step: 7, duration: 0.4))
        at(0, .tokenEmitted(request: 1, index: 7, token: 3, text: " 世界"))
        at(0, .stepStarted(instance: 0, step: 2, decodes: [], prefills: [big]))
        return state
    }
}
