import CPlatform
import Model

/// Lays out instances on cores for a policy and builds them with their pools and runners.
enum EngineBuilder {
    /// Role and cores of every instance. Colocated policies share every core of both sets among
    /// `colocatedInstances` `both` instances (default one owning all), so every policy uses the
    /// same cores (equal hardware).
    static func placements(for config: EngineConfig, availableCPUs: Int?, warnings: inout [String]) -> [(InstanceRole, [Int])] {
        let prefill = usable(config.prefillCores, name: "prefill", available: availableCPUs, warnings: &warnings)
        let decode = usable(config.decodeCores, name: "decode", available: availableCPUs, warnings: &warnings)
        switch config.policy {
        case .colocatedFCFS, .chunkedPrefill:
            let all = CoreSet(prefill.cores + decode.cores)
            if all.count < config.colocatedInstances {
                warnings.append("\(config.colocatedInstances) colocated instances on \(all.count) core(s) \(all): instances share cores")
            }
            return all.split(into: config.colocatedInstances).map { (.both, $0.cores) }
        case .disaggregated:
            if !Set(prefill.cores).isDisjoint(with: decode.cores) {
                warnings.append("prefill cores \(prefill) and decode cores \(decode) overlap: prefill and decode instances share CPUs")
            }
            var result: [(InstanceRole, [Int])] = []
            for (role, set, count) in [(InstanceRole.prefill, prefill, config.prefillInstances),
                                       (.decode, decode, config.decodeInstances)] {
                if set.count < count {
                    warnings.append("\(count) \(role.rawValue) instances on \(set.count) core(s) \(set): instances share cores")
                }
                result += set.split(into: count).map { (role, $0.cores) }
            }
            return result
        }
    }

    /// The requested set restricted to CPUs that exist; falls back visibly when none or some are missing.
    private static func usable(_ set: CoreSet, name: String, available: Int?, warnings: inout [String]) -> CoreSet {
        guard let available else { return set }
        let present = set.cores.filter { $0 < available }
        if present.count == set.count { return set }
        let fallback = present.isEmpty ? CoreSet(set.cores.map { $0 % max(available, 1) }) : CoreSet(present)
        warnings.append("\(name) cores \(set) asked for but only \(available) CPU(s) available: using \(fallback)")
        return fallback
    }

    static func makeCore(config: EngineConfig, clock: EngineClock, pinning: Bool,
                         runnerFactory: (InstancePlacement) throws -> ModelRunner) throws -> EngineCore {
        let errors = config.validationErrors()
        guard errors.isEmpty else { throw EngineConfigError(messages: errors) }
        var warnings: [String] = []
        let available = pinning ? Int(pd_available_cpu_count()) : nil
        let layout = placements(for: config, availableCPUs: available, warnings: &warnings)
        // The first runner gives the KV block's shape; every pool's size is checked against the
        // machine's memory before any pool is allocated or any other runner is built.
        let placements = layout.enumerated().map { index, entry in
            InstancePlacement(instance: index, role: entry.0, cores: pinning ? entry.1 : [],
                              maxChunkTokens: config.policy == .colocatedFCFS ? nil : config.maxBatchedTokens,
                              maxBatch: config.maxRunning,
                              realtime: pinning && config.realtimeDecode && entry.0 == .decode)
        }
        var runners = [try runnerFactory(placements[0])]
        let kvLayout = runners[0].kvLayout(blockSize: config.blockSize, cacheType: config.kvCacheType)
        let blockCount = config.kvCapacity.blockCount(
            layout: KVLayoutInfo(blockSize: kvLayout.blockSize, blockBytes: kvLayout.blockBytes),
            contextLength: runners[0].frontEnd.contextLength, maxRunning: config.maxRunning)
        guard blockCount >= 1 else {
            throw EngineConfigError(messages: ["--kv-memory is smaller than one KV block (\(kvLayout.blockBytes) bytes)"])
        }
        let storeBlocks = config.policy == .disaggregated && config.kvTransfer == .pool
            ? (config.kvStoreBlocks ?? 4 * blockCount) : nil
        if let problem = EngineLimits.memoryError(config, instanceCount: placements.count, poolBlocks: blockCount,
                                                  storeBlocks: storeBlocks, blockBytes: kvLayout.blockBytes,
                                                  contextLength: runners[0].frontEnd.contextLength,
                                                  memory: config.memoryLimit ?? EngineLimits.machineMemory) {
            throw EngineConfigError(messages: [problem])
        }
        for placement in placements.dropFirst() { runners.append(try runnerFactory(placement)) }
        let instances = zip(placements, runners).map { placement, runner in
            let instance = Instance(id: placement.instance, role: placement.role, cores: layout[placement.instance].1,
                                    blockCount: blockCount, layout: kvLayout, runner: runner)
            instance.realtimeRequested = placement.realtime
            return instance
        }
        return EngineCore(config: config, clock: clock, instances: instances, layout: kvLayout,
                          storeBlocks: storeBlocks, warnings: warnings)
    }
}

extension EngineCore {
    func snapshot() -> EngineSnapshot {
        EngineSnapshot(
            time: elapsed(),
            instances: instances.map { instance in
                InstanceStatus(id: instance.id, role: instance.role, coresRequested: instance.coresRequested,
                               coresObserved: instance.coresObserved.sorted(),
                               realtime: instance.realtimeObserved, kvBlocks: instance.pool.capacity,
                               kvBlocksUsed: instance.pool.usedCount, blockBytes: layout.blockBytes,
                               waiting: instance.waiting.count + connector.incomingCount(on: instance.id),
                               running: instance.running.count, steps: instance.stepCount,
                               busySeconds: instance.busySeconds)
            },
            storeBlocks: store?.capacity ?? 0, storeBlocksUsed: store?.usedCount ?? 0,
            storeHitBlocks: store?.hitBlockCount ?? 0, submitted: requests.count, ended: endedCount,
            preemptions: preemptionCount, kvTransfers: connector.transferCount, warnings: warnings)
    }
}
