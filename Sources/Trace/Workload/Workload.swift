import Engine

/// A `major.minor` file format version. Readers accept any minor version of the major they know
/// (minor versions only add optional fields) and reject other majors.
public struct FormatVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) { self.major = major; self.minor = minor }

    /// Parses "1.0" or "1" (minor 0). Returns nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
              let major = Int(parts[0]), major >= 0,
              let minor = parts.count == 2 ? Int(parts[1]) : 0, minor >= 0 else { return nil }
        self.init(major: major, minor: minor)
    }

    public var description: String { "\(major).\(minor)" }

    public static func < (a: FormatVersion, b: FormatVersion) -> Bool {
        (a.major, a.minor) < (b.major, b.minor)
    }

    /// Reads the `version` field of a header (a string like "1.0"; a bare number is tolerated)
    /// and checks it against `supported`. Returns a note when the file is from a newer minor.
    static func check(_ fields: inout FieldReader, supported: FormatVersion, formatName: String) throws -> (FormatVersion, String?) {
        guard let value = fields.value("version") else {
            throw LineProblem("the \(formatName) header has no 'version' (expected \"\(supported)\")")
        }
        let text: String
        switch value {
        case .string(let s): text = s
        case .number(let s): text = s
        default: throw LineProblem("'version' must be a string like \"\(supported)\", got \(value.excerpt)")
        }
        guard let version = FormatVersion(text) else {
            throw LineProblem("'version' must look like \"\(supported)\" (major.minor), got \(value.excerpt)")
        }
        guard version.major == supported.major else {
            throw LineProblem("unsupported \(formatName) version \(version): this pdscope reads version \(supported.major).x")
        }
        let note = version.minor > supported.minor
            ? "written by a newer pdscope (\(formatName) \(version), this one knows \(supported)); fields it does not know are ignored"
            : nil
        return (version, note)
    }
}

/// The first line of a workload file.
public struct WorkloadHeader: Equatable, Sendable {
    public static let formatName = "pdscope-workload"
    public static let currentVersion = FormatVersion(major: 1, minor: 0)

    public var version: FormatVersion
    /// One human sentence: what the workload shows.
    public var description: String?
    /// The settings that generated it (kind, rate, seed, ...), so it can be regenerated; empty
    /// for hand-written or imported files.
    public var generator: [String: String]
    /// The model whose chat template and tokenizer shaped the prompts (`pdscope workload --model`),
    /// or that a recorded session ran on; nil for model-independent workloads.
    public var model: ModelIdentity?

    public init(version: FormatVersion = WorkloadHeader.currentVersion, description: String? = nil, generator: [String: String] = [:],
                model: ModelIdentity? = nil) {
        self.version = version; self.description = description; self.generator = generator; self.model = model
    }
}

/// A list of requests to replay, read from a workload file, a generator, an importer or a
/// recorded trace. `requests` are sorted by arrival time.
public struct Workload: Equatable, Sendable {
    public var header: WorkloadHeader
    public var requests: [RequestSpec]
    /// Non-fatal findings worth telling the user (unknown fields, re-sorted arrivals, newer
    /// minor version), each a one-line message that starts with `file:line:` where it applies.
    public var notes: [String]

    public init(header: WorkloadHeader = WorkloadHeader(), requests: [RequestSpec], notes: [String] = []) {
        self.header = header; self.requests = requests; self.notes = notes
    }

    /// The requests of a recorded session, each arriving at the time it arrived in the recording
    /// (the `arrived` event's time, which for typed-in requests differs from the spec's offset).
    public init(trace: RecordedTrace) {
        var requests: [RequestSpec] = []
        for event in trace.events {
            if case .arrived(_, var spec, _) = event.kind {
                spec.arrivalOffset = max(0, event.time)
                requests.append(spec)
            }
        }
        requests = Workload.sortedByArrival(requests)
        var notes: [String] = []
        if trace.isTruncated { notes.append("the recording was cut short; replaying the requests it holds") }
        let description = "requests recorded in a \(trace.header.policy) session"
        self.init(header: WorkloadHeader(description: description, model: trace.header.model), requests: requests, notes: notes)
    }

    /// Stable sort by arrival: requests that arrive together keep their file order.
    static func sortedByArrival(_ requests: [RequestSpec]) -> [RequestSpec] {
        requests.enumerated()
            .sorted { ($0.element.arrivalOffset, $0.offset) < ($1.element.arrivalOffset, $1.offset) }
            .map(\.element)
    }
}
