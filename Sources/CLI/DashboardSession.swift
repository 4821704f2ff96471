import Dashboard
import Engine
import Foundation
import Model

/// A dashboard's model, engine and prompt maker (`pdscope dashboard`, `serve --dashboard`), built
/// on the loader thread while the first frame shows.
struct DashboardSession {
    var model: LoadedModel
    var engine: Engine
    var startDate: Date
    var settings: DashboardSettings
    /// Real questions and documents in the chat template (instruct models), else nil.
    var prompts: DashboardPrompts?
    /// Lines for the status bar (and stderr after exit): which model, context, KV pool size.
    var notes: [String]

    /// Loads the model, sizes the default KV pools, builds the engine (not started) and the prompts.
    static func load(choice: ModelLoader.Choice, maxModelLength: Int?, config: EngineConfig,
                     loadRate: Double?) throws -> DashboardSession {
        let loaded = try ModelLoader.load(choice, maxModelLength: maxModelLength)
        var config = config
        var notes = loaded.notes
        if let note = KVSizing.apply(&config, model: loaded.model) { notes.append(note) }
        let engine: Engine
        do { engine = try Engine(config: config, runnerFactory: LlamaRunner.factory(model: loaded.model)) } catch { throw CLIError("\(error)") }
        let isChat = ChatWiring.renderer(for: loaded.model) != nil
        let settings = LiveDashboardEngine.settings(contextLength: loaded.model.config.contextLength, initialLoadRate: loadRate, isChat: isChat)
        let (prompts, promptNote) = DashboardPrompts.make(model: loaded.model, maxTokens: settings.maxTokens)
        if let promptNote { notes.append(promptNote) }
        return DashboardSession(model: loaded, engine: engine, startDate: Date(), settings: settings, prompts: prompts, notes: notes)
    }

    /// The dashboard's description of `engine` running this session's model.
    func describe(_ engine: Engine, slos: GoodputSLO?) -> DashboardConfig {
        var config = LiveDashboardEngine.dashboardConfig(engine: engine, model: model.model, slos: slos)
        // A catalog model's file name reads better than its GGUF general.name ("Smollm2 135M 8k Lc100K Mix1 Ep2").
        if case .file(_, let catalog?) = model.source { config.modelName = catalog.displayName }
        return config
    }
}
