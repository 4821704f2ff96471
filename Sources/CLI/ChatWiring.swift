import Model
import Server

/// Where the CLI meets the model's chat template (`LlamaModel.chatTemplate`), in one place:
/// `serve` renders whole conversations, the dashboard and `workload` one user turn; both end with
/// the assistant's generation prompt, as `generate --chat` renders it.
enum ChatWiring {
    /// Chat messages → prompt text through `template`.
    static func conversation(template: ChatTemplate) -> ChatRenderer {
        { turns in try template.render(turns.map { ChatMessage(role: $0.role, content: $0.content) }, addGenerationPrompt: true) }
    }

    /// `serve`: the model's own template, or plain "role: text" lines for a model without one
    /// (the synthetic models).
    static func serveRenderer(for model: LlamaModel) -> ChatRenderer {
        model.chatTemplate.map(conversation(template:)) ?? plain
    }

    static let plain: ChatRenderer = { turns in
        turns.map { "\($0.role): \($0.content)" }.joined(separator: "\n") + "\nassistant:"
    }

    /// The one-user-turn renderer of `model`'s template, or nil when it has none pdscope can render.
    static func renderer(for model: LlamaModel) -> DashboardPrompts.Render? {
        model.chatTemplate.map(renderer(template:))
    }

    static func renderer(template: ChatTemplate) -> DashboardPrompts.Render {
        let chat = conversation(template: template)
        return { try chat([ChatTurn(role: "user", content: $0)]) }
    }

    /// Why a model that has a template still gets plain-text prompts, or nil.
    static func problem(of model: LlamaModel) -> String? {
        guard model.chatTemplate == nil, model.file.string("tokenizer.chat_template") != nil,
              let problem = model.chatTemplateProblem else { return nil }
        return problem + "; the dashboard sends prompts as plain text"
    }
}
