/// Cuts generated text at the first stop string, as OpenAI's `stop` does: the stop string and
/// everything after it are never sent. Text that could still turn out to be the start of a stop
/// string is held back until the next piece decides it.
public struct StopTextFilter: Sendable {
    public let stops: [String]
    private var pending = ""
    /// The stop string that matched, once one has.
    public private(set) var matched: String?

    public init(stops: [String]) { self.stops = stops.filter { !$0.isEmpty } }

    /// Adds generated text; returns the part that can be shown now.
    public mutating func push(_ text: String) -> String {
        guard matched == nil else { return "" }
        guard !stops.isEmpty else { return text }
        pending += text
        var earliest: (range: Range<String.Index>, stop: String)?
        for stop in stops {
            if let range = pending.firstRange(of: stop), earliest.map({ range.lowerBound < $0.range.lowerBound }) ?? true {
                earliest = (range, stop)
            }
        }
        if let earliest {
            matched = earliest.stop
            let visible = String(pending[..<earliest.range.lowerBound])
            pending = ""
            return visible
        }
        let held = heldSuffixLength()
        let visible = String(pending.dropLast(held))
        pending = String(pending.suffix(held))
        return visible
    }

    /// The generation ended: whatever was held back and matched no stop string.
    public mutating func flush() -> String {
        defer { pending = "" }
        return matched == nil ? pending : ""
    }

    /// Length of the longest end of `pending` that is a proper prefix of a stop string.
    private func heldSuffixLength() -> Int {
        var longest = 0
        for stop in stops {
            var length = min(stop.count - 1, pending.count)
            while length > longest {
                if pending.hasSuffix(stop.prefix(length)) { longest = length; break }
                length -= 1
            }
        }
        return longest
    }
}
