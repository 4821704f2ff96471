import Engine

/// A session trace as read back: its header and every event, in file order.
public struct RecordedTrace: Equatable {
    public var header: TraceHeader
    public var events: [EngineEvent]
    /// True when the recording did not end cleanly: the last line was cut mid-way, or the
    /// writer's closing line is missing (the process died between two lines).
    public var isTruncated: Bool
    /// Non-fatal findings, one line each (why it counts as truncated, skipped unknown events,
    /// newer minor version).
    public var notes: [String]
    /// Lines of scraped server states (`observed`, written by `pdscope attach --record`).
    public var observedCount = 0
}

/// Reads session traces written by `TraceWriter`.
///
/// A crash leaves a prefix of whole lines, possibly followed by one partial line: that is
/// accepted, the partial line is dropped and `isTruncated` is set. Any other bad line is an
/// error naming its line number, because it means the file was damaged or edited, not cut short.
public enum TraceReader {
    public static func read(path: String) throws -> RecordedTrace {
        try parse(bytes: JSONLines.readBytes(path: path), path: path)
    }

    public static func parse(_ text: String, path: String = "<trace>") throws -> RecordedTrace {
        try parse(bytes: Array(text.utf8), path: path)
    }

    public static func parse(bytes: [UInt8], path: String) throws -> RecordedTrace {
        let lines = JSONLines.split(bytes).filter { !$0.isBlank }
        guard let first = lines.first else {
            throw FileFormatError(path: path, line: nil, message: "the file is empty; a trace starts with a \(TraceHeader.formatName) header line")
        }
        var notes: [String] = []
        let header: TraceHeader
        do {
            if !first.isTerminated, (try? JSONParser.parse(bytes: first.bytes)) == nil {
                throw LineProblem("the header line was cut short (the recording ended before it was written)")
            }
            var fields = try JSONLines.parseObject(first)
            let (decoded, note) = try TraceHeader.decode(&fields)
            header = decoded
            if let note { notes.append("\(path):\(first.number): \(note)") }
        } catch let problem as LineProblem {
            throw FileFormatError(path: path, line: first.number, message: problem.message)
        }

        var events: [EngineEvent] = []
        var endLine: Int?
        var cutLine: Int?
        var unknownNames: [String: Int] = [:]
        var observedCount = 0
        for line in lines.dropFirst() {
            let decoded: EventCoding.Decoded
            do {
                var fields = try JSONLines.parseObject(line)
                decoded = try EventCoding.decode(&fields)
            } catch let problem as LineProblem {
                // Only an unterminated last line can be the writer's half-written line.
                if !line.isTerminated { cutLine = line.number; break }
                throw FileFormatError(path: path, line: line.number, message: problem.message)
            }
            if let endLine {
                notes.append("\(path):\(line.number): lines after the closing line (line \(endLine)) ignored")
                break
            }
            switch decoded {
            case .event(let event): events.append(event)
            case .end: endLine = line.number
            case .unknown(let name): unknownNames[name, default: 0] += 1
            case .observed: observedCount += 1
            }
        }
        for name in unknownNames.keys.sorted() {
            notes.append("\(path): skipped \(unknownNames[name]!) event\(unknownNames[name]! == 1 ? "" : "s") of unknown kind '\(name)'")
        }
        if let cutLine {
            notes.append("\(path):\(cutLine): the recording was cut short mid-line; kept the \(events.count) events before it")
        } else if endLine == nil {
            notes.append("\(path): the recording has no closing line (the run did not end cleanly); kept all \(events.count) events")
        }
        return RecordedTrace(header: header, events: events, isTruncated: endLine == nil, notes: notes, observedCount: observedCount)
    }
}
