import OBSWorkflow
import Synchronization

/// Everything the emulator knows: templates, workflows, their executions, trigger policies.
///
/// One lock guards it all; every operation is short (no I/O, no waiting), so 64 concurrent
/// clients on two cores never wait long. Operations take `now` explicitly, which keeps them
/// deterministic in tests.
final class EmulatorStore: Sendable {
    struct TemplateRecord: Sendable {
        var name: String
        var description: String?
        var states: JSONValue
        var inputs: JSONValue
        var tags: JSONValue
        var createdAt: Int
        var modifiedAt: Int
    }

    struct GraphRecord: Sendable {
        var graph: Graph
        var executions: [String: ExecutionRun] = [:]
        /// Execution list keys (`type + name`, the next-marker format), kept sorted.
        var keys: [String] = []
        var nextNumber = 1

        mutating func insert(_ run: ExecutionRun) {
            executions[run.name] = run
            let key = run.type.rawValue + run.name
            keys.insert(key, at: EmulatorStore.insertionIndex(of: key, in: keys))
        }
    }

    struct State: Sendable {
        var templates: [String: TemplateRecord] = [:]
        var graphs: [String: GraphRecord] = [:]
        var triggerPolicies: [String: [JSONValue]] = [:]
    }

    let speed: Double
    let region = "local-1"
    let project = EmulatorConfiguration.demoProjectID
    private let state = Mutex(State())

    init(speed: Double) {
        self.speed = speed > 0 ? speed : 1
    }

    func graphURN(_ name: String) -> String { "urn:fgs:\(region):\(project):graph:\(name)" }
    func executionURN(_ graph: String, _ name: String) -> String {
        "urn:fgs:\(region):\(project):execution:\(graph):\(name):obsw-emulator"
    }

    // MARK: Templates

    func createTemplate(name: String, body: JSONObject, now: Int) throws(EmulatorError) -> CreatedTemplate {
        try NameRules.requireGraphName(name, "template")
        if let states = body["states"], !states.isNull {
            guard let list = states.arrayValue?.compactMap(\.objectValue), list.count == states.arrayValue?.count else {
                throw .badRequest("'states' must be an array of state objects")
            }
            do { _ = try Graph.steps(fromStates: list) } catch { throw .badRequest(error.description) }
        }
        let record = TemplateRecord(
            name: name, description: body.string("description"), states: body["states"] ?? .null,
            inputs: body["inputs"] ?? .null, tags: body["tags"] ?? .null, createdAt: now, modifiedAt: now)
        return try state.withLock { s throws(EmulatorError) in
            guard s.templates[name] == nil else {
                throw EmulatorError(409, "TemplateAlreadyExists", "template \(name) already exists")
            }
            s.templates[name] = record
            return CreatedTemplate(name: name)
        }
    }

    func template(name: String) throws(EmulatorError) -> WorkflowTemplate {
        try NameRules.requireGraphName(name, "template")
        guard let t = state.withLock({ $0.templates[name] }) else { throw .templateNotFound(name) }
        return Self.render(t)
    }

    func deleteTemplate(name: String) throws(EmulatorError) {
        try NameRules.requireGraphName(name, "template")
        guard state.withLock({ $0.templates.removeValue(forKey: name) }) != nil else { throw .templateNotFound(name) }
    }

    func listTemplates(prefix: String, start: Int, limit: Int) -> OffsetPage<WorkflowTemplate> {
        let all = state.withLock { s in s.templates.values.filter { $0.name.hasPrefix(prefix) } }
            .sorted { $0.name < $1.name }
        let (slice, next) = Self.offsetSlice(all.count, start: start, limit: limit)
        return OffsetPage(itemsKey: "templates", items: slice.map { Self.render(all[$0]) }, nextStart: next)
    }

    private static func render(_ t: TemplateRecord) -> WorkflowTemplate {
        WorkflowTemplate(
            name: t.name, description: t.description, states: t.states, inputs: t.inputs, tags: t.tags,
            createTime: WireDate.iso8601(epochMilliseconds: t.createdAt),
            lastModifyTime: WireDate.iso8601(epochMilliseconds: t.modifiedAt))
    }

    // MARK: Workflows

