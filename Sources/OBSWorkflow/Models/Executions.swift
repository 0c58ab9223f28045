/// An execution as the list call returns it.
public struct Execution: ExecutionFields {
    public var json: JSONObject
    public init(json: JSONObject) { self.json = json }

    public init(
        executionName: String, executionURN: String, graphURN: String, state: ExecutionState, type: ExecutionType,
        startedAt: String, stoppedAt: String?
    ) {
        json = [:]
        json.set("graph_urn", graphURN)
        json.set("execution_urn", executionURN)
        json.set("started_at", startedAt)
        json.set("execution_type", type.rawValue)
        // The service writes "" while an execution runs.
        json.set("stopped_at", stoppedAt ?? "")
        json.set("execution_state", state.rawValue)
        json.set("execution_name", executionName)
    }

}

/// One page of `GET /v2/workflowexecutions`.
public struct ExecutionPage: APIRecord {
    public var json: JSONObject
    public init(json: JSONObject) { self.json = json }

    public init(executions: [Execution], nextMarker: String?) {
        json = ["count": .int(executions.count), "executions": .array(executions.map { .object($0.json) })]
        json["is_truncated"] = .bool(nextMarker != nil)
        if let nextMarker { json["next_marker"] = .string(nextMarker) }
    }

    public var count: Int? { json.int("count") }
    public var executions: [Execution] { json.objects("executions").map(Execution.init(json:)) }
    public var isTruncated: Bool { json.bool("is_truncated") ?? false }
    public var nextMarker: String? { json.string("next_marker").flatMap { $0.isEmpty ? nil : $0 } }
}

/// One state's record inside an execution's `state_map`.
public struct StateRecord: APIRecord {
    public var json: JSONObject
    public init(json: JSONObject) { self.json = json }

    public init(
        stateName: String, type: String, status: StateStatus, startedAt: String? = nil, stoppedAt: String? = nil,
        input: String? = nil, error: String? = nil
    ) {
        json = [:]
        json.set("state_name", stateName)
        json.set("status", status.rawValue)
        json.set("type", type)
        if let startedAt { json.set("started_at", startedAt) }
        if let stoppedAt { json.set("stopped_at", stoppedAt) }
        if let input { json.set("input", input) }
        if let error { json.set("error", error) }
    }

    public var stateName: String? { json.string("state_name") }
    public var status: StateStatus? { json.string("status").map(StateStatus.init(rawValue:)) }
    public var type: String? { json.string("type") }
    public var startedAt: String? { json.string("started_at") }
    public var stoppedAt: String? { json.string("stopped_at") }
    public var error: String? { json.string("error") }
}

/// `execution_info` of `GET /v2/workflowexecutions/{name}`: the execution with per-state detail.
public struct ExecutionInfo: ExecutionFields {
    public var json: JSONObject
    public init(json: JSONObject) { self.json = json }

    /// Reads the `execution_info` member of a get-execution response body.
    public init(responseBody body: JSONValue) throws(ResponseShapeError) {
        guard let info = body["execution_info"]?.objectValue else {
            throw ResponseShapeError("expected an object with 'execution_info'")
        }
        self.init(json: info)
    }

    public var responseBody: JSONValue { ["execution_info": .object(json)] }

    /// When the execution was last restored (kept by the emulator; not documented for the service).
    public var restoredAt: String? { json.string("restored_at").flatMap { $0.isEmpty ? nil : $0 } }
    public var startState: String? { json.string("start_state") }
    /// The JSON text the execution was started with.
    public var input: String? { json.string("input") }
    public var stateMap: [String: StateRecord] {
        guard let map = json.object("state_map") else { return [:] }
        var result: [String: StateRecord] = [:]
        for (name, value) in map { if let object = value.objectValue { result[name] = StateRecord(json: object) } }
        return result
    }

    /// This execution as the list call shows it, with `failed_states` when the detail has them.
    public var summary: Execution {
        var item = JSONObject()
        for key in ["graph_urn", "execution_urn", "started_at", "execution_type", "stopped_at", "execution_state",
            "execution_name"]
        {
            item[key] = json[key] ?? .null
        }
        if let failed = json["failed_states"] { item["failed_states"] = failed }
        return Execution(json: item)
    }
}

/// Answer of `POST /v2/workflows/{graph}` (start).
public struct StartedExecution: APIRecord {
    public var json: JSONObject
    public init(json: JSONObject) { self.json = json }

    public init(executionURN: String, startedAt: String, executionName: String) {
        json = [:]
        json.set("execution_urn", executionURN)
        json.set("started_at", startedAt)
        json.set("execution_name", executionName)
    }

    public var executionName: String? { json.string("execution_name") }
    public var executionURN: String? { json.string("execution_urn") }
    public var startedAt: String? { json.string("started_at") }
}

/// Answer of `PUT /v2/workflowexecutions/{name}` (restore).
public struct RestoredExecution: APIRecord {
    public var json: JSONObject
    public init(json: JSONObject) { self.json = json }

    public init(executionURN: String?, restoredAt: String?, executionName: String) {
        json = [:]
        json.set("execution_urn", executionURN)
        json.set("restored_at", restoredAt)
        json.set("execution_name", executionName)
    }

    public var executionName: String? { json.string("execution_name") }
    public var executionURN: String? { json.string("execution_urn") }
    public var restoredAt: String? { json.string("restored_at") }
}

/// The fields an execution has both in the list and in its detail.
public protocol ExecutionFields: APIRecord {}

extension ExecutionFields {
    public var executionName: String? { json.string("execution_name") }
    public var executionURN: String? { json.string("execution_urn") }
    public var graphURN: String? { json.string("graph_urn") }
    public var state: ExecutionState? { json.string("execution_state").map(ExecutionState.init(rawValue:)) }
    public var type: ExecutionType? { json.string("execution_type").map(ExecutionType.init(rawValue:)) }
    public var startedAt: String? { json.string("started_at") }
    /// `nil` while running (the service sends an empty string).
    public var stoppedAt: String? { json.string("stopped_at").flatMap { $0.isEmpty ? nil : $0 } }
}
