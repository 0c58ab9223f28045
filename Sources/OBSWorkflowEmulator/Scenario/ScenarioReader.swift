import OBSWorkflow

/// Makes a `Scenario` from JSON the schema accepted, checking what a schema cannot say —
/// states that exist, times that are real, names used once, regular expressions that
/// compile — each mistake named by its place in the file.
struct ScenarioReader {
    struct Problem: Error, CustomStringConvertible {
        var path: String
        var message: String
        var description: String { "\(path): \(message)" }
    }

    let file: String

    func read(_ root: JSONObject) throws(Problem) -> Scenario {
        var graphs: [Scenario.GraphSpec] = []
        var seen: [String: String] = [:]
        for (index, item) in (root.array("graphs") ?? []).enumerated() {
            let path = "graphs[\(index)]"
            let graph = try readGraph(item.objectValue ?? [:], path: path)
            if let other = seen[graph.name] {
                throw Problem(path: "\(path).name", message: "graph \(graph.name) is also \(other)")
            }
            seen[graph.name] = path
            graphs.append(graph)
        }
        var executions: [Scenario.ExecutionSpec] = []
        for (index, item) in (root.array("executions") ?? []).enumerated() {
            let path = "executions[\(index)]"
            let object = item.objectValue ?? [:]
            let graph = object.string("graph") ?? ""
            guard seen[graph] != nil else {
                throw Problem(path: "\(path).graph", message: "no graph '\(graph)' in this scenario")
            }
            var ago = 0
            if let text = object.string("started_ago") { ago = try duration(text, path: "\(path).started_ago") }
            executions.append(Scenario.ExecutionSpec(
                graph: graph, bucket: object.string("bucket") ?? "demo", object: object.string("object") ?? "",
                startedAgoMilliseconds: ago))
        }
        return Scenario(graphs: graphs, executions: executions)
    }

    private func readGraph(_ item: JSONObject, path: String) throws(Problem) -> Scenario.GraphSpec {
        let name = item.string("name") ?? ""
        guard NameRules.isValidGraphName(name) else {
            throw Problem(path: "\(path).name", message: "'\(name)' is not a workflow name (letters, digits, '-' and '_', at most 64)")
        }
        var spec = Scenario.GraphSpec(name: name, states: [])
        spec.description = item.string("description")
        switch (item.array("states"), item.object("definition")) {
        case (nil, nil): throw Problem(path: path, message: "needs 'states' (state names in run order) or 'definition'")
        case (.some, .some): throw Problem(path: path, message: "has both 'states' and 'definition'; give one")
        case (let names?, nil): spec.states = names.compactMap(\.stringValue)
        case (nil, let definition?):
            let states = definition["states"].map { value in
                value.arrayValue?.compactMap(\.objectValue) ?? value.objectValue.map { Array($0.values.compactMap(\.objectValue)) } ?? []
            } ?? []
            let inputs = definition["inputs"].map { $0.arrayValue ?? $0.objectValue.map { Array($0.values) } ?? [] } ?? []
            spec.definition = (states, inputs)
        }
        let steps: [Graph.Step]
        do { steps = try Graph.steps(fromStates: spec.stateObjects) } catch {
            throw Problem(path: spec.definition == nil ? "\(path).states" : "\(path).definition.states", message: error.description)
        }
        let stateNames = steps.map(\.name)
        if let seed = item.object("seed") {
            var span = Scenario.Seed.defaultSpan
            if let text = seed.string("over") {
                span = try duration(text, path: "\(path).seed.over")
                guard span > 0, span <= 10 * 365 * 86_400_000 else {
                    throw Problem(path: "\(path).seed.over", message: "must be more than 0 and at most ten years, not \(text)")
                }
            }
            spec.seed = Scenario.Seed(
                count: seed.int("count") ?? 0, failed: seed["failed"]?.doubleValue ?? 0,
                failAlways: seed["fail_always"]?.doubleValue ?? 0, running: seed["running"]?.doubleValue ?? 0,
                spanMilliseconds: span)
        }
        for (index, rule) in (item.array("on_resume") ?? []).enumerated() {
            spec.rules.append(try readRule(rule.objectValue ?? [:], path: "\(path).on_resume[\(index)]", graph: name, states: stateNames))
        }
        var names: [String: Int] = [:]
        for (index, execution) in (item.array("executions") ?? []).enumerated() {
            let executionPath = "\(path).executions[\(index)]"
            let recorded = try readExecution(execution.objectValue ?? [:], path: executionPath, graph: name, states: stateNames)
            if let other = names[recorded.name] {
                throw Problem(path: "\(executionPath).name", message: "execution \(recorded.name) is also \(path).executions[\(other)]")
            }
            names[recorded.name] = index
            spec.recorded.append(recorded)
        }
        return spec
    }

