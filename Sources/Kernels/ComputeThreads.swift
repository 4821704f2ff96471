import CKernels
import CPlatform
import Foundation

/// The threads of one instance that a kernel may split its work across. Thread 0 is the caller;
/// threads 1..<count are persistent workers, each pinned to `cores[i % cores.count]` when cores
/// are given. `run` hands out work with a generation counter the workers spin on for
/// `spinMicroseconds` (so back-to-back matmuls of a decode step dispatch in well under a
/// microsecond) before they block on a futex (so an idle instance costs no CPU).
///
/// One caller at a time: a `run` issued while another is in progress (from another thread, or
/// nested inside a body) executes all its indices on its own caller instead of deadlocking.
public final class ComputeThreads: Sendable {
    public let count: Int
    /// Cores the threads are pinned to (thread i → cores[i % cores.count]); nil = not pinned.
    public let cores: [Int]?
    /// How long idle workers (and a waiting caller) spin before sleeping.
    public let spinMicroseconds: Int
    private let pool: PoolHandle?

    /// Spin budget used by `init(count:cores:)`: longer than the gap between two kernels of a
    /// decode step, shorter than a scheduler tick.
    public static let defaultSpinMicroseconds = 200

    public convenience init(count: Int = 1, cores: [Int]? = nil, realtime: Bool = false) {
        self.init(count: count, cores: cores, spinMicroseconds: ComputeThreads.defaultSpinMicroseconds, realtime: realtime)
    }

    /// `realtime`: each worker moves itself to the real-time class as it starts, once pinned (see
    /// `pd_enter_realtime`; a worker the OS refuses runs at normal priority, as its caller does).
    public init(count: Int, cores: [Int]?, spinMicroseconds: Int, realtime: Bool = false) {
        let count = max(1, count)
        let cores = cores.flatMap { $0.isEmpty ? nil : $0 }
        self.count = count
        self.cores = cores
        self.spinMicroseconds = max(0, spinMicroseconds)
        guard count > 1, let pool = pd_pool_create(Int32(count), Int32(clamping: self.spinMicroseconds)) else {
            self.pool = nil
            return
        }
        let handle = PoolHandle(pool: pool)
        self.pool = handle
        for index in 1..<count {
            let core = cores.map { $0[index % $0.count] }
            let thread = Thread {
                let pinned = core.map { ComputeThreads.pinCurrentThread(to: $0) } ?? false
                if realtime && pinned { _ = pd_enter_realtime() }
                pd_pool_worker_main(handle.pool, Int32(index))
            }
            thread.name = "pdscope-compute-\(index)"
            thread.start()
        }
    }

    deinit { pd_pool_release(pool?.pool) }

    /// Pins the calling thread (the one that will call `run`, i.e. thread 0) to `cores[0]`.
    /// Returns false when no cores were given or the OS refused. The engine calls this once from
    /// the instance's own thread.
    @discardableResult
    public func pinCaller() -> Bool {
        guard let core = cores?.first else { return false }
        return ComputeThreads.pinCurrentThread(to: core)
    }

    static func pinCurrentThread(to core: Int) -> Bool {
        var cpu = Int32(clamping: core)
        return pd_pin_current_thread(&cpu, 1) == 0
    }

    /// Runs body(i) for i in 0..<count, i = 0 on the calling thread, and returns when all are done.
    public func run(_ body: (Int) -> Void) {
        guard let pool = pool?.pool else {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            var task = escapable
            withUnsafeMutablePointer(to: &task) { pointer in
                pd_pool_run(pool, { context, index in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(index))
                }, pointer)
            }
        }
    }

    /// Runs body(item, worker) for every item in 0..<items, the threads claiming items one at a
    /// time until none is left (see `pd_pool_run_items`): a thread slowed by its core does less of
    /// the work instead of the others waiting for its fixed share. `worker` (0..<count) is the
    /// thread, for per-thread scratch; which thread runs an item varies from run to run, so an
    /// item's result must not depend on it.
    public func forEachItem(_ items: Int, _ body: (_ item: Int, _ worker: Int) -> Void) {
        guard items > 0 else { return }
        guard let pool = pool?.pool, items > 1 else {
            for i in 0..<items { body(i, 0) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            var task = escapable
            withUnsafeMutablePointer(to: &task) { pointer in
                pd_pool_run_items(pool, Int64(items), { context, item, worker in
                    context!.assumingMemoryBound(to: ((Int, Int) -> Void).self).pointee(Int(item), Int(worker))
                }, pointer)
            }
        }
    }
}

/// The C pool, shared by the caller and the worker threads.
// Unchecked: an opaque C pointer; the pool itself synchronises every access (atomics and a futex).
private struct PoolHandle: @unchecked Sendable { let pool: OpaquePointer }
