import Foundation

/// Renders what a GGUF file holds as plain text for `pdscope inspect`: format, architecture,
/// hyper-parameters (or why they are unusable), tokenizer summary, tensor table and totals.
/// Never throws: a file that parsed can always be described, even if it is not a usable llama.
public enum ModelInspector {
    public static func report(_ file: GGUFFile) -> String {
        var lines: [String] = []
        lines.append("\(file.name): GGUF v\(file.version), \(file.byteCount) bytes (\(humanBytes(file.byteCount))), "
                     + "alignment \(file.alignment), \(file.metadataKeys.count) metadata keys, \(file.tensors.count) tensors")
        lines.append("architecture: \(file.string("general.architecture") ?? "(none)")"
                     + (file.string("general.name").map { "  name: \($0)" } ?? "")
                     + (file.int("general.file_type").map { "  file_type: \($0)" } ?? ""))
        lines.append("")
        lines.append(contentsOf: hyperParameters(file))
        lines.append("")
        lines.append(contentsOf: tokenizer(file))
        lines.append("")
        lines.append("metadata:")
        let keyWidth = file.metadataKeys.map(\.count).max() ?? 0
        for key in file.metadataKeys { lines.append("  " + pad(key, keyWidth) + "  " + oneLine(file.metadata[key]!.summary)) }
        lines.append("")
        lines.append(contentsOf: tensorTable(file))
        return lines.joined(separator: "\n") + "\n"
    }

    private static func hyperParameters(_ file: GGUFFile) -> [String] {
        do {
            let c = try LlamaConfig(gguf: file)
            return [
                "hyper-parameters:",
                "  dim \(c.dim)  hidden_dim \(c.hiddenDim)  layers \(c.layerCount)  heads \(c.headCount)  "
                    + "kv_heads \(c.kvHeadCount)  head_dim \(c.headDim)",
                "  vocab \(c.vocabSize)  context \(c.contextLength)  rope_dim \(c.ropeDim)  "
                    + "rope_freq_base \(c.ropeFreqBase)  rms_eps \(c.rmsEps)",
            ]
        } catch {
            return ["hyper-parameters: unusable: \(error)"]
        }
    }

    private static func tokenizer(_ file: GGUFFile) -> [String] {
        guard let model = file.string("tokenizer.ggml.model") else { return ["tokenizer: (none)"] }
        let tokens = file.stringArray("tokenizer.ggml.tokens") ?? []
        func special(_ role: String) -> String {
            guard let id = file.int("tokenizer.ggml.\(role)_token_id") else { return "\(role) -" }
            let text = tokens.indices.contains(id) ? " '\(tokens[id])'" : " (out of range)"
            return "\(role) \(id)\(text)"
        }
        func flag(_ key: String) -> String { file.bool("tokenizer.ggml.\(key)").map { "\(key) \($0)" } ?? "\(key) -" }
        return [
            "tokenizer: model \(model)  vocab \(tokens.count)  \(special("bos"))  \(special("eos"))  \(special("unknown"))",
            "  \(flag("add_bos_token"))  \(flag("add_eos_token"))  \(flag("add_space_prefix"))",
        ]
    }

    private static func tensorTable(_ file: GGUFFile) -> [String] {
        let nameWidth = max(4, file.tensors.map(\.name.count).max() ?? 0)
        let shapeWidth = max(5, file.tensors.map(\.shapeDescription.count).max() ?? 0)
        func row(_ name: String, _ type: String, _ shape: String, _ bytes: String) -> String {
            "  " + pad(name, nameWidth) + "  " + pad(type, 4) + "  " + pad(shape, shapeWidth) + "  " + leftPad(bytes, 10)
        }
        var lines = ["tensors:", row("name", "type", "shape", "bytes")]
        var byType: [String: Int] = [:]
        for t in file.tensors {
            lines.append(row(t.name, "\(t.type)", t.shapeDescription, "\(t.byteCount)"))
            byType["\(t.type)", default: 0] += 1
        }
        let total = file.tensors.reduce(0) { $0 + $1.byteCount }
        let parameters = file.tensors.reduce(0) { $0 + $1.elementCount }
        let types = byType.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        lines.append("total: \(file.tensors.count) tensors (\(types)), \(parameters) parameters, "
                     + "\(total) bytes of tensor data (\(humanBytes(total)))")
        return lines
    }

    /// Real models carry multi-line strings (chat templates); keep each key on one short line.
    static func oneLine(_ s: String, limit: Int = 100) -> String {
        let flat = s.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
        return flat.count <= limit ? flat : String(flat.prefix(limit)) + "…"
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    private static func leftPad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    /// 1 decimal in KiB/MiB/GiB, which is how model sizes are usually quoted.
    static func humanBytes(_ n: Int) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var value = Double(n), unit = "B"
        for u in units where value >= 1024 { value /= 1024; unit = u }
        if unit == "B" { return "\(n) B" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(unit)"
    }
}
