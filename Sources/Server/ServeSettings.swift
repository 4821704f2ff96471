/// How `pdscope serve` listens and whom it answers.
public struct ServeSettings: Sendable {
    public var host = "127.0.0.1"
    public var port = 8000
    /// The id clients send as `model` and `/v1/models` lists (vLLM's `--served-model-name`).
    public var servedModelName: String
    /// The model's own name (`/v1/models` `root`).
    public var modelRoot: String
    /// When set, every `/v1` request needs `Authorization: Bearer KEY`.
    public var apiKey: String?
    /// Larger request bodies get 413.
    public var maxBodyBytes = 8 * 1024 * 1024
    /// A connection with nothing to read or write for this long is closed.
    public var idleTimeoutSeconds = 60.0
    public var version: String

    public init(servedModelName: String, modelRoot: String, version: String) {
        self.servedModelName = servedModelName; self.modelRoot = modelRoot; self.version = version
    }
}