    /// Creates from a definition (`?x-workflow-create`): `description`, `states` (array), `inputs` (array).
    func createWorkflow(name: String, body: JSONObject, now: Int) throws(EmulatorError) -> CreatedWorkflow {
        try NameRules.requireGraphName(name)
        guard let states = body.array("states")?.compactMap(\.objectValue), !states.isEmpty else {
            throw .badRequest("'states' must be a non-empty array of state objects")
        }
        let description = body.string("description") ?? ""
        return try insertGraph(
            name: name, states: states, inputs: body.array("inputs") ?? [], agency: nil, description: description,
            now: now)
    }

    /// Creates from a template (`?x-workflow-template-name=`): `agency`, `description`, `parameters`.
    func createWorkflow(name: String, template: String, body: JSONObject, now: Int) throws(EmulatorError)
        -> CreatedWorkflow
    {
        try NameRules.requireGraphName(name)
        try NameRules.requireGraphName(template, "template")
        guard let t = state.withLock({ $0.templates[template] }) else { throw .templateNotFound(template) }
        let states = t.states.arrayValue?.compactMap(\.objectValue) ?? []
        guard !states.isEmpty else {
            throw .badRequest("template \(template) has no states to run", code: "InvalidTemplate")
        }
        return try insertGraph(
            name: name, states: states, inputs: t.inputs.arrayValue ?? [], agency: body.string("agency"),
            description: body.string("description") ?? t.description ?? "", now: now)
    }

    private func insertGraph(
        name: String, states: [JSONObject], inputs: [JSONValue], agency: String?, description: String, now: Int
    ) throws(EmulatorError) -> CreatedWorkflow {
        let steps: [Graph.Step]
        do { steps = try Graph.steps(fromStates: states) } catch { throw .badRequest(error.description) }
        var definition = JSONObject()
        if let agency { definition["agency"] = .string(agency) }
        var stateMap = JSONObject()
        for state in states { stateMap[state.string("state_name") ?? ""] = .object(state) }
        definition["states"] = .object(stateMap)
        var inputMap = JSONObject()
        for input in inputs.compactMap(\.objectValue) {
            if let n = input.string("parameter_name") { inputMap[n] = .object(input) }
        }
        definition["inputs"] = .object(inputMap)
        let graph = Graph(
            name: name, urn: graphURN(name), createdAt: now, description: description, definition: definition,
            steps: steps, lastModified: now)
        return try state.withLock { s throws(EmulatorError) in
            guard s.graphs[name] == nil else {
                throw EmulatorError(409, "WorkflowAlreadyExists", "workflow \(name) already exists")
            }
            s.graphs[name] = GraphRecord(graph: graph)
            return CreatedWorkflow(graphName: name, graphURN: graph.urn, createdAt: WireDate.iso8601(epochMilliseconds: now))
        }
    }

    func workflow(name: String) throws(EmulatorError) -> WorkflowDetail {
        try NameRules.requireGraphName(name)
        guard let g = state.withLock({ $0.graphs[name]?.graph }) else { throw .workflowNotFound(name) }
        return WorkflowDetail(
            name: g.name, createdAt: WireDate.iso8601(epochMilliseconds: g.createdAt), definition: g.definition,
            graphURN: g.urn, description: g.description)
    }

    func updateWorkflow(name: String, body: JSONObject, now: Int) throws(EmulatorError) -> UpdatedWorkflow {
        try NameRules.requireGraphName(name)
        return try state.withLock { s throws(EmulatorError) in
            guard var record = s.graphs[name] else { throw .workflowNotFound(name) }
            if let parameters = body.object("parameters") {
                var inputs = record.graph.definition.object("inputs") ?? [:]
                for (key, value) in parameters {
                    var input = inputs.object(key) ?? ["parameter_name": .string(key)]
                    input["value"] = value
                    inputs[key] = .object(input)
                }
                record.graph.definition["inputs"] = .object(inputs)
            }
            if let description = body.string("description") { record.graph.description = description }
            record.graph.lastModified = now
            s.graphs[name] = record
            return UpdatedWorkflow(
                graphName: name, graphURN: record.graph.urn, lastModified: WireDate.iso8601(epochMilliseconds: now))
        }
    }

    func deleteWorkflow(name: String) throws(EmulatorError) {
        try NameRules.requireGraphName(name)
        guard state.withLock({ $0.graphs.removeValue(forKey: name) }) != nil else { throw .workflowNotFound(name) }
    }

