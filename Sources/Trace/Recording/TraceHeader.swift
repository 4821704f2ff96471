import Foundation

/// Which model a session ran: enough to tell two recordings apart (same name, other weights).
public struct ModelIdentity: Equatable, Sendable {
    /// A short name, e.g. "stories260K-q8_0" or "embedded default".
    public var name: String
    /// A content hash of the model file, e.g. "sha256:5e04…" (see `ContentHash`).
    public var contentHash: String
    /// The model's context length in tokens.
    public var contextLength: Int
    /// Where it was loaded from, if it came from a file.
    public var path: String?

    public init(name: String, contentHash: String, contextLength: Int, path: String? = nil) {
        self.name = name; self.contentHash = contentHash; self.contextLength = contextLength; self.path = path
    }

    /// `{"name", "hash", "context_length", "path"?}`, as trace and workload headers write it.
    func encode() -> JSONObject {
        var model = JSONObject()
        model["name"] = .string(name)
        model["hash"] = .string(contentHash)
        model["context_length"] = .int(contextLength)
        if let path { model["path"] = .string(path) }
        return model
    }

    static func decode(_ object: JSONObject) throws -> ModelIdentity {
        var m = FieldReader(object: object)
        return ModelIdentity(name: try m.requiredString("name"), contentHash: try m.requiredString("hash"),
                             contextLength: try m.requiredInt("context_length", in: 1...100_000_000),
                             path: try m.string("path"))
    }
}

/// The first line of a session trace: what produced the events that follow, so a trace can be
/// understood (and compared) long after the run.
public struct TraceHeader: Equatable, Sendable {
    public static let formatName = "pdscope-trace"
    public static let currentVersion = FormatVersion(major: 1, minor: 0)

    public var version: FormatVersion
    /// The pdscope that wrote the trace.
    public var pdscopeVersion: String
    public var model: ModelIdentity
    /// The policy name, e.g. "chunked-prefill".
    public var policy: String
    /// Every engine setting, stringified (the engine owns their meaning; a trace only keeps them).
    public var settings: [String: String]
    /// How many CPU cores the engine ran on.
    public var cores: Int
    /// Wall-clock start of the run; event times are seconds after it.
    public var startTime: Date

    public init(version: FormatVersion = TraceHeader.currentVersion, pdscopeVersion: String, model: ModelIdentity,
                policy: String, settings: [String: String], cores: Int, startTime: Date) {
        self.version = version; self.pdscopeVersion = pdscopeVersion; self.model = model
        self.policy = policy; self.settings = settings; self.cores = cores; self.startTime = startTime
    }

    func encode() -> JSONObject {
        let model = self.model.encode()
        var settings = JSONObject()
        for key in self.settings.keys.sorted() { settings[key] = .string(self.settings[key]!) }
        var o = JSONObject()
        o["format"] = .string(Self.formatName)
        o["version"] = .string(version.description)
        o["pdscope_version"] = .string(pdscopeVersion)
        o["model"] = .object(model)
        o["policy"] = .string(policy)
        o["settings"] = .object(settings)
        o["cores"] = .int(cores)
        o["start_time"] = .string(Self.timestampFormatter().string(from: startTime))
        return o
    }

    static func decode(_ fields: inout FieldReader) throws -> (TraceHeader, note: String?) {
        guard let format = try fields.string("format") else {
            throw LineProblem("the first line is not a trace header (no 'format'; expected \"\(formatName)\")")
        }
        guard format == formatName else {
            throw LineProblem("not a pdscope trace: format is \"\(format)\", expected \"\(formatName)\"")
        }
        let (version, note) = try FormatVersion.check(&fields, supported: currentVersion, formatName: formatName)
        guard let modelObject = try fields.object("model") else { throw LineProblem("missing required field 'model'") }
        let model = try ModelIdentity.decode(modelObject)
        var settings: [String: String] = [:]
        for (key, value) in try fields.object("settings")?.pairs ?? [] {
            if case .string(let s) = value { settings[key] = s } else { settings[key] = JSONWriter.serialize(value) }
        }
        let stamp = try fields.requiredString("start_time")
        guard let start = timestampFormatter().date(from: stamp) else {
            throw LineProblem("'start_time' must be an ISO 8601 time like 2025-01-31T12:00:00.000Z, got \"\(stamp)\"")
        }
        let header = TraceHeader(version: version, pdscopeVersion: try fields.requiredString("pdscope_version"), model: model,
                                 policy: try fields.requiredString("policy"), settings: settings,
                                 cores: try fields.requiredInt("cores", in: 1...100_000), startTime: start)
        return (header, note)
    }

    /// A fresh formatter per call: ISO8601DateFormatter is not documented as thread-safe.
    private static func timestampFormatter() -> ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }
}
