import Dashboard

/// A server that runs several engines behind one URL labels every series with `engine` (pdscope
/// serve with prefill and decode instances; vLLM with data parallelism). Attach shows one panel
/// per engine label then, each read from that engine's series only.
public enum EngineSplit {
    /// The `engine` label values of the page's vLLM-named series, in numeric order when they are
    /// numbers; fewer than two means there is nothing to split.
    public static func engines(_ page: MetricsPage) -> [String] {
        page.labelValues("engine", prefix: "vllm:").sorted { (Int($0) ?? Int.max, $0) < (Int($1) ?? Int.max, $1) }
    }

    /// The page with only `engine`'s series.
    public static func page(_ page: MetricsPage, engine: String) -> MetricsPage {
        MetricsPage(page.samples.filter { $0.labels["engine"] == engine })
    }

    /// Each engine's panel: the server's identity from `base`, the engine's own numbers and role.
    static func parts(of page: MetricsPage, base: ObservedInstance, trackers: inout [String: InstanceTracker],
                      window: Double, at time: Double) -> [(engine: String, view: ObservedInstance)] {
        let engines = engines(page)
        guard engines.count > 1 else { trackers.removeAll(); return [] }
        return engines.compactMap { engine in
            guard let reading = try? EngineInterpreter.read(Self.page(page, engine: engine)) else { return nil }
            trackers[engine, default: InstanceTracker(window: window)].add(reading, at: time)
            var o = base
            o.url = base.url + " engine=" + engine
            o.role = Scraper.role(reported: reading.roles)
            return (engine, trackers[engine]!.observed(o))
        }
    }
}

/// One panel of `pdscope attach`: a target, or one engine of a target that runs several.
public struct AttachPanel: Equatable, Sendable {
    public var target: Int
    public var engine: String?
    public init(target: Int, engine: String? = nil) { self.target = target; self.engine = engine }
}