    func listWorkflows(prefix: String, start: Int, limit: Int) -> OffsetPage<Workflow> {
        let all = state.withLock { s in s.graphs.values.map(\.graph).filter { $0.name.hasPrefix(prefix) } }
            .sorted { $0.name < $1.name }
        let (slice, next) = Self.offsetSlice(all.count, start: start, limit: limit)
        return OffsetPage(
            itemsKey: "graphs",
            items: slice.map {
                Workflow(name: all[$0].name, createdAt: WireDate.iso8601(epochMilliseconds: all[$0].createdAt), graphURN: all[$0].urn)
            }, nextStart: next)
    }

    static func offsetSlice(_ count: Int, start: Int, limit: Int) -> (Range<Int>, Int?) {
        let from = min(max(start, 0), count)
        let to = min(count, from + limit)
        return (from..<to, to < count ? to : nil)
    }

    // MARK: Executions

    /// Starts an execution; `name` and `startedAt` let a scenario seed history.
    func start(
        graph graphName: String, bucket: String, object: String, inputs: JSONObject?, type: ExecutionType = .apiCall,
        now: Int, name: String? = nil, stateMilliseconds: Int? = nil
    ) throws(EmulatorError) -> StartedExecution {
        try NameRules.requireGraphName(graphName)
        let slow = object.contains("slow") ? 10.0 : 1.0
        let speed = self.speed
        return try state.withLock { s throws(EmulatorError) in
            // Taken out while it changes, so its executions are uniquely referenced and change
            // in place (a copy would cost O(executions) per start or restore).
            guard var record = s.graphs.removeValue(forKey: graphName) else { throw .workflowNotFound(graphName) }
            defer { s.graphs[graphName] = record }
            let steps = record.graph.steps
            if let inputs, let declared = record.graph.definition.object("inputs"), !declared.isEmpty {
                for key in inputs.keys where declared[key] == nil {
                    throw .badRequest("input '\(key)' is not a parameter of workflow \(graphName)")
                }
            }
            // A generated name skips those a scenario recorded.
            while name == nil, record.executions[Self.executionName(record.nextNumber)] != nil { record.nextNumber += 1 }
            let executionName = name ?? Self.executionName(record.nextNumber)
            record.nextNumber += 1
            guard record.executions[executionName] == nil else {
                throw EmulatorError(409, "ExecutionAlreadyExists", "execution \(executionName) already exists")
            }
            let durations = Self.durations(of: steps, speed: speed, slow: slow, stateMilliseconds: stateMilliseconds)
            let run = ExecutionRun(
                name: executionName, type: type, bucket: bucket, object: object, inputs: inputs, durations: durations,
                failureStep: record.graph.failureStep(forObject: object), start: now)
            record.insert(run)
            return StartedExecution(
                executionURN: executionURN(graphName, executionName), startedAt: WireDate.iso8601(epochMilliseconds: now),
                executionName: executionName)
        }
    }

    /// Adds an execution as a snapshot recorded it (a scenario's `graphs[].executions`).
    func insertRecorded(
        graph graphName: String, name: String, type: ExecutionType, startedAt: Int, restoredAt: Int?,
        recording: ExecutionRun.Recording, rules: [ResumeRule]
    ) throws(EmulatorError) {
        let speed = self.speed
        try state.withLock { s throws(EmulatorError) in
            guard var record = s.graphs.removeValue(forKey: graphName) else { throw .workflowNotFound(graphName) }
            defer { s.graphs[graphName] = record }
            guard record.executions[name] == nil else {
                throw EmulatorError(409, "ExecutionAlreadyExists", "execution \(name) already exists")
            }
            let durations = Self.durations(of: record.graph.steps, speed: speed)
            record.insert(ExecutionRun(
                name: name, type: type, startedAt: startedAt, durations: durations, recording: recording, rules: rules,
                restoredAt: restoredAt))
        }
    }

