import Trace

/// A recorded session replayed on a model other than the one it was recorded on: its text
/// prompts (chat-templated for that model, perhaps) are tokenized by another tokenizer and its
/// outputs cannot match. Said once, before the run, so differing texts are not a surprise.
enum ModelMismatch {
    /// A line saying what differs, or nil when it is the same model serving the same context.
    static func note(recorded: ModelIdentity, current: ModelIdentity, verb: String = "recorded on") -> String? {
        if sameWeights(recorded.contentHash, current.contentHash) {
            guard recorded.contextLength != current.contextLength else { return nil }
            return "same model, but a context of \(recorded.contextLength) tokens then and \(current.contextLength) now (--max-model-len)"
        }
        return "\(verb) \(describe(recorded)), replayed on \(describe(current)): "
            + "text prompts are tokenized by this model and its outputs will differ from the recording"
    }

    private static func describe(_ m: ModelIdentity) -> String {
        "\(m.name) (\(short(m.contentHash)), context \(m.contextLength))"
    }

    /// "sha256:b179c9523d0e…" — enough to tell files apart in a message.
    static func short(_ hash: String) -> String {
        guard let colon = hash.firstIndex(of: ":"), hash.hasPrefix("sha256:") else { return hash }
        return String(hash[...colon]) + String(hash[hash.index(after: colon)...].prefix(12)) + "…"
    }

    /// Older dashboard recordings named the embedded model "synthetic:…" and replays "embedded:…".
    private static func sameWeights(_ a: String, _ b: String) -> Bool {
        func normal(_ h: String) -> String { h.hasPrefix("synthetic:") ? "embedded:" + h.dropFirst("synthetic:".count) : h }
        return normal(a) == normal(b)
    }
}
