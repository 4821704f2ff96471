/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable {
    /// "system", "user" or "assistant".
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Why a chat template cannot be used: one line, meant for the user.
public struct ChatTemplateError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A model's chat template (GGUF `tokenizer.chat_template`, Jinja source) turned into prompt text.
///
/// pdscope renders the subset of Jinja chat templates are written in — text, `{{ }}` with string
/// concatenation, indexing, `loop.*`, a few filters; `{% for %}`, `{% if %}`, `{% set %}` — with
/// Hugging Face's whitespace rules, so ChatML templates (SmolLM2, Qwen) give exactly the text
/// llama.cpp and transformers give, default system message included. Anything outside the
/// subset throws `ChatTemplateError` when the template is loaded, so callers can fall back to a
/// plain completion instead of sending a half-rendered prompt.
public struct ChatTemplate: Sendable {
    public let source: String
    /// Values of `bos_token` and `eos_token` inside the template.
    public let bosToken: String
    public let eosToken: String
    private let nodes: [JinjaNode]

    public init(source: String) throws {
        try self.init(source: source, bosToken: "", eosToken: "")
    }

    public init(source: String, bosToken: String, eosToken: String) throws {
        self.source = source
        self.bosToken = bosToken
        self.eosToken = eosToken
        nodes = try ChatTemplateParser.parse(source)
        // A template that cannot render a plain exchange is of no use; say so now, not mid-request.
        let probe = [ChatMessage(role: "user", content: "Hello?"), ChatMessage(role: "assistant", content: "Hi."),
                     ChatMessage(role: "user", content: "Bye?")]
        let text = try render(probe, addGenerationPrompt: true)
        guard text.contains("Hello?"), text.contains("Bye?") else {
            throw ChatTemplateError("the template does not put the messages' text into the prompt")
        }
    }

    /// The prompt for `messages`; with `addGenerationPrompt`, ending where the assistant's reply starts.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        var renderer = JinjaRenderer(scopes: [[
            "messages": .list(messages.map { .dict(["role": .string($0.role), "content": .string($0.content)]) }),
            "add_generation_prompt": .bool(addGenerationPrompt),
            "bos_token": .string(bosToken),
            "eos_token": .string(eosToken),
        ]])
        try renderer.render(nodes)
        return renderer.out
    }
}