    /// Each step's simulated time: its own (or `stateMilliseconds` for every step that takes
    /// time) times `slow`, divided by `speed`; capped at ten years of simulated time, so no
    /// speed or delay overflows an Int.
    static func durations(of steps: [Graph.Step], speed: Double, slow: Double = 1, stateMilliseconds: Int? = nil) -> [Int] {
        steps.map { step in
            let scaled = Double(stateMilliseconds.map { step.baseMilliseconds > 0 ? $0 : 0 } ?? step.baseMilliseconds) * slow / speed
            return Int(min(scaled, 10 * 365 * 86_400_000).rounded())
        }
    }

    static func executionName(_ number: Int) -> String {
        let digits = String(number)
        return "exec-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// First index whose key is greater than `key` (keys are sorted).
    static func insertionIndex(of key: String, in keys: [String]) -> Int {
        var low = 0, high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid] <= key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    func listExecutions(
        graph graphName: String, type: ExecutionType?, state wanted: ExecutionState?, marker: String?, limit: Int,
        now: Int
    ) throws(EmulatorError) -> ExecutionPage {
        try NameRules.requireGraphName(graphName)
        return try state.withLock { s throws(EmulatorError) in
            guard let record = s.graphs[graphName] else { throw .workflowNotFound(graphName) }
            var index = marker.map { Self.insertionIndex(of: $0, in: record.keys) } ?? 0
            var items: [Execution] = []
            var lastKey: String?
            while index < record.keys.count, items.count < limit {
                let key = record.keys[index]
                index += 1
                if let type, !key.hasPrefix(type.rawValue) { continue }
                let run = record.executions[String(key.dropFirst(Self.typePrefixLength(key)))]!
                let snapshot = run.snapshot(at: now)
                if let wanted, snapshot.state != wanted { continue }
                items.append(render(run, snapshot, graph: record.graph))
                lastKey = key
            }
            // More only if some later key could match.
            var more = false
            if items.count == limit, let lastKey {
                var probe = Self.insertionIndex(of: lastKey, in: record.keys)
                while probe < record.keys.count {
                    let key = record.keys[probe]
                    probe += 1
                    if let type, !key.hasPrefix(type.rawValue) { continue }
                    if let wanted {
                        let run = record.executions[String(key.dropFirst(Self.typePrefixLength(key)))]!
                        if run.snapshot(at: now).state != wanted { continue }
                    }
                    more = true
                    break
                }
            }
            return ExecutionPage(executions: items, nextMarker: more ? lastKey : nil)
        }
    }

    private static func typePrefixLength(_ key: String) -> Int {
        key.hasPrefix(ExecutionType.triggerCall.rawValue) ? ExecutionType.triggerCall.rawValue.count
            : ExecutionType.apiCall.rawValue.count
    }

    func execution(graph graphName: String, name: String, now: Int) throws(EmulatorError) -> ExecutionInfo {
        try NameRules.requireGraphName(graphName)
        guard NameRules.isValidExecutionName(name) else { throw .badRequest("invalid execution name", code: "InvalidName") }
        return try state.withLock { s throws(EmulatorError) in
            guard let record = s.graphs[graphName] else { throw .workflowNotFound(graphName) }
            guard let run = record.executions[name] else { throw .executionNotFound(name, graph: graphName) }
            return detail(run, run.snapshot(at: now), graph: record.graph)
        }
    }

    /// Resumes a FAILED execution from its failed state; anything else is a 409 naming its state.
    func restore(graph graphName: String, name: String, now: Int) throws(EmulatorError) -> RestoredExecution {
        try NameRules.requireGraphName(graphName)
        guard NameRules.isValidExecutionName(name) else { throw .badRequest("invalid execution name", code: "InvalidName") }
        return try state.withLock { s throws(EmulatorError) in
            // Taken out while it changes, so its executions are uniquely referenced and change
            // in place (a copy would cost O(executions) per start or restore).
            guard var record = s.graphs.removeValue(forKey: graphName) else { throw .workflowNotFound(graphName) }
            defer { s.graphs[graphName] = record }
            guard var run = record.executions[name] else { throw .executionNotFound(name, graph: graphName) }
            let snapshot = run.snapshot(at: now)
            guard snapshot.state == .failed, let step = snapshot.failedStep, step < record.graph.steps.count else {
                throw EmulatorError(
                    409, "ExecutionNotFailed",
                    "execution \(name) is \(snapshot.state.rawValue), not FAILED; only a FAILED execution can be resumed")
            }
            run.restore(at: now, failed: snapshot, stateName: record.graph.steps[step].name)
            record.executions[name] = run
            return RestoredExecution(
                executionURN: executionURN(graphName, name), restoredAt: WireDate.iso8601(epochMilliseconds: now),
                executionName: name)
        }
    }

    // MARK: Reads for the DWR v3 face (it renders its own records)

    /// The executions of a graph started within `range` (epoch milliseconds, both ends
    /// included), in `wanted` state if given, newest first (then by name): DWR's order. DWR
    /// shows start times in whole seconds, so within a second the order is by name — what a
    /// client can see, and what a replay of a DWR snapshot (whole seconds) gives again.
    func executions(
        graph graphName: String, startedIn range: ClosedRange<Int>, state wanted: ExecutionState?, now: Int
    ) throws(EmulatorError) -> (Graph, [(run: ExecutionRun, snapshot: ExecutionRun.Snapshot)]) {
        try NameRules.requireGraphName(graphName)
        return try state.withLock { s throws(EmulatorError) in
            guard let record = s.graphs[graphName] else { throw .workflowNotFound(graphName) }
            var found: [(run: ExecutionRun, snapshot: ExecutionRun.Snapshot)] = []
            for run in record.executions.values where range.contains(run.startedAt) {
                let snapshot = run.snapshot(at: now)
                if let wanted, snapshot.state != wanted { continue }
                found.append((run, snapshot))
            }
            found.sort { a, b in
                let (x, y) = (a.run.startedAt / 1000, b.run.startedAt / 1000)
                return x != y ? x > y : a.run.name < b.run.name
            }
            return (record.graph, found)
        }
    }

    /// One execution with its state at `now`.
    func run(graph graphName: String, name: String, now: Int) throws(EmulatorError)
        -> (graph: Graph, run: ExecutionRun, snapshot: ExecutionRun.Snapshot)
    {
        try NameRules.requireGraphName(graphName)
        guard NameRules.isValidExecutionName(name) else { throw .badRequest("invalid execution name", code: "InvalidName") }
        return try state.withLock { s throws(EmulatorError) in
            guard let record = s.graphs[graphName] else { throw .workflowNotFound(graphName) }
            guard let run = record.executions[name] else { throw .executionNotFound(name, graph: graphName) }
            return (record.graph, run, run.snapshot(at: now))
        }
    }

    /// Workflows whose name starts with `prefix`, by name.
    func graphs(prefix: String) -> [Graph] {
        state.withLock { s in s.graphs.values.map(\.graph).filter { $0.name.hasPrefix(prefix) } }.sorted { $0.name < $1.name }
    }

    func graph(name: String) throws(EmulatorError) -> Graph {
        try NameRules.requireGraphName(name)
        guard let graph = state.withLock({ $0.graphs[name]?.graph }) else { throw .workflowNotFound(name) }
        return graph
    }

    /// What the service says failed, per state: the same text on both faces. The object key
    /// picks the kind — `timeout` or `upstream` in it, else a plain failure — and the
    /// numbers and ids in the text vary with the key, as real ones do from run to run.
    static func failureMessage(state: String, object: String) -> String {
        let h = SplitMix.hash(object)
        if object.contains("timeout") {
            return "States.Timeout: \(state) timed out after \(30_000 + Int(h % 1000)) ms on host-\(Int((h >> 10) % 40) + 1)"
        }
        if object.contains("upstream") {
            let id = String(h, radix: 16)
            return "States.ActionFailed: \(state) got HTTP 503 from its function (request \(String(repeating: "0", count: 16 - id.count) + id))"
        }
        return "States.ActionFailed: simulated failure of \(state) for \(object)"
    }

    /// A FAILED state's error: as recorded or as a resume rule wrote it, else the emulator's own.
    static func error(of record: ExecutionRun.StepRecord, state: String, run: ExecutionRun) -> String? {
        if run.recording != nil { return record.error }
        return record.error ?? failureMessage(state: state, object: run.object)
    }

    /// The input an execution was started with, as an object (`bucket`, `object`, `inputs`).
    static func input(of run: ExecutionRun) -> JSONObject {
        if let recorded = run.recording?.input {
            if let object = recorded.objectValue { return object }
            if let text = recorded.stringValue, let object = (try? JSONParser.parse(text))?.objectValue { return object }
            return ["input": recorded]
        }
        var input: JSONObject = ["bucket": .string(run.bucket), "object": .string(run.object)]
        if let inputs = run.inputs { input["inputs"] = .object(inputs) }
        return input
    }

    /// Restores that took effect, per execution (only those with at least one).
    func restoreCounts() -> [(graph: String, execution: String, count: Int)] {
        state.withLock { s in
            s.graphs.values.flatMap { record in
                record.executions.values.filter { $0.restores > 0 }.map { (record.graph.name, $0.name, $0.restores) }
            }
        }.sorted { ($0.graph, $0.execution) < ($1.graph, $1.execution) }
    }

    func resetRestoreCounts() {
        state.withLock { s in
            for graph in Array(s.graphs.keys) {
                for name in Array(s.graphs[graph]!.executions.keys) { s.graphs[graph]!.executions[name]!.restores = 0 }
            }
        }
    }

    private func render(_ run: ExecutionRun, _ snapshot: ExecutionRun.Snapshot, graph: Graph) -> Execution {
        Execution(
            executionName: run.name, executionURN: executionURN(graph.name, run.name), graphURN: graph.urn,
            state: snapshot.state, type: run.type, startedAt: WireDate.iso8601(epochMilliseconds: run.startedAt),
            stoppedAt: snapshot.stoppedAt.map { WireDate.iso8601(epochMilliseconds: $0) })
    }

    private func detail(_ run: ExecutionRun, _ snapshot: ExecutionRun.Snapshot, graph: Graph) -> ExecutionInfo {
        var stateMap = JSONObject()
        for (index, step) in graph.steps.enumerated() {
            let record = snapshot.steps[index]
            var state = StateRecord(
                stateName: step.name, type: step.type, status: record.status,
                startedAt: record.startedAt.map { WireDate.iso8601(epochMilliseconds: $0) },
                stoppedAt: record.stoppedAt.map { WireDate.iso8601(epochMilliseconds: $0) })
            if record.status == .failed { state.json["error"] = JSONValue(Self.error(of: record, state: step.name, run: run)) }
            stateMap[step.name] = .object(state.json)
        }
        var json = JSONObject()
        json["input"] = .string(run.recording.map { $0.input.stringValue ?? $0.input.jsonText } ?? JSONValue.object(Self.input(of: run)).jsonText)
        json["isTest"] = .bool(false)
        json["graph_urn"] = .string(graph.urn)
        json["execution_urn"] = .string(executionURN(graph.name, run.name))
        json["execution_name"] = .string(run.name)
        json["started_at"] = .string(WireDate.iso8601(epochMilliseconds: run.startedAt))
        json["stopped_at"] = .string(snapshot.stoppedAt.map { WireDate.iso8601(epochMilliseconds: $0) } ?? "")
        json["restored_at"] = run.restoredAt.map { .string(WireDate.iso8601(epochMilliseconds: $0)) } ?? .null
        json["state_map"] = .object(stateMap)
        json["start_state"] = .string(graph.steps.first?.name ?? "")
        json["execution_state"] = .string(snapshot.state.rawValue)
        json["execution_type"] = .string(run.type.rawValue)
        return ExecutionInfo(json: json)
    }

    // MARK: Bucket trigger policy

    func putTriggerPolicy(bucket: String, body: JSONObject) throws(EmulatorError) {
        guard let rules = body.array("rules") else { throw .badRequest("'rules' must be an array") }
        for rule in rules {
            guard let r = rule.objectValue, r.string("id") != nil, r.string("graph_urn") != nil else {
                throw .badRequest("each rule needs an 'id' and a 'graph_urn'")
            }
        }
        state.withLock { $0.triggerPolicies[bucket] = rules }
    }

    func triggerPolicy(bucket: String) throws(EmulatorError) -> JSONValue {
        guard let rules = state.withLock({ $0.triggerPolicies[bucket] }) else {
            throw EmulatorError(404, "NoSuchTriggerPolicy", "bucket \(bucket) has no trigger policy")
        }
        return ["rules": .array(rules)]
    }

    func deleteTriggerPolicy(bucket: String) {
        _ = state.withLock { $0.triggerPolicies.removeValue(forKey: bucket) }
    }
}
