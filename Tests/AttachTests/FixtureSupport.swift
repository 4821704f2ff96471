import Foundation
@testable import Attach

/// The real captures in Fixtures/ (copied from vLLM 0.32.0 and llama.cpp servers; see its README).
enum Captures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    static func page(_ name: String) throws -> MetricsPage { try PrometheusText.parse(text(name)) }

    static func reading(_ name: String) throws -> InstanceReading { try EngineInterpreter.read(page(name)) }

    static let vllmSingle = "vllm-0.32-single-during-load.txt"
    static let vllmPrefill = "vllm-0.32-pd-nixl-prefill.txt"
    static let vllmDecode = "vllm-0.32-pd-nixl-decode-during-load.txt"
    static let llamaServer = "llama-server-during-load.txt"
}
