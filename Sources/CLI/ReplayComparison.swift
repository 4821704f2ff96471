import Engine
import Foundation

/// A replay set against its recording, request by request (matched in arrival order): TTFT and
/// ITL before and after, and whether the generated text is the same.
enum ReplayComparison {
    static func text(recorded events: [EngineEvent], replay: MetricsCollector) -> String {
        let before = MetricsCollector()
        events.forEach(before.receive)
        let inOrder: (RequestMetrics, RequestMetrics) -> Bool = { ($0.arrival, $0.id) < ($1.arrival, $1.id) }
        let old = before.report().requests.sorted(by: inOrder)
        let new = replay.report().requests.sorted(by: inOrder)
        let count = min(old.count, new.count)
        func ms(_ seconds: Double?) -> String { seconds.map { String(format: "%.1f", $0 * 1000) } ?? "-" }
        func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }
        func pair(_ a: Double?, _ b: Double?) -> String { "\(ms(a)) → \(ms(b))".padding(toLength: 22, withPad: " ", startingAt: 0) }
        var lines = ["", "Replay vs recording (per request in arrival order; ms, before → after)",
                     "req   user          ttft                  mean itl              max itl               text"]
        var sameText = 0
        // `attach --record` keeps timings and counts, not texts: there is nothing to compare.
        let hasTexts = old.contains { !$0.outputText.isEmpty }
        for i in 0..<count {
            let a = old[i], b = new[i]
            let same = a.outputText == b.outputText
            if same { sameText += 1 }
            let user = String(b.user.prefix(12)).padding(toLength: 12, withPad: " ", startingAt: 0)
            lines.append(String(format: "%-5d ", b.id) + user + "  " + pair(a.ttft, b.ttft) + pair(mean(a.itls), mean(b.itls))
                         + pair(a.itls.max(), b.itls.max()) + (hasTexts ? (same ? "same" : "differs") : "-"))
        }
        if old.count != new.count { lines.append("(recording has \(old.count) requests, replay \(new.count); the first \(count) are compared)") }
        lines.append(hasTexts ? "\(sameText) of \(count) requests generated the same text as recorded"
                              : "the recording keeps no output texts (pdscope attach): only timings are compared")
        return lines.joined(separator: "\n") + "\n"
    }
}
