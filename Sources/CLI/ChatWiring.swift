import Model

/// Where the dashboard meets the model's chat template. The template renderer (issue 8's
/// `ChatTemplate`) is not on this branch yet: until it is, no model renders chat, and the
/// dashboard sends prompts as plain text / synthetic tokens, as it always has.
enum ChatWiring {
    /// A renderer of one user turn followed by the assistant's generation prompt, or nil.
    static func renderer(for model: LlamaModel) -> DashboardPrompts.Render? {
        nil
    }
}
