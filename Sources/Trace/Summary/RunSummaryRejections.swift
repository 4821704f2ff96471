import Engine

/// Why requests were rejected, grouped: reasons that differ only in their numbers (each prompt's
/// length) are one line, with the numbers that vary shown as a range:
/// `48 × prompt of 2,050–2,310 tokens exceeds the context length of 512`.
extension RunSummary {
    public struct RejectionReason: Equatable, Sendable {
        public var reason: String
        public var count: Int
    }

    /// Distinct reasons, most frequent first (ties in order of first appearance).
    public var rejectionReasons: [RejectionReason] {
        var groups: [String: (order: Int, count: Int, numbers: [[Double]], parts: [Piece])] = [:]
        for reason in report.requests.compactMap(\.rejectReason) {
            let parts = Self.pieces(of: reason)
            let key = parts.map { if case .text(let t) = $0 { return t } else { return "#" } }.joined()
            let values = parts.compactMap { if case .number(let n) = $0 { return n } else { return nil } }
            if var group = groups[key] {
                group.count += 1
                for (i, v) in values.enumerated() { group.numbers[i].append(v) }
                groups[key] = group
            } else {
                groups[key] = (groups.count, 1, values.map { [$0] }, parts)
            }
        }
        return groups.values.sorted { ($1.count, $0.order) < ($0.count, $1.order) }.map { group in
            var index = 0
            let text = group.parts.map { piece -> String in
                guard case .number = piece else { if case .text(let t) = piece { return t }; return "" }
                defer { index += 1 }
                let values = group.numbers[index]
                let low = values.min()!, high = values.max()!
                return low == high ? Self.number(low) : Self.number(low) + "–" + Self.number(high)
            }.joined()
            return RejectionReason(reason: text, count: group.count)
        }
    }

    /// The reasons as the summary prints them under "Rejected requests".
    var rejectionLines: [String] {
        let reasons = rejectionReasons
        let width = String(reasons.first?.count ?? 0).count
        return reasons.map { String(repeating: " ", count: width - String($0.count).count) + "  \($0.count) × \($0.reason)" }
    }

    enum Piece { case text(String), number(Double) }

    /// "prompt of 2050 tokens" → text "prompt of ", number 2050, text " tokens".
    static func pieces(of text: String) -> [Piece] {
        var pieces: [Piece] = []
        var current = ""
        var isNumber = false
        func flush() {
            guard !current.isEmpty else { return }
            if isNumber, let value = Double(current) { pieces.append(.number(value)) } else { pieces.append(.text(current)) }
            current = ""
        }
        for ch in text {
            let digit = ch.isASCII && ch.isNumber
            let continuesNumber = isNumber && ch == "." && !current.contains(".")
            if digit != isNumber && !continuesNumber {
                flush()
                isNumber = digit
            }
            current.append(ch)
        }
        flush()
        return pieces
    }

    /// 2050 → "2,050"; 0.5 → "0.5".
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? EngineLimits.grouped(Int(value)) : String(value)
    }
}
