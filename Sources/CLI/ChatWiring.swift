import Model

/// Where the dashboard meets the model's chat template (`LlamaModel.chatTemplate`): one user
/// turn, then the assistant's generation prompt, as `generate --chat` renders it.
enum ChatWiring {
    /// The renderer of `model`'s template, or nil when it has none pdscope can render.
    static func renderer(for model: LlamaModel) -> DashboardPrompts.Render? {
        model.chatTemplate.map(renderer(template:))
    }

    static func renderer(template: ChatTemplate) -> DashboardPrompts.Render {
        { try template.render([ChatMessage(role: "user", content: $0)], addGenerationPrompt: true) }
    }

    /// Why a model that has a template still gets plain-text prompts, or nil.
    static func problem(of model: LlamaModel) -> String? {
        guard model.chatTemplate == nil, model.file.string("tokenizer.chat_template") != nil,
              let problem = model.chatTemplateProblem else { return nil }
        return problem + "; the dashboard sends prompts as plain text"
    }
}
