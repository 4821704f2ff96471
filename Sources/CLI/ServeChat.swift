import Foundation
import Model
import Server

/// Chat messages → prompt text for `serve`. Until the model layer renders a GGUF's own
/// `tokenizer.chat_template`, this follows the template's family: ChatML (`<|im_start|>`, used by
/// SmolLM2) when the file's template uses it, else plain "role: text" lines for models without one.
enum ServeChat {
    static func renderer(for model: LlamaModel) -> ChatRenderer {
        let template = model.file.string("tokenizer.chat_template") ?? ""
        if template.contains("<|im_start|>") { return chatML }
        return plain
    }

    static let chatML: ChatRenderer = { turns in
        var text = ""
        for turn in turns { text += "<|im_start|>\(turn.role)\n\(turn.content)<|im_end|>\n" }
        return text + "<|im_start|>assistant\n"
    }

    static let plain: ChatRenderer = { turns in
        turns.map { "\($0.role): \($0.content)" }.joined(separator: "\n") + "\nassistant:"
    }
}
