import FoundationEssentials
import OBSWorkflow

/// The workflows and executions an emulator starts with.
///
/// A scenario file is JSON:
///
/// ```json
/// {
///   "graphs": [
///     {"name": "thumbnails", "states": ["make-thumbnail", "publish"],
///      "seed": {"count": 300, "failed": 0.15, "fail_always": 0.2, "running": 0.05, "over": "6h"}}
///   ],
///   "executions": [
///     {"graph": "thumbnails", "object": "photos/fail-once-1.jpg", "started_ago": "2h"}
///   ]
/// }
/// ```
///
/// `states` are OPERATION states run in order. `seed` makes `count` executions started over
/// the past `over` (default 6h; `30d` spreads them over a month): `failed` of them FAILED (`fail_always` of those for good, the rest
/// `fail-once`; a third in the first state, and with several error texts), `running` still RUNNING for a long while, the rest SUCCESS. `executions`
/// adds explicit ones (`bucket` defaults to `demo`, `started_ago` to `0s`).
public struct Scenario: Sendable {
    public struct Seed: Sendable {
        public var count: Int
        public var failed: Double
        public var failAlways: Double
        public var running: Double
        /// How far back the finished ones started.
        public var spanMilliseconds: Int

        public static let defaultSpan = 6 * 3_600_000

        public init(count: Int, failed: Double, failAlways: Double, running: Double, spanMilliseconds: Int = defaultSpan) {
            self.count = count
            self.failed = failed
            self.failAlways = failAlways
            self.running = running
            self.spanMilliseconds = spanMilliseconds
        }
    }

    public struct GraphSpec: Sendable {
        public var name: String
        public var states: [String]
        public var seed: Seed?

        public init(name: String, states: [String], seed: Seed? = nil) {
            self.name = name
            self.states = states
            self.seed = seed
        }
    }

    public struct ExecutionSpec: Sendable {
        public var graph: String
        public var bucket: String
        public var object: String
        public var startedAgoMilliseconds: Int
    }

    public var graphs: [GraphSpec]
    public var executions: [ExecutionSpec]

    public init(graphs: [GraphSpec], executions: [ExecutionSpec] = []) {
        self.graphs = graphs
        self.executions = executions
    }

    public static let empty = Scenario(graphs: [])

    /// `thumbnails` (make-thumbnail → publish) and `transcode` (probe → transcode → package),
    /// each with a few hundred executions: mostly SUCCESS, some FAILED (most fail-once,
    /// some fail-always), a few RUNNING — so the first `executions thumbnails --state FAILED`
    /// shows something to resume.
    public static let demo = Scenario(graphs: [
        GraphSpec(
            name: "thumbnails", states: ["make-thumbnail", "publish"],
            seed: Seed(count: 320, failed: 0.12, failAlways: 0.2, running: 0.04)),
        GraphSpec(
            name: "transcode", states: ["probe", "transcode", "package"],
            seed: Seed(count: 240, failed: 0.1, failAlways: 0.25, running: 0.05)),
    ])

