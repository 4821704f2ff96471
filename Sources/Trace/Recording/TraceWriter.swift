import Dispatch
import Engine
import Foundation

/// Records the engine event stream to a session trace (`pdscope --record FILE.jsonl`).
///
/// Engine threads call `receive` and must never wait on the disk, so the event is encoded to
/// its line on the calling thread (cheap, and in parallel across instances) and handed to a
/// private serial queue, which writes and flushes each line in order. Because every `fflush`
/// happens at a line boundary, a crash at any moment leaves whole lines plus at most one
/// partial line, which `TraceReader` accepts as a prefix. `close()` writes a closing line so a
/// reader can also tell a clean end from a process that died between two lines.
public final class TraceWriter: EngineEventSink, @unchecked Sendable {
    public let path: String
    // Everything below is touched only on `queue`.
    private let queue = DispatchQueue(label: "pdscope.trace-writer")
    private var file: UnsafeMutablePointer<FILE>?
    private var eventCount = 0
    private var lastTime = 0.0
    private var firstError: String?

    /// Creates (or replaces) the file and writes the header line before returning.
    public init(path: String, header: TraceHeader) throws {
        self.path = path
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

    public func receive(_ event: EngineEvent) {
        let line = EventCoding.line(for: event)
        queue.async { [self] in
            guard file != nil else { return }
            writeLine(line)
            eventCount += 1
            lastTime = max(lastTime, event.time)
        }
    }

    /// Waits until every event received so far is written and flushed.
    public func flush() {
        queue.sync {}
    }

    /// Number of events written so far (waits for pending ones).
    public var writtenEventCount: Int { queue.sync { eventCount } }

    /// The first write failure (disk full, ...), if any; the CLI reports it after the run.
    public var writeError: String? { queue.sync { firstError } }

    /// Writes the closing line, flushes and closes the file. Events received afterwards are
    /// dropped. Safe to call more than once.
    public func close() {
        queue.sync {
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

    /// One fwrite per line (newline included) then fflush, so the OS holds whole lines.
    private func writeLine(_ text: String) {
        guard let file else { return }
        var bytes = Array(text.utf8)
        bytes.append(0x0A)
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        if (written != bytes.count || fflush(file) != 0) && firstError == nil {
            firstError = "writing the trace failed: \(String(cString: strerror(errno)))"
        }
    }
}
