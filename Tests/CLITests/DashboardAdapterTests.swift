import Dashboard
import Engine
import Foundation
import Model
import Trace
import XCTest
@testable import CLI

/// The dashboard's CLI side on the real engine with the tiny synthetic model: requests typed into
/// the controller run and finish, recording writes a readable trace, the load generator and the
/// replayer submit what they should.
final class DashboardAdapterTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdscope-dash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// The tiny synthetic model, loaded from a file (so its trace identity is the file's hash).
    private func makeEngine() throws -> (LoadedModel, Engine) {
        let path = directory.appendingPathComponent("tiny.gguf").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(SyntheticModel.makeGGUF(shape: .tiny, type: .q8_0, seed: 1))))
        let loaded = try ModelOptions.parse(["--model", path]).loadWithSource()
        var config = EngineConfig()
        config.pinThreads = false
        return (loaded, try Engine(config: config, runnerFactory: LlamaRunner.factory(model: loaded.model)))
    }

    func testSettingsPutTheLongPromptNearTheContextLength() {
        for context in [512, 2048, 4096] {
            let s = LiveDashboardEngine.settings(contextLength: context, initialLoadRate: nil)
            let share = Double(s.longPromptTokens) / Double(context)
            XCTAssertGreaterThanOrEqual(share, 0.90, "context \(context)")
            XCTAssertLessThanOrEqual(share, 0.95, "context \(context)")
            XCTAssertLessThan(s.longPromptTokens + s.maxTokens, context, "prompt and reply fit, context \(context)")
            XCTAssertLessThan(s.shortPromptTokens, s.longPromptTokens)
        }
        XCTAssertEqual(LiveDashboardEngine.settings(contextLength: 512, initialLoadRate: 3).initialLoadRate, 3)
    }

    func testDefaultRecordingName() {
        var components = DateComponents()
        components.year = 2026; components.month = 1; components.day = 2
        components.hour = 3; components.minute = 4; components.second = 5
        let date = Calendar.current.date(from: components)!
        XCTAssertEqual(DashboardRecorder.defaultFileName(at: date), "pdscope-20260102-030405.jsonl")
    }

    func testTypedPromptRunsOnTheRealEngineAndIsRecorded() throws {
        let (loaded, engine) = try makeEngine()
        let model = loaded.model
        let options = try EngineOptions.parse([])
        let path = directory.appendingPathComponent("session.jsonl").path
        let recorder = makeRecorder(model: loaded, engine: engine, options: options)
        let settings = LiveDashboardEngine.settings(contextLength: model.config.contextLength, initialLoadRate: nil)
        let live = LiveDashboardEngine(engine: engine, recorder: recorder, settings: settings)
        let controller = DashboardController(engine: live, config: LiveDashboardEngine.dashboardConfig(engine: engine, model: model, slos: nil),
                                             settings: settings)
        engine.addSink(controller.eventSink)
        engine.addSink(recorder.sink)
        XCTAssertEqual(try recorder.start(path: path), path)
        engine.start()

        _ = controller.handle(.character("i"))
        for ch in "@alice hello" { _ = controller.handle(.character(ch)) }
        _ = controller.handle(.enter)
        engine.waitUntilIdle()
        controller.update()

        XCTAssertEqual(controller.state.users, ["alice"])
        XCTAssertFalse(live.threadPlacements().values.allSatisfy(\.cores.isEmpty), "instances report where they ran")
        XCTAssertEqual(controller.state.config.instances.map(\.role), [.prefill, .decode])
        let summary = live.shutdown()
        XCTAssertTrue(summary?.contains(path) ?? false, summary ?? "nil")

        let trace = try TraceReader.read(path: path)
        XCTAssertFalse(trace.isTruncated)
        XCTAssertEqual(trace.header.policy, "disaggregated")
        XCTAssertEqual(trace.header.model.contextLength, model.config.contextLength)
        XCTAssertEqual(trace.header.model.contentHash, try ContentHash.sha256(fileAt: try XCTUnwrap(loaded.path)))
        XCTAssertEqual(trace.header.model.name, model.name)
        let arrivals = trace.events.compactMap { event -> String? in
            if case let .arrived(_, spec, _) = event.kind { return spec.user } else { return nil }
        }
        XCTAssertEqual(arrivals, ["alice"])
        XCTAssertTrue(trace.events.contains { if case .finished = $0.kind { return true } else { return false } })
    }

    func testRecordingKeyStartsAndStopsAFileInTheWorkingDirectory() throws {
        let (loaded, engine) = try makeEngine()
        let options = try EngineOptions.parse([])
        let recorder = makeRecorder(model: loaded, engine: engine, options: options)
        let live = LiveDashboardEngine(engine: engine, recorder: recorder, settings: DashboardSettings())
        let previous = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(directory.path)
        defer { FileManager.default.changeCurrentDirectoryPath(previous) }
        let started = try live.setRecording(true)
        XCTAssertTrue(started.hasPrefix("recording to pdscope-"), started)
        XCTAssertTrue(recorder.isRecording)
        let stopped = try live.setRecording(false)
        XCTAssertTrue(stopped.hasPrefix("recorded 0 events to pdscope-"), stopped)
        XCTAssertFalse(recorder.isRecording)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".jsonl") }
        XCTAssertEqual(files.count, 1)
        XCTAssertEqual(try TraceReader.read(path: directory.appendingPathComponent(files[0]).path).events, [])
        XCTAssertNil(live.shutdown(), "nothing left to close")
    }

    /// Inside a pdscope checkout, `r` records into its `recordings/` folder, which .gitignore
    /// covers (the files used to land untracked in the repository root).
    func testRecordingsInsideACheckoutGoToTheIgnoredRecordingsFolder() throws {
        let root = directory.appendingPathComponent("checkout")
        let sub = root.appendingPathComponent("Traces")
        try FileManager.default.createDirectory(at: root.appendingPathComponent(".git"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        try Data("let package = Package(\n    name: \"pdscope\",\n)".utf8).write(to: root.appendingPathComponent("Package.swift"))
        let date = Date(timeIntervalSince1970: 0)
        let name = DashboardRecorder.defaultFileName(at: date)
        XCTAssertEqual(try DashboardRecorder.defaultPath(at: date, from: root.path), "recordings/" + name)
        XCTAssertEqual(try DashboardRecorder.defaultPath(at: date, from: sub.path), root.appendingPathComponent("recordings/" + name).standardizedFileURL.path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("recordings").path))
        XCTAssertEqual(try DashboardRecorder.defaultPath(at: date, from: directory.path), name, "outside a checkout: the working directory")
        // The real repository ignores that folder.
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let ignore = try String(contentsOf: repository.appendingPathComponent(".gitignore"), encoding: .utf8)
        XCTAssertTrue(ignore.split(separator: "\n").contains("/recordings/"), ignore)
    }

    func testRecordingStartedMidSessionStartsItsTimesAtTheStartOfRecording() throws {
        let (model, engine) = try makeEngine()
        let recorder = makeRecorder(model: model, engine: engine, options: try EngineOptions.parse([]))
        engine.addSink(recorder.sink)
        engine.start()
        defer { engine.shutdown() }
        engine.submit(RequestSpec(user: "early", prompt: .text("Once upon a time"), maxTokens: 8))
        engine.waitUntilIdle()
        let startedAt = engine.snapshot().time
        XCTAssertGreaterThan(startedAt, 0)
        let path = directory.appendingPathComponent("late.jsonl").path
        try recorder.start(path: path)
        engine.submit(RequestSpec(arrivalOffset: engine.snapshot().time, user: "late", prompt: .text("A robot"), maxTokens: 4))
        engine.waitUntilIdle()
        _ = recorder.stop()
        let trace = try TraceReader.read(path: path)
        let arrival = try XCTUnwrap(trace.events.first { if case .arrived = $0.kind { return true } else { return false } })
        XCTAssertGreaterThanOrEqual(arrival.time, 0)
        XCTAssertLessThan(arrival.time, engine.snapshot().time - startedAt, "counted from the recording's start, not the engine's")
        XCTAssertEqual(Workload(trace: trace).requests.map(\.user), ["late"])
    }

    private func makeRecorder(model: LoadedModel, engine: Engine, options: EngineOptions) -> DashboardRecorder {
        return DashboardRecorder(engineNow: { engine.snapshot().time }) { recordingStart in
            try DashboardRecorder.header(model: model, options: options, config: engine.config, startTime: recordingStart)
        }
    }

    func testLoadGeneratorRotatesUsers() {
        let specs = WatchedState<[RequestSpec]>([])
        let enough = expectation(description: "ten arrivals")
        let generator = DashboardLoadGenerator(maxTokens: 8) { spec in
            if specs.update({ $0.append(spec); return $0.count }) == 10 { enough.fulfill() }
        }
        generator.setRate(1000)
        wait(for: [enough], timeout: 30)
        generator.stop()
        let first = Array(specs.read { $0 }.prefix(10))
        XCTAssertEqual(first.map(\.user), (0..<10).map { DashboardLoadGenerator.users[$0 % DashboardLoadGenerator.users.count] })
        XCTAssertTrue(first.allSatisfy { $0.maxTokens == 8 })
    }
}

extension DashboardAdapterTests {
    func testSyntheticModelIsNamedOnceInTheHeader() throws {
        let (model, engine) = try makeEngineForNaming()
        let config = LiveDashboardEngine.dashboardConfig(engine: engine, model: model, slos: GoodputSLO(ttft: 0.5, tpot: 0.05))
        XCTAssertTrue(config.isSyntheticModel)
        XCTAssertFalse(config.modelName.contains("synthetic"), config.modelName)
        XCTAssertEqual(config.slo, GoodputSLO(ttft: 0.5, tpot: 0.05))
        XCTAssertEqual(config.metricsWindow, LiveDashboardEngine.liveMetricsWindow)
        XCTAssertEqual(config.poolBlocks.count, 2, "two instances, no store in p2p mode")
    }

    private func makeEngineForNaming() throws -> (LlamaModel, Engine) {
        let model = try LlamaModel(file: GGUFFile(bytes: SyntheticModel.makeGGUF(shape: .tiny, type: .q8_0, seed: 1), name: "tiny.gguf"))
        var config = EngineConfig()
        config.pinThreads = false
        return (model, try Engine(config: config, runnerFactory: LlamaRunner.factory(model: model)))
    }
}
