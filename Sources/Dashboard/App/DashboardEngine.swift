import Engine

/// What the dashboard needs from a running engine. The CLI adapts the concrete engine to this, so
/// the dashboard never depends on engine internals (and tests use a fake).
public protocol DashboardEngine: AnyObject {
    /// Seconds since the engine started: the clock events are stamped with.
    var now: Double { get }
    /// Hands a request to the router, exactly as trace replay and the load generator do.
    func submit(_ spec: RequestSpec)
    /// Starts the load generator at `rate` requests per second, or stops it (nil).
    func setLoadGenerator(rate: Double?)
    /// Starts or stops recording a trace; returns a line for the status bar ("recording to …").
    func setRecording(_ isOn: Bool) throws -> String
    /// Where each instance's thread was seen running, and in which scheduling class (asked
    /// once per frame: one look at the engine).
    func threadPlacements() -> [InstanceID: ThreadPlacement]
    /// Ends a request early (finish reason `aborted`): the `x` key on the selected user.
    func abort(_ id: RequestID)
    /// Restarts the engine under the next policy (the `c` key): the old one stops (its open
    /// requests end aborted), `beforeStart` runs once it has, and the new one serves every request
    /// from then on (the load generator's users continue there). Returns the new engine's
    /// description and a status line; nil when this engine cannot switch.
    func cyclePolicy(beforeStart: () -> Void) throws -> (DashboardConfig, String)?
    /// The prompt of a typed line, `S` or `L` when the engine side makes its own (real questions
    /// and documents in the model's chat template); nil keeps the dashboard's (the typed text as
    /// is, synthetic tokens for `S` and `L`).
    func prompt(for kind: DashboardPromptKind) -> RequestSpec.Prompt?
}

/// Where an instance's thread ran.
public struct ThreadPlacement: Equatable, Sendable {
    /// Cores it was last seen running on (may be empty).
    public var cores: [Int]
    /// It runs in the real-time class (`--realtime-decode`).
    public var realtime: Bool

    public init(cores: [Int], realtime: Bool = false) { self.cores = cores; self.realtime = realtime }
}

/// What a prompt is asked for.
public enum DashboardPromptKind: Equatable, Sendable {
    case typed(String)
    case short
    case long
}

extension DashboardEngine {
    public func threadPlacements() -> [InstanceID: ThreadPlacement] { [:] }
    public func prompt(for kind: DashboardPromptKind) -> RequestSpec.Prompt? { nil }
    public func abort(_ id: RequestID) {}
    public func cyclePolicy(beforeStart: () -> Void) throws -> (DashboardConfig, String)? { nil }
}

/// The prompts behind the `L` and `S` keys and the defaults for typed prompts.
public struct DashboardSettings: Equatable, Sendable {
    public var defaultUser = "you"
    public var longPromptTokens = 400
    public var shortPromptTokens = 16
    public var maxTokens = 64
    public var initialLoadRate = 1.0
    public var loadRateRange: ClosedRange<Double> = 0.125...64

    public init() {}
}
