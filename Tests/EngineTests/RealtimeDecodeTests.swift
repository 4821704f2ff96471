import CPlatform
import Foundation
import Kernels
import Model
import XCTest
@testable import Engine

/// `EngineConfig.realtimeDecode`: the decode instance's thread runs in the real-time class when
/// the OS allows it, says why not when it does not, and computes the same tokens either way.
final class RealtimeDecodeTests: XCTestCase {
    private static let model: LlamaModel? = {
        let bytes = SyntheticModel.makeGGUF(shape: .tiny, type: .q8_0, seed: 3)
        return try? LlamaModel(file: GGUFFile(bytes: bytes, name: "tiny"))
    }()

    /// Whether a new thread of this process may enter the real-time class (root or CAP_SYS_NICE).
    private static func realtimeAllowed() -> Bool {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var status: Int32 = -1
        let thread = Thread { status = pd_enter_realtime(); done.signal() }
        thread.start()
        done.wait()
        return status == 0
    }

    private func run(realtime: Bool, model: LlamaModel) throws -> (texts: [String], snapshot: EngineSnapshot, warnings: [String]) {
        var config = makeConfig(.disaggregated)
        config.realtimeDecode = realtime
        let engine = try Engine(config: config, runnerFactory: LlamaRunner.factory(model: model))
        let recorder = EventRecorder()
        engine.addSink(recorder)
        let ids = engine.run(workload: ["Once upon a time", "The sun was", "Lily"].map {
            RequestSpec(user: "u", prompt: .text($0), maxTokens: 12)
        })
        let snapshot = engine.snapshot()
        engine.shutdown()
        return (ids.map { recorder.text($0) }, snapshot, engine.warnings)
    }

    func testDecodeInstanceRunsRealtimeOrSaysWhyNot() throws {
        guard let model = Self.model else { throw XCTSkip("tiny synthetic model could not be built") }
        let allowed = Self.realtimeAllowed()
        let normal = try run(realtime: false, model: model)
        let realtime = try run(realtime: true, model: model)
        XCTAssertEqual(realtime.texts, normal.texts, "the scheduling class must not change a token")
        XCTAssertFalse(normal.snapshot.instances.contains { $0.realtime }, "nothing is real-time unless asked")
        for instance in realtime.snapshot.instances {
            XCTAssertEqual(instance.realtime, instance.role == .decode && allowed, "\(instance.role) instance #\(instance.id)")
        }
        let refusals = realtime.warnings.filter { $0.contains("real-time priority") }
        XCTAssertEqual(refusals.count, allowed ? 0 : 1, "\(realtime.warnings)")
        if !allowed { XCTAssertTrue(refusals[0].contains("not permitted"), refusals[0]) }
    }
}
