import ArgumentParser
import Model

/// The `pdscope` command and its subcommands.
public struct PDScope: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pdscope",
        abstract: "Watch, live, how an LLM server schedules prefill and decode.",
        subcommands: []
    )
    public init() {}
}