    public static func load(path: String) throws -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioError("cannot read scenario file \(path)")
        }
        let value: JSONValue
        do { value = try JSONParser.parse(Array(data)) } catch { throw ScenarioError("\(path): \(error)") }
        guard let root = value.objectValue else { throw ScenarioError("\(path): the scenario must be a JSON object") }
        var graphs: [GraphSpec] = []
        for (index, item) in root.objects("graphs").enumerated() {
            guard let name = item.string("name") else { throw ScenarioError("\(path): graphs[\(index)] needs a name") }
            let states = item.array("states")?.compactMap(\.stringValue) ?? []
            guard !states.isEmpty else { throw ScenarioError("\(path): graph \(name) needs at least one state") }
            var seed: Seed?
            if let s = item.object("seed") {
                var span = Seed.defaultSpan
                if let text = s.string("over") {
                    guard let ms = Self.milliseconds(text), ms > 0, ms <= 10 * 365 * 86_400_000 else {
                        throw ScenarioError("\(path): graph \(name): seed.over '\(text)' is not a duration like 6h or 30d (at most ten years)")
                    }
                    span = ms
                }
                seed = Seed(
                    count: s.int("count") ?? 0, failed: s["failed"]?.doubleValue ?? 0,
                    failAlways: s["fail_always"]?.doubleValue ?? 0, running: s["running"]?.doubleValue ?? 0,
                    spanMilliseconds: span)
            }
            graphs.append(GraphSpec(name: name, states: states, seed: seed))
        }
        var executions: [ExecutionSpec] = []
        for (index, item) in root.objects("executions").enumerated() {
            guard let graph = item.string("graph"), let object = item.string("object") else {
                throw ScenarioError("\(path): executions[\(index)] needs a graph and an object")
            }
            var ago = 0
            if let text = item.string("started_ago") {
                guard let ms = Self.milliseconds(text) else {
                    throw ScenarioError("\(path): executions[\(index)].started_ago '\(text)' is not a duration like 90s, 5m or 2h")
                }
                ago = ms
            }
            executions.append(ExecutionSpec(graph: graph, bucket: item.string("bucket") ?? "demo", object: object, startedAgoMilliseconds: ago))
        }
        return Scenario(graphs: graphs, executions: executions)
    }

    /// A duration of zero or more (`500ms`, `90s`, `1h30m`), in milliseconds: the grammar
    /// every layer shares (`DurationText`); too large is "not a duration", never a trap.
    public static func milliseconds(_ text: String) -> Int? {
        DurationText.parse(text).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// Creates the graphs and executions. Seeded history is deterministic: the same
    /// scenario always yields the same names, keys and outcomes.
    func seed(into store: EmulatorStore, now: Int) throws {
        for spec in graphs {
            let states: [JSONValue] = spec.states.enumerated().map { index, name in
                var state: JSONObject = [
                    "state_name": .string(name), "type": "OPERATION", "start": .bool(index == 0),
                    "action_mode": "SEQUENTIAL",
                ]
                if index + 1 < spec.states.count { state["next_state"] = .string(spec.states[index + 1]) }
                return .object(state)
            }
            do {
                _ = try store.createWorkflow(
                    name: spec.name, body: ["description": .string("demo workflow \(spec.name)"), "states": .array(states)],
                    now: now - 7 * 86_400_000)
            } catch { throw ScenarioError("graph \(spec.name): \(error.message)") }
            guard let seed = spec.seed, seed.count > 0 else { continue }
            var random = SplitMix(seed: UInt64(truncatingIfNeeded: spec.name.utf8.reduce(5381) { ($0 &* 33) &+ Int($1) }))
            // Oldest first, so names number in start order.
            var plan: [(ago: Int, object: String, running: Bool)] = []
            for i in 0..<seed.count {
                let roll = random.nextUnit()
                let ext = spec.name == "transcode" ? "mp4" : "jpg"
                let base = "\(spec.name == "transcode" ? "videos" : "photos")/\(String(repeating: "0", count: max(0, 5 - String(i).count)) + String(i))"
                if roll < seed.running {
                    plan.append((Int(random.nextUnit() * 120_000), "\(base).\(ext)", true))
                } else if roll < seed.running + seed.failed {
                    let always = random.nextUnit() < seed.failAlways
                    // Several causes, as in a real incident: a third fail in the first state,
                    // and the error texts vary (timeouts, upstream 503s, plain failures).
                    let cause = ["", "-timeout", "-upstream", ""][i % 4]
                    let place = i % 3 == 0 && spec.states.count > 1 ? "-in-\(spec.states[0])" : ""
                    plan.append((60_000 + Int(random.nextUnit() * Double(seed.spanMilliseconds)), "\(base)-\(always ? "fail-always" : "fail-once")\(cause)\(place).\(ext)", false))
                } else {
                    plan.append((60_000 + Int(random.nextUnit() * Double(seed.spanMilliseconds)), "\(base).\(ext)", false))
                }
            }
            plan.sort { $0.ago > $1.ago }
            for item in plan {
                // Running ones take 20-40 minutes a state, so they stay RUNNING through a session.
                let stateMs = item.running ? 1_200_000 + Int(random.nextUnit() * 1_200_000) : nil
                do {
                    _ = try store.start(
                        graph: spec.name, bucket: "demo", object: item.object, inputs: nil,
                        type: random.nextUnit() < 0.3 ? .triggerCall : .apiCall, now: now - item.ago,
                        stateMilliseconds: stateMs)
                } catch { throw ScenarioError("seeding \(spec.name): \(error.message)") }
            }
        }
        for spec in executions {
            do {
                _ = try store.start(
                    graph: spec.graph, bucket: spec.bucket, object: spec.object, inputs: nil,
                    now: now - spec.startedAgoMilliseconds)
            } catch { throw ScenarioError("execution \(spec.object): \(error.message)") }
        }
    }
}

public struct ScenarioError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
