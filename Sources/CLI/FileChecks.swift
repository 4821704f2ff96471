import Model

/// The check every command makes on a file it reads (model, workload, trace, checkpoint) before
/// opening it: one wording everywhere, naming the path as given ("x.gguf: no such file",
/// "/dev/null: not a regular file (a character device)"). `--model` names (e.g. `smollm2`) are
/// resolved before this; it is for paths.
enum FileChecks {
    static func requireRegularFile(_ path: String) throws {
        if let problem = RegularFile.problem(at: path) { throw CLIError("\(path): \(problem)") }
    }
}
