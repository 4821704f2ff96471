import ArgumentParser
import Trace

/// The flags that fit a public GPU-scale trace onto a small CPU model: shared by `import` and by
/// `replay`/`compare` when they read a Mooncake or Azure file directly.
struct ImportFlags: ParsableArguments {
    @Option(name: .customLong("length-scale"), parsing: .unconditional, help: ArgumentHelp("Multiply prompt lengths (and Mooncake's 512-token prefix blocks) by this.", valueName: "X"))
    var lengthScale: Double = 1

    @Option(name: .customLong("output-scale"), parsing: .unconditional, help: ArgumentHelp("Multiply output lengths by this.", valueName: "X"))
    var outputScale: Double = 1

    @Option(name: .customLong("time-scale"), parsing: .unconditional, help: ArgumentHelp("Multiply arrival offsets by this (0.5 = twice as fast).", valueName: "X"))
    var timeScale: Double = 1

    @Option(parsing: .unconditional, help: ArgumentHelp("Start this many seconds into the original trace.", valueName: "S"))
    var start: Double = 0

    @Option(parsing: .unconditional, help: ArgumentHelp("Import this many seconds of the original trace (default: to the end).", valueName: "S"))
    var duration: Double?

    /// The import options for a model of `contextLength` tokens; `limit` is shared with the
    /// command's own `--limit`.
    func makeOptions(contextLength: Int, limit: Int?) throws -> ImportOptions {
        let options = ImportOptions(contextLength: contextLength, lengthScale: lengthScale, outputScale: outputScale,
                                    timeScale: timeScale, start: start, duration: duration, limit: limit)
        if let problem = options.problem { throw CLIError(problem) }
        return options
    }
}