    private func readExecution(_ item: JSONObject, path: String, graph: String, states: [String]) throws(Problem)
        -> Scenario.RecordedExecution
    {
        let name = item.string("name") ?? ""
        guard NameRules.isValidExecutionName(name) else {
            throw Problem(path: "\(path).name", message: "'\(name)' is not an execution name")
        }
        let state = ExecutionState(rawValue: item.string("state") ?? "")
        let startedAt = try optionalTime(item["started_at"], path: "\(path).started_at")
        var stoppedAt = try optionalTime(item["stopped_at"], path: "\(path).stopped_at")
        let restoredAt = try optionalTime(item["restored_at"], path: "\(path).restored_at")
        guard let startedAt else { throw Problem(path: "\(path).started_at", message: "is empty") }
        var steps = [ExecutionRun.StepRecord](repeating: .init(), count: states.count)
        let map = item.object("state_map") ?? [:]
        for (stateName, value) in map {
            let statePath = JSONSchema.path("\(path).state_map", key: stateName)
            guard let index = states.firstIndex(of: stateName) else {
                throw Problem(path: statePath, message: "is not a state of graph \(graph) (its states: \(states.joined(separator: ", ")))")
            }
            let record = value.objectValue ?? [:]
            steps[index] = ExecutionRun.StepRecord(
                status: StateStatus(rawValue: record.string("status") ?? ""),
                startedAt: try optionalTime(record["started_at"], path: "\(statePath).started_at"),
                stoppedAt: try optionalTime(record["stopped_at"], path: "\(statePath).stopped_at"),
                error: record.string("error"))
        }
        let failedStep = steps.firstIndex { $0.status == .failed }
        if state == .failed, failedStep == nil {
            throw Problem(path: "\(path).state_map", message: "a FAILED execution needs a state whose status is FAILED (the one a resume continues from)")
        }
        var runFor = Scenario.defaultRunFor
        if state == .running {
            guard steps.contains(where: { $0.status == .running }) else {
                throw Problem(path: "\(path).state_map", message: "a RUNNING execution needs a state whose status is RUNNING")
            }
            if let text = item.string("run_for") { runFor = try duration(text, path: "\(path).run_for") }
            stoppedAt = nil
        } else if item["run_for"] != nil {
            throw Problem(path: "\(path).run_for", message: "only a RUNNING execution runs on; this one is \(state.rawValue)")
        }
        if let stoppedAt, stoppedAt < startedAt {
            throw Problem(path: "\(path).stopped_at", message: "is before started_at")
        }
        let rule = try item.object("on_resume").map { (rule) throws(Problem) in
            try readRule(rule, path: "\(path).on_resume", graph: graph, states: states, execution: name)
        }
        return Scenario.RecordedExecution(
            name: name, type: ExecutionType(rawValue: item.string("type") ?? ExecutionType.apiCall.rawValue), state: state,
            startedAt: startedAt, stoppedAt: stoppedAt, restoredAt: restoredAt, input: item["input"] ?? .string("{}"),
            steps: steps, failedStep: failedStep, rule: rule, runForMilliseconds: runFor)
    }

    private func readRule(_ item: JSONObject, path: String, graph: String, states: [String], execution: String? = nil)
        throws(Problem) -> ResumeRule
    {
        var rule = ResumeRule(outcome: item.string("then") == "fail_again" ? .failAgain : .succeed)
        if let when = item.object("when") {
            rule.executions = Set(when.array("executions")?.compactMap(\.stringValue) ?? [])
            if let state = when.string("state") {
                guard states.contains(state) else {
                    throw Problem(path: "\(path).when.state", message: "'\(state)' is not a state of graph \(graph) (its states: \(states.joined(separator: ", ")))")
                }
                rule.state = state
            }
            rule.errorContains = when.string("error_contains")
            rule.errorGroup = when.string("error_group")
            if let pattern = when.string("error_matches") {
                do { rule.errorMatches = try TextPattern(pattern) } catch {
                    throw Problem(path: "\(path).when.error_matches", message: "is not a regular expression: \(error)")
                }
            }
        }
        if let execution { rule.executions = [execution] }
        rule.error = item.string("error")
        if let share = item["fail_again_probability"]?.doubleValue {
            guard item["then"] == nil else {
                throw Problem(path: "\(path).fail_again_probability", message: "and 'then' both say what happens; give one")
            }
            rule.failAgainProbability = share
        }
        if rule.error != nil, rule.outcome == .succeed, rule.failAgainProbability == nil {
            throw Problem(path: "\(path).error", message: "is the error of a failure, but this rule succeeds (add \"then\": \"fail_again\")")
        }
        if let text = item.string("run_for") { rule.runForMilliseconds = try duration(text, path: "\(path).run_for") }
        return rule
    }

    private func duration(_ text: String, path: String) throws(Problem) -> Int {
        guard let ms = Scenario.milliseconds(text), ms <= 10 * 365 * 86_400_000 else {
            throw Problem(path: path, message: "'\(text)' is not a duration like 90s, 5m or 2h (at most ten years)")
        }
        return ms
    }

    /// A time, or nil for `""` and `null` (the service's "not yet").
    private func optionalTime(_ value: JSONValue?, path: String) throws(Problem) -> Int? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        guard let ms = WireDate.parseISO8601(text) else {
            throw Problem(path: path, message: "'\(text)' is not a time like 2026-12-07T04:00:00Z")
        }
        return ms
    }
}
