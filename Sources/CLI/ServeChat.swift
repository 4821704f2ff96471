import Foundation
import Model
import Server

/// Chat messages → prompt text for `serve`: the model's own chat template (the GGUF's
/// `tokenizer.chat_template`, rendered by the model layer), or plain "role: text" lines for a
/// model without one (the synthetic models).
enum ServeChat {
    static func renderer(for model: LlamaModel) -> ChatRenderer {
        guard let template = model.chatTemplate else { return plain }
        return { turns in
            try template.render(turns.map { ChatMessage(role: $0.role, content: $0.content) }, addGenerationPrompt: true)
        }
    }

    static let plain: ChatRenderer = { turns in
        turns.map { "\($0.role): \($0.content)" }.joined(separator: "\n") + "\nassistant:"
    }
}
