import Dispatch
import Engine
import Foundation
import Synchronization

/// Records the engine event stream to a session trace (`pdscope --record FILE.jsonl`).
///
/// Engine threads call `receive` and must never wait on the disk or on encoding, so `receive`
/// only appends the event to a pending list under a short lock; a private serial queue drains
/// that list, encodes the events, writes their lines and flushes once per drained batch (one
/// batch is whatever arrived while the previous one was being written, so at low rates every
/// line is flushed on its own, and at high rates the syscalls do not limit throughput).
/// Because every `fflush` happens at a line boundary, a crash at any moment leaves whole lines
/// plus at most one partial line, which `TraceReader` accepts as a prefix. `close()` writes a
/// closing line so a reader can also tell a clean end from a process that died between lines.
public final class TraceWriter: EngineEventSink, Sendable {
    public let path: String
    /// The file side, used only on `queue` (the lock is never contended; it makes that checkable).
    private let queue = DispatchQueue(label: "pdscope.trace-writer")
    private let output: Mutex<TraceOutput>
    /// Shared with engine threads: held for one append.
    private let pending = Mutex(Pending())

    private struct Pending {
        var items: [Item] = []
        var isDrainScheduled = false
    }

    /// An engine event, or a line of another kind (attach's `observed`) with its engine time.
    private enum Item { case event(EngineEvent), line(JSONObject, time: Double) }

    /// Engine time at which the recording started: written event times count from it, so a
    /// recording started mid-session begins at 0 like one started with the engine.
    public let timeOrigin: Double

    /// Creates (or replaces) the file and writes the header line before returning.
    public init(path: String, header: TraceHeader, timeOrigin: Double = 0) throws {
        self.path = path
        self.timeOrigin = timeOrigin
        guard let file = fopen(path, "w") else {
            throw FileFormatError(path: path, line: nil, message: "cannot create the trace file: \(String(cString: strerror(errno)))")
        }
        var output = TraceOutput(file: file)
        output.writeLine(JSONWriter.serialize(.object(header.encode())))
        if let firstError = output.firstError {
            fclose(file)
            throw FileFormatError(path: path, line: nil, message: firstError)
        }
        self.output = Mutex(output)
    }

    deinit {
        output.withLock { if let file = $0.file { fclose(file) } }
    }

    public func receive(_ event: EngineEvent) { enqueue(.event(event)) }

    /// Writes `fields` as one line in order with the events, after `"t"` (engine `time`, counted
    /// from `timeOrigin` like theirs). For kinds that are not engine events (see `EventCoding`).
    public func receive(line fields: JSONObject, at time: Double) { enqueue(.line(fields, time: time)) }

    private func enqueue(_ item: Item) {
        let needsDrain = pending.withLock { p in
            p.items.append(item)
            defer { p.isDrainScheduled = true }
            return !p.isDrainScheduled
        }
        if needsDrain { queue.async { [self] in drain() } }
    }

    /// Waits until every event received so far is written and flushed.
    public func flush() {
        queue.sync { drain() }
    }

    /// Writes everything pending, in arrival order, then flushes once. Runs on `queue`.
    private func drain() {
        let batch = pending.withLock { p in
            defer { p.items.removeAll(keepingCapacity: true); p.isDrainScheduled = false }
            return p.items
        }
        guard !batch.isEmpty else { return }
        output.withLock { out in
            guard out.file != nil else { return }
            var text = ""
            for item in batch {
                switch item {
                case .event(var event):
                    event.time -= timeOrigin
                    JSONWriter.write(.object(EventCoding.encode(event)), into: &text)
                    out.lastTime = max(out.lastTime, event.time)
                case let .line(fields, time):
                    var o = JSONObject()
                    o["t"] = .double(time - timeOrigin)
                    for (key, value) in fields.pairs where key != "t" { o[key] = value }
                    JSONWriter.write(.object(o), into: &text)
                    out.lastTime = max(out.lastTime, time - timeOrigin)
                }
                text += "\n"
            }
            out.eventCount += batch.count
            out.write(text)
        }
    }

    /// Number of events written so far (waits for pending ones).
    public var writtenEventCount: Int { queue.sync { drain(); return output.withLock { $0.eventCount } } }

    /// The first write failure (disk full, ...), if any; the CLI reports it after the run.
    public var writeError: String? { queue.sync { output.withLock { $0.firstError } } }

    /// Writes the closing line, flushes and closes the file. Events received afterwards are
    /// dropped. Safe to call more than once.
    public func close() {
        queue.sync {
            drain()
            output.withLock { out in
                guard let file = out.file else { return }
                var end = JSONObject()
                end["t"] = .double(out.lastTime)
                end["ev"] = .string(EventCoding.endMarker)
                end["events"] = .int(out.eventCount)
                out.writeLine(JSONWriter.serialize(.object(end)))
                fclose(file)
                out.file = nil
            }
        }
    }
}

/// The open file and what has been written to it.
private struct TraceOutput {
    var file: UnsafeMutablePointer<FILE>?
    var eventCount = 0
    var lastTime = 0.0
    var firstError: String?

    mutating func writeLine(_ text: String) {
        write(text + "\n")
    }

    /// Whole lines (each ending in a newline) in one fwrite, then fflush, so the OS only ever
    /// holds whole lines plus, if the process dies inside fwrite, one partial line.
    mutating func write(_ text: String) {
        guard let file else { return }
        var text = text
        let (written, count) = text.withUTF8 { (fwrite($0.baseAddress, 1, $0.count, file), $0.count) }
        if (written != count || fflush(file) != 0) && firstError == nil {
            firstError = "writing the trace failed: \(String(cString: strerror(errno)))"
        }
    }
}
