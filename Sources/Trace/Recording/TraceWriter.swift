import Dispatch
import Engine
import Foundation

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
public final class TraceWriter: EngineEventSink, @unchecked Sendable {
    public let path: String
    // Everything below is touched only on `queue`.
    private let queue = DispatchQueue(label: "pdscope.trace-writer")
    private var file: UnsafeMutablePointer<FILE>?
    private var eventCount = 0
    private var lastTime = 0.0
    private var firstError: String?
    // Shared with engine threads, under `pendingLock`.
    private let pendingLock = NSLock()
    private var pending: [Pending] = []
    private var isDrainScheduled = false

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
        self.file = file
        writeLine(JSONWriter.serialize(.object(header.encode())))
        if let firstError {
            fclose(file)
            self.file = nil
            throw FileFormatError(path: path, line: nil, message: firstError)
        }
    }

    deinit {
        if let file { fclose(file) }
    }

    /// An engine event, or a line of another kind (attach's `observed`) with its engine time.
    private enum Pending { case event(EngineEvent), line(JSONObject, time: Double) }

    public func receive(_ event: EngineEvent) { enqueue(.event(event)) }

    /// Writes `fields` as one line in order with the events, after `"t"` (engine `time`, counted
    /// from `timeOrigin` like theirs). For kinds that are not engine events (see `EventCoding`).
    public func receive(line fields: JSONObject, at time: Double) { enqueue(.line(fields, time: time)) }

    private func enqueue(_ item: Pending) {
        pendingLock.lock()
        pending.append(item)
        let needsDrain = !isDrainScheduled
        isDrainScheduled = true
        pendingLock.unlock()
        if needsDrain { queue.async { [self] in drain() } }
    }

    /// Waits until every event received so far is written and flushed.
    public func flush() {
        queue.sync { drain() }
    }

    /// Writes everything pending, in arrival order, then flushes once. Runs on `queue`.
    private func drain() {
        pendingLock.lock()
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        isDrainScheduled = false
        pendingLock.unlock()
        guard let file, !batch.isEmpty else { return }
        var text = ""
        for item in batch {
            switch item {
            case .event(var event):
                event.time -= timeOrigin
                JSONWriter.write(.object(EventCoding.encode(event)), into: &text)
                lastTime = max(lastTime, event.time)
            case let .line(fields, time):
                var o = JSONObject()
                o["t"] = .double(time - timeOrigin)
                for (key, value) in fields.pairs where key != "t" { o[key] = value }
                JSONWriter.write(.object(o), into: &text)
                lastTime = max(lastTime, time - timeOrigin)
            }
            text += "\n"
        }
        eventCount += batch.count
        write(text, to: file)
    }

    /// Number of events written so far (waits for pending ones).
    public var writtenEventCount: Int { queue.sync { drain(); return eventCount } }

    /// The first write failure (disk full, ...), if any; the CLI reports it after the run.
    public var writeError: String? { queue.sync { firstError } }

    /// Writes the closing line, flushes and closes the file. Events received afterwards are
    /// dropped. Safe to call more than once.
    public func close() {
        queue.sync {
            drain()
            guard let file else { return }
            var end = JSONObject()
            end["t"] = .double(lastTime)
            end["ev"] = .string(EventCoding.endMarker)
            end["events"] = .int(eventCount)
            writeLine(JSONWriter.serialize(.object(end)))
            fclose(file)
            self.file = nil
        }
    }

    private func writeLine(_ text: String) {
        guard let file else { return }
        write(text + "\n", to: file)
    }

    /// Whole lines (each ending in a newline) in one fwrite, then fflush, so the OS only ever
    /// holds whole lines plus, if the process dies inside fwrite, one partial line.
    private func write(_ text: String, to file: UnsafeMutablePointer<FILE>) {
        var text = text
        let (written, count) = text.withUTF8 { (fwrite($0.baseAddress, 1, $0.count, file), $0.count) }
        if (written != count || fflush(file) != 0) && firstError == nil {
            firstError = "writing the trace failed: \(String(cString: strerror(errno)))"
        }
    }
}
