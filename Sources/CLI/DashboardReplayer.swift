import Engine
import Foundation

/// `--replay FILE.jsonl` in the dashboard: re-submits a workload's (or a recorded session's)
/// requests at their arrival offsets, divided by `speed`, counted from when the replay starts.
/// Runs on its own thread; `stop()` ends it early (at quit).
// Unchecked: NSCondition guards its vars; to be replaced by the shared timed submitter (issue #13 part 4).
final class DashboardReplayer: @unchecked Sendable {
    private let condition = NSCondition()
    private var isStopping = false
    private let requests: [RequestSpec]
    private let speed: Double
    private let submit: (RequestSpec) -> Void

    init(requests: [RequestSpec], speed: Double, submit: @escaping (RequestSpec) -> Void) {
        self.requests = requests.sorted { $0.arrivalOffset < $1.arrivalOffset }
        self.speed = speed; self.submit = submit
    }

    func start() {
        let t = Thread { [self] in loop() }
        t.name = "pdscope-replay"
        t.start()
    }

    func stop() {
        condition.lock()
        isStopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func loop() {
        let origin = Date()
        for spec in requests {
            let due = origin.addingTimeInterval(spec.arrivalOffset / speed)
            condition.lock()
            while !isStopping && Date() < due { _ = condition.wait(until: due) }
            let stopping = isStopping
            condition.unlock()
            if stopping { return }
            submit(spec)
        }
    }
}
