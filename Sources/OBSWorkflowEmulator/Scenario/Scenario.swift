import FoundationEssentials
import OBSWorkflow

/// The workflows and executions an emulator starts with.
///
/// A scenario file is JSON, described by `docs/scenario.schema.json` (`ScenarioSchema`) and
/// checked against it before anything is made from it. A graph either makes demo data:
///
/// ```json
/// {"graphs": [{"name": "thumbnails", "states": ["make-thumbnail", "publish"],
///              "seed": {"count": 300, "failed": 0.15, "fail_always": 0.2, "running": 0.05, "over": "6h"}}],
///  "executions": [{"graph": "thumbnails", "object": "photos/fail-once-1.jpg", "started_ago": "2h"}]}
/// ```
///
/// or replays executions as a service showed them (what `obsw snapshot` writes): each with
/// its name, state, times, input and `state_map` (the failed state and its error text), and
/// `on_resume` rules that say what a resume does — succeed, fail again (with which error, or
/// a share of the time), after how long.
///
/// Seeded demo data: `states` are OPERATION states run in order; `seed` makes `count`
/// executions started over the past `over` (default 6h): `failed` of them FAILED
/// (`fail_always` of those for good, the rest `fail-once`; a third in the first state, with
/// several error texts), `running` still RUNNING for a long while, the rest SUCCESS.
/// `executions` adds explicit ones (`bucket` defaults to `demo`, `started_ago` to `0s`).
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
        /// The state names in run order (OPERATION states), when no definition is given.
        public var states: [String]
        public var seed: Seed?
        /// The definition as the service showed it: `states` (objects) and `inputs`.
        var definition: (states: [JSONObject], inputs: [JSONValue])?
        var description: String?
        var rules: [ResumeRule] = []
        var recorded: [RecordedExecution] = []

        public init(name: String, states: [String], seed: Seed? = nil) {
            self.name = name
            self.states = states
            self.seed = seed
        }

        /// The state objects a workflow is created from.
        var stateObjects: [JSONObject] {
            if let definition { return definition.states }
            return states.enumerated().map { index, name in
                var state: JSONObject = [
                    "state_name": .string(name), "type": "OPERATION", "start": .bool(index == 0),
                    "action_mode": "SEQUENTIAL",
                ]
                if index + 1 < states.count { state["next_state"] = .string(states[index + 1]) }
                return state
            }
        }
    }

    public struct ExecutionSpec: Sendable {
        public var graph: String
        public var bucket: String
        public var object: String
        public var startedAgoMilliseconds: Int
    }

    /// An execution as a service showed it, its states in the graph's run order.
    struct RecordedExecution: Sendable {
        var name: String
        var type: ExecutionType
        var state: ExecutionState
        var startedAt: Int
        var stoppedAt: Int?
        var restoredAt: Int?
        var input: JSONValue
        var steps: [ExecutionRun.StepRecord]
        var failedStep: Int?
        var rule: ResumeRule?
        /// A RUNNING one: how long after the emulator starts its running state ends.
        var runForMilliseconds: Int
    }

    public var graphs: [GraphSpec]
    public var executions: [ExecutionSpec]

    public init(graphs: [GraphSpec], executions: [ExecutionSpec] = []) {
        self.graphs = graphs
        self.executions = executions
    }

    public static let empty = Scenario(graphs: [])

    /// How long a recorded RUNNING execution keeps running after the emulator starts.
    static let defaultRunFor = 30 * 60_000

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

    /// The schema every scenario file is checked against.
    public static let schema = JSONSchema(try! JSONParser.parse(ScenarioSchema.text))

    /// Reads and checks a scenario file. Every mistake names its place in the file
    /// (`graphs[0].executions[12].state_map`); a file cut short says where it ends.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioError("cannot read scenario file \(path)")
        }
        let bytes = Array(data)
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch {
            let (line, column) = Self.place(of: error.offset, in: bytes)
            let cut = error.offset >= bytes.count ? " (the file ends there: was it written completely?)" : ""
            throw ScenarioError("\(path):\(line):\(column): not valid JSON: \(error.reason)\(cut)")
        }
        return try parse(value, file: path)
    }

    /// A scenario from its JSON, checked against the schema and then for what a schema cannot say.
    public static func parse(_ value: JSONValue, file: String) throws(ScenarioError) -> Scenario {
        let problems = schema.problems(in: value)
        if !problems.isEmpty {
            throw ScenarioError("\(file): not a valid scenario:\n" + problems.map { "  \($0)" }.joined(separator: "\n"))
        }
        do { return try ScenarioReader(file: file).read(value.objectValue ?? [:]) } catch {
            throw ScenarioError("\(file): not a valid scenario:\n  \(error)")
        }
    }

    static func place(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for byte in bytes.prefix(offset) {
            if byte == 10 { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        return (line, column)
    }

    /// A duration of zero or more (`500ms`, `90s`, `1h30m`), in milliseconds: the grammar
    /// every layer shares (`DurationText`); too large is "not a duration", never a trap.
    public static func milliseconds(_ text: String) -> Int? {
        DurationText.parse(text).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// Creates the graphs and executions. Seeded history is deterministic: the same
    /// scenario always yields the same names, keys and outcomes; recorded executions are
    /// served as recorded.
    func seed(into store: EmulatorStore, now: Int) throws(ScenarioError) {
        for spec in graphs {
            var body: JSONObject = [
                "description": .string(spec.description ?? "demo workflow \(spec.name)"),
                "states": .array(spec.stateObjects.map(JSONValue.object)),
            ]
            if let inputs = spec.definition?.inputs { body["inputs"] = .array(inputs) }
            do { _ = try store.createWorkflow(name: spec.name, body: body, now: now - 7 * 86_400_000) } catch {
                throw ScenarioError("graph \(spec.name): \(error.message)")
            }
            for execution in spec.recorded {
                let recording = ExecutionRun.Recording(
                    state: execution.state, stoppedAt: execution.stoppedAt, steps: execution.steps,
                    failedStep: execution.failedStep,
                    runningUntil: execution.state == .running ? now + execution.runForMilliseconds : nil,
                    input: execution.input)
                do {
                    try store.insertRecorded(
                        graph: spec.name, name: execution.name, type: execution.type, startedAt: execution.startedAt,
                        restoredAt: execution.restoredAt, recording: recording,
                        rules: (execution.rule.map { [$0] } ?? []) + spec.rules)
                } catch { throw ScenarioError("graph \(spec.name): execution \(execution.name): \(error.message)") }
            }
            guard let seed = spec.seed, seed.count > 0 else { continue }
            try seedDemo(spec, seed, into: store, now: now)
        }
        for spec in executions {
            do {
                _ = try store.start(
                    graph: spec.graph, bucket: spec.bucket, object: spec.object, inputs: nil,
                    now: now - spec.startedAgoMilliseconds)
            } catch { throw ScenarioError("execution \(spec.object): \(error.message)") }
        }
    }

    private func seedDemo(_ spec: GraphSpec, _ seed: Seed, into store: EmulatorStore, now: Int) throws(ScenarioError) {
        var random = SplitMix(seed: UInt64(truncatingIfNeeded: spec.name.utf8.reduce(5381) { ($0 &* 33) &+ Int($1) }))
        let stateNames = spec.definition?.states.compactMap { $0.string("state_name") } ?? spec.states
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
                let place = i % 3 == 0 && stateNames.count > 1 ? "-in-\(stateNames[0])" : ""
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
}

public struct ScenarioError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
