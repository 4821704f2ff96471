import Engine
import Foundation

/// Side-by-side output of several runs of the same workload (`pdscope compare`), each value after
/// the first run's followed by its ratio to the first run: `p99 ITL  1523.2 ms  210.4 ms (0.14×)`.
extension RunSummary {
    /// One comparison row: a label and how to read its value (nil = undefined) and print it.
    struct ComparisonRow {
        var label: String
        var value: (RunSummary) -> Double?
        var format: (Double) -> String
    }

    /// The comparison table; ratios are against `runs[0]`. Empty string for no runs.
    public static func comparison(_ runs: [RunSummary]) -> String {
        guard !runs.isEmpty else { return "" }
        let header = [""] + runs.map(\.columnTitle)
        var table = [header]
        for row in comparisonRows(runs) {
            let base = row.value(runs[0])
            var cells = [row.label]
            for (index, run) in runs.enumerated() {
                guard let value = run.value(of: row) else { cells.append("-"); continue }
                var cell = row.format(value)
                if index > 0 { cell += " " + ratio(value, base) }
                cells.append(cell)
            }
            table.append(cells)
        }
        return layout(table)
    }

    /// `policy` plus route and transfer when they differ between runs would be ambiguous otherwise.
    var columnTitle: String {
        [info.policy, info.route, info.kvTransfer].compactMap { $0 }.joined(separator: " ")
    }

    func value(of row: ComparisonRow) -> Double? {
        guard let value = row.value(self), value.isFinite else { return nil }
        return value
    }

    /// `(0.14×)`; `(-)` when the first run has no usable base (missing or zero).
    static func ratio(_ value: Double, _ base: Double?) -> String {
        guard let base, base.isFinite, base != 0 else { return "(-)" }
        return "(" + String(format: "%.2f", value / base) + "×)"
    }

    static func comparisonRows(_ runs: [RunSummary]) -> [ComparisonRow] {
        let count: (Double) -> String = { String(Int($0)) }
        let ms: (Double) -> String = { String(format: "%.1f ms", $0 * 1000) }
        func two(_ unit: String) -> (Double) -> String { { String(format: "%.2f", $0) + unit } }
        var rows: [ComparisonRow] = [
            .init(label: "Successful requests", value: { Double($0.report.completed) }, format: count),
            .init(label: "Rejected requests", value: { Double($0.report.rejected) }, format: count),
            .init(label: "Preemptions", value: { Double($0.report.numPreemptions) }, format: count),
            .init(label: "Duration", value: { $0.report.durationSeconds }, format: two(" s")),
            .init(label: "Request throughput", value: { $0.report.requestThroughput }, format: two(" req/s")),
            .init(label: "Output throughput", value: { $0.report.outputThroughput }, format: two(" tok/s")),
        ]
        if runs.contains(where: { $0.report.goodput != nil }) {
            rows += [
                .init(label: "Request goodput", value: { $0.report.goodput?.requestGoodput }, format: two(" req/s")),
                .init(label: "SLO attainment", value: { $0.report.goodput.map { $0.sloAttainment * 100 } },
                      format: { String(format: "%.1f %%", $0) }),
            ]
        }
        for (_, name, _) in latencySections(runs[0].report) {
            let pick: (MetricsReport) -> MetricsDistribution = { report in
                latencySections(report).first { $0.1 == name }!.2
            }
            rows += [
                .init(label: "mean \(name)", value: { pick($0.report).mean }, format: ms),
                .init(label: "median \(name)", value: { pick($0.report).median }, format: ms),
                .init(label: "p90 \(name)", value: { pick($0.report).p90 }, format: ms),
                .init(label: "p99 \(name)", value: { pick($0.report).p99 }, format: ms),
            ]
            // A rare huge stall hides below p99: the worst gap and p99.9 show it.
            if name == "ITL" {
                rows += [
                    .init(label: "p99.9 ITL", value: { $0.report.itl.percentile(99.9) }, format: ms),
                    .init(label: "max ITL", value: { $0.report.itl.max }, format: ms),
                ]
            }
        }
        rows += [
            .init(label: "mean queue time", value: { $0.report.queueTime.mean }, format: ms),
            .init(label: "mean prefill time", value: { $0.report.prefillTime.mean }, format: ms),
        ]
        if runs.contains(where: { $0.report.kvTransfers.count > 0 }) {
            rows += [
                .init(label: "KV transfers", value: { Double($0.report.kvTransfers.count) }, format: count),
                .init(label: "KV transfer rate", value: { $0.report.kvTransfers.meanGBps }, format: two(" GB/s")),
                .init(label: "mean KV transfer time", value: { $0.report.kvTransferTime.mean }, format: ms),
            ]
        }
        rows.append(.init(label: "mean busy", value: { run in
            let busy = run.instanceRows.map(\.busyFraction).filter(\.isFinite)
            return busy.isEmpty ? nil : busy.reduce(0, +) / Double(busy.count) * 100
        }, format: { String(format: "%.1f %%", $0) }))
        return rows
    }

    /// Left-aligned label column, then each run's column padded to its widest cell.
    static func layout(_ table: [[String]]) -> String {
        let columns = table.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in table.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return table.map { cells in
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : pad(cell, widths[index])
            }.joined(separator: "  ")
        }.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
        .joined(separator: "\n") + "\n"
    }
}
