import ArgumentParser
import Foundation
import Model
import Trace

extension WorkloadKind: ExpressibleByArgument {}

/// `pdscope workload`: writes a generated, seeded workload file.
struct WorkloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workload",
        abstract: "Generate a workload file (JSON Lines) to replay, compare or watch.",
        discussion: """
        Kinds:
          steady              five users chatting, short prompts, Poisson at --rate
          long-prompt-storm   that chat plus a 90-95%-of-context prompt every 3-5 s
          mixed               lognormal lengths; app users share a system prompt

        The same settings always give the same file. Without --rate, --duration and --seed each kind \
        uses the settings of its file in Traces/, so those files can be regenerated exactly.

        With --model (a name such as smollm2, or a GGUF file with a chat template) the prompts are \
        made for that model: chat users ask real questions and a storm's long prompts are generated \
        documents (logs, tables, code, meeting notes) with a question, all in the model's chat \
        template; the context defaults to the one it serves, and the header records the model's name \
        and SHA-256, so that replaying the file on another model says so.

        Examples:
          pdscope workload --kind long-prompt-storm -o storm.jsonl
          pdscope workload --kind steady --rate 2 --duration 30 --seed 7 -o chat.jsonl
          pdscope replay storm.jsonl --policy chunked-prefill
          pdscope workload --kind long-prompt-storm --model smollm2 -o smol-storm.jsonl
        """)

    @Option(help: ArgumentHelp("steady, long-prompt-storm or mixed.", valueName: "KIND"))
    var kind: WorkloadKind

    @Option(parsing: .unconditional, help: ArgumentHelp("Chat requests per second (default: the shipped file's, 1 or 2).", valueName: "R"))
    var rate: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds of arrivals (default: the shipped file's, 60 or 120).", valueName: "S"))
    var duration: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Random seed (default: the shipped file's).", valueName: "N"))
    var seed: UInt64?

    @Option(parsing: .unconditional, help: ArgumentHelp("The model's context length in tokens: long prompts are sized to fit it (default: --model's served context, else the embedded model's \(ShippedWorkload.contextLength)).", valueName: "N"))
    var context: Int?

    @Option(help: ArgumentHelp("Make chat prompts for this model (name or GGUF file): questions and documents in its chat template; the header names the model.", valueName: "NAME|FILE"))
    var model: String?

    @Option(name: .customLong("max-model-len"), parsing: .unconditional, help: ArgumentHelp("With --model: the context it serves (as for the other commands).", valueName: "N"))
    var maxModelLen: Int?

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file.", valueName: "FILE"))
    var output: String

    func validate() throws {
        if let context {
            try FlagBounds.count(context, flag: "--context", in: 64...1_048_576,
                                 why: "long prompts are sized to it, and no model here runs a longer context")
        }
    }

    func run() throws {
        var chat: (ChatPrompting, ModelIdentity)?
        if let model {
            let loaded = try ModelOptions.parse(["--model", model] + (maxModelLen.map { ["--max-model-len", String($0)] } ?? [])).loadWithSource()
            guard let template = loaded.model.chatTemplate else {
                throw CLIError("--model \(model): \(loaded.model.chatTemplateProblem ?? "no chat template"); chat workloads need one")
            }
            let tokenizer = loaded.model.tokenizer
            let render = ChatWiring.renderer(template: template)
            chat = (ChatPrompting(render: { try? render($0) }, countTokens: { tokenizer.encode($0, addBOS: false).count }),
                    try ReplayRecording.identity(of: loaded))
        }
        let context = self.context ?? chat?.1.contextLength ?? ShippedWorkload.contextLength
        let (workload, line) = try Self.generate(kind: kind, rate: rate, duration: duration, seed: seed, context: context, chat: chat)
        do { try WorkloadFile.write(workload, to: output) } catch { throw CLIError("\(output): \(error)") }
        print("\(output): \(line)")
    }

    /// The workload these settings describe and a one-line summary of it. Settings equal to a
    /// shipped workload's give that workload exactly (with its description).
    static func generate(kind: WorkloadKind, rate: Double?, duration: Double?, seed: UInt64?, context: Int,
                         chat: (ChatPrompting, ModelIdentity)? = nil) throws -> (Workload, String) {
        let shipped = ShippedWorkload.all.first { $0.kind == kind }
        let rate = rate ?? shipped?.rate ?? 1
        let duration = duration ?? shipped?.duration ?? 60
        let seed = seed ?? shipped?.seed ?? 1
        if let problem = WorkloadGenerator.problem(rate: rate, duration: duration, contextLength: context) {
            throw CLIError(problem)
        }
        let workload: Workload
        if let shipped, shipped.rate == rate, shipped.duration == duration, shipped.seed == seed,
           context == ShippedWorkload.contextLength, chat == nil {
            workload = shipped.makeWorkload()
        } else {
            workload = WorkloadGenerator.makeWorkload(kind: kind, rate: rate, duration: duration, seed: seed, contextLength: context,
                                                      chat: chat?.0, model: chat?.1)
        }
        let prompts = workload.requests.map { spec -> Int in
            switch spec.prompt {
            case .synthetic(let count, _, _): return count
            case .text(let text): return chat.map { $0.0.countTokens(text) } ?? 0
            }
        }
        let long = prompts.filter { $0 >= context / 2 }.count
        let users = Set(workload.requests.map(\.user)).count
        var line = "\(workload.requests.count) requests from \(users) users over \(JSONWriter.format(duration)) s (\(kind.rawValue), rate \(JSONWriter.format(rate))/s, seed \(seed), context \(context))"
        if long > 0 { line += ", \(long) long prompts" }
        if let model = chat?.1 { line += ", chat prompts for \(model.name)" }
        return (workload, line)
    }
}
