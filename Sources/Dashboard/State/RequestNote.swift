import Engine

/// What attach's proxy learns of a request after its `arrived` event: the prompt's token count
/// (from the upstream's usage) and, for P-first, when the prefill hop answered and the decode hop
/// was sent. The in-process engine never needs one: its events say all of it.
public struct RequestNote: Equatable, Sendable {
    public var request: RequestID
    public var promptTokens: Int?
    public var prefillEnd: Double?
    public var decodeStart: Double?

    public init(request: RequestID, promptTokens: Int? = nil, prefillEnd: Double? = nil, decodeStart: Double? = nil) {
        self.request = request; self.promptTokens = promptTokens; self.prefillEnd = prefillEnd; self.decodeStart = decodeStart
    }
}
