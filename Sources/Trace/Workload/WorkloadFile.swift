import Engine
import Foundation

/// Reads and writes workload files: JSON Lines, a header line
/// `{"format": "pdscope-workload", "version": "1.0", "description": ..., "generator": {...}}`
/// then one request per line in the form of `RequestSpecCoding`.
///
/// Reading never crashes on bad input: the first problem is thrown as a one-line
/// `FileFormatError` with the file and line number. Decisions, so users know what to expect:
/// - blank lines are skipped (they keep their line numbers);
/// - requests out of arrival order are accepted and stably sorted, with a note naming the first
///   line that went backwards (concatenated or hand-edited files are common, and order is
///   unambiguous to recover);
/// - unknown fields are ignored with one note per field name (they are usually typos);
/// - a newer minor version is accepted with a note; another major version is rejected;
/// - a file with a header but no requests is an error (there would be nothing to replay);
/// - a recorded session trace (`pdscope-trace`) is accepted too, via `Workload(trace:)`.
public enum WorkloadFile {
    public static func read(path: String) throws -> Workload {
        try parse(bytes: JSONLines.readBytes(path: path), path: path)
    }

    /// Parses workload text; `path` is only used in messages.
    public static func parse(_ text: String, path: String = "<workload>") throws -> Workload {
        try parse(bytes: Array(text.utf8), path: path)
    }

    public static func parse(bytes: [UInt8], path: String) throws -> Workload {
        let lines = JSONLines.split(bytes).filter { !$0.isBlank }
        guard let first = lines.first else {
            throw FileFormatError(path: path, line: nil, message: "the file is empty; a workload starts with a header line {\"format\": \"\(WorkloadHeader.formatName)\", \"version\": \"\(WorkloadHeader.currentVersion)\"}")
        }
        var notes: [String] = []
        let header: WorkloadHeader
        do {
            var fields = try JSONLines.parseObject(first)
            if try fields.string("format") == TraceHeader.formatName {
                // A recorded session replays as the requests it holds.
                var workload = Workload(trace: try TraceReader.parse(bytes: bytes, path: path))
                workload.notes.insert("\(path): read the requests of a recorded session trace", at: 0)
                return workload
            }
            header = try parseHeader(&fields, notes: &notes, prefix: "\(path):\(first.number)")
        } catch let problem as LineProblem {
            throw FileFormatError(path: path, line: first.number, message: problem.message)
        }

        var requests: [RequestSpec] = []
        var unknownKeys: [String: (firstLine: Int, count: Int)] = [:]
        var unknownOrder: [String] = []
        var firstBackwards: (line: Int, arrival: Double, previous: Double)?
        var outOfOrderCount = 0
        for line in lines.dropFirst() {
            do {
                var fields = try JSONLines.parseObject(line)
                let spec = try RequestSpecCoding.decode(&fields)
                for key in fields.unusedKeys {
                    if let seen = unknownKeys[key] { unknownKeys[key] = (seen.firstLine, seen.count + 1) }
                    else { unknownKeys[key] = (line.number, 1); unknownOrder.append(key) }
                }
                if let previous = requests.last?.arrivalOffset, spec.arrivalOffset < previous {
                    outOfOrderCount += 1
                    if firstBackwards == nil { firstBackwards = (line.number, spec.arrivalOffset, previous) }
                }
                requests.append(spec)
            } catch let problem as LineProblem {
                throw FileFormatError(path: path, line: line.number, message: problem.message)
            }
        }
        guard !requests.isEmpty else {
            throw FileFormatError(path: path, line: nil, message: "the file has a header but no requests")
        }
        for key in unknownOrder {
            let seen = unknownKeys[key]!
            let more = seen.count > 1 ? " (and on \(seen.count - 1) more line\(seen.count == 2 ? "" : "s"))" : ""
            notes.append("\(path):\(seen.firstLine): unknown field '\(key)' ignored\(more)")
        }
        if let back = firstBackwards {
            notes.append("\(path):\(back.line): arrival_s \(JSONWriter.format(back.arrival)) is earlier than the request before it (\(JSONWriter.format(back.previous))); \(outOfOrderCount) request\(outOfOrderCount == 1 ? "" : "s") out of order, sorted by arrival time")
            requests = Workload.sortedByArrival(requests)
        }
        return Workload(header: header, requests: requests, notes: notes)
    }

    private static func parseHeader(_ fields: inout FieldReader, notes: inout [String], prefix: String) throws -> WorkloadHeader {
        guard let format = try fields.string("format") else {
            if fields.has("arrival_s") || fields.has("prompt") || fields.has("prompt_tokens") {
                throw LineProblem("missing the header line: a workload starts with {\"format\": \"\(WorkloadHeader.formatName)\", \"version\": \"\(WorkloadHeader.currentVersion)\"}")
            }
            throw LineProblem("the header has no 'format' (expected \"\(WorkloadHeader.formatName)\")")
        }
        guard format == WorkloadHeader.formatName else {
            throw LineProblem("not a pdscope workload: format is \"\(format)\", expected \"\(WorkloadHeader.formatName)\"")
        }
        let (version, note) = try FormatVersion.check(&fields, supported: WorkloadHeader.currentVersion, formatName: WorkloadHeader.formatName)
        if let note { notes.append("\(prefix): \(note)") }
        let description = try fields.string("description")
        var generator: [String: String] = [:]
        for (key, value) in try fields.object("generator")?.pairs ?? [] {
            if case .string(let s) = value { generator[key] = s } else { generator[key] = JSONWriter.serialize(value) }
        }
        let model = try fields.object("model").map(ModelIdentity.decode)
        return WorkloadHeader(version: version, description: description, generator: generator, model: model)
    }

    /// The file's text: header line, then one line per request, each ending in a newline.
    public static func encode(_ workload: Workload) -> String {
        var header = JSONObject()
        header["format"] = .string(WorkloadHeader.formatName)
        header["version"] = .string(workload.header.version.description)
        if let description = workload.header.description { header["description"] = .string(description) }
        if !workload.header.generator.isEmpty {
            var generator = JSONObject()
            for key in workload.header.generator.keys.sorted() { generator[key] = .string(workload.header.generator[key]!) }
            header["generator"] = .object(generator)
        }
        if let model = workload.header.model { header["model"] = .object(model.encode()) }
        var out = JSONWriter.serialize(.object(header)) + "\n"
        for spec in workload.requests {
            JSONWriter.write(.object(RequestSpecCoding.encode(spec)), into: &out)
            out += "\n"
        }
        return out
    }

    /// Writes the file atomically (a reader never sees half a workload).
    public static func write(_ workload: Workload, to path: String) throws {
        do {
            try Data(encode(workload).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw FileFormatError(path: path, line: nil, message: "cannot write: \(error.localizedDescription)")
        }
    }

    public static func write(requests: [RequestSpec], description: String? = nil, generator: [String: String] = [:], to path: String) throws {
        try write(Workload(header: WorkloadHeader(description: description, generator: generator), requests: requests), to: path)
    }
}
