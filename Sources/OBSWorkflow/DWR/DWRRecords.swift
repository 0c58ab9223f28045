/// One record shape for runbooks on both services: records keep the service's own fields,
/// and obsw adds the same normalised ones — `execution_name`, `execution_state` (FAILED,
/// SUCCESS, RUNNING, TIMEOUT, CANCELLED), `started_at`, `stopped_at` and, on an execution's
/// detail, `failed_states` (each `{name, error}`).
///
/// DWR writes states in lower case (`fail`); the normalised `execution_state` replaces its
/// own, which is kept as `service_state`. Its detail is flat and names neither the execution
/// nor its nodes, so the name comes from the request and a failed node is named by its place
/// in `node_execution_details` (`node 2`).
public enum DWRRecords {
    /// An execution of the listing.
    public static func execution(_ json: JSONObject) -> Execution {
        var json = json
        normaliseState(&json, from: "execution_state")
        return Execution(json: json)
    }

    /// `ShowWorkflowInstance`'s answer, with the normalised fields added. With the workflow's
    /// states in run order (`stateNames`), nodes are paired with them in order — the service
    /// lists a node per state as it runs, but does not name them; this pairing is obsw's
    /// reading, made only when there are no more nodes than states — and the detail gains
    /// a `state_map` like Data+'s (`state_name`, `status`, `started_at`, `stopped_at`,
    /// `error`), so a runbook reads one shape on both services.
    public static func detail(_ json: JSONObject, graph: String, name: String, stateNames: [String]? = nil) -> ExecutionInfo {
        var json = json
        if json.string("execution_name")?.isEmpty ?? true { json["execution_name"] = .string(name) }
        json["graph_name"] = .string(graph)
        normaliseState(&json, from: "status")
        json["started_at"] = json["begin_time"].flatMap { $0.isNull ? nil : $0 } ?? .null
        json["stopped_at"] = json["end_time"].flatMap { $0.isNull ? nil : $0 } ?? .string("")
        let nodes = json.objects("node_execution_details")
        let names = stateNames.flatMap { $0.count >= nodes.count && !$0.isEmpty ? $0 : nil }
        var failed: [JSONValue] = []
        for (index, node) in nodes.enumerated() where node.string("status").map(DWRAPI.state(ofStatus:)) == .failed {
            let message = node.string("error_message").flatMap { $0.isEmpty ? nil : $0 }
            failed.append(["name": .string(names?[index] ?? "node \(index)"), "error": JSONValue(message)])
        }
        json["failed_states"] = .array(failed)
        if let names {
            var stateMap = JSONObject()
            for (index, stateName) in names.enumerated() {
                guard index < nodes.count else {
                    stateMap[stateName] = ["state_name": .string(stateName), "status": .string(StateStatus.notRunning.rawValue)]
                    continue
                }
                let node = nodes[index]
                var record: JSONObject = [
                    "state_name": .string(stateName),
                    "status": .string(node.string("status").map { DWRAPI.state(ofStatus: $0).rawValue } ?? ""),
                ]
                record["started_at"] = JSONValue(node.int("begin_time").map { WireDate.iso8601(epochMilliseconds: $0) })
                record["stopped_at"] = JSONValue(node.int("end_time").map { WireDate.iso8601(epochMilliseconds: $0) })
                if let message = node.string("error_message"), !message.isEmpty { record["error"] = .string(message) }
                stateMap[stateName] = .object(record)
            }
            json["state_map"] = .object(stateMap)
        }
        return ExecutionInfo(json: json)
    }

    private static func normaliseState(_ json: inout JSONObject, from key: String) {
        guard let raw = json.string(key) else { return }
        let state = DWRAPI.state(ofStatus: raw)
        json["execution_state"] = .string(state.rawValue)
        if raw != state.rawValue { json["service_state"] = .string(raw) }
    }
}

extension ExecutionInfo {
    /// The OBS detail with `failed_states` added from its `state_map`, as on DWR.
    public var withFailedStates: ExecutionInfo {
        var copy = self
        let failed = stateMap.values.filter { $0.status == .failed }.sorted { ($0.stateName ?? "") < ($1.stateName ?? "") }
        copy.json["failed_states"] = .array(failed.map { ["name": JSONValue($0.stateName), "error": JSONValue($0.error)] })
        return copy
    }

    /// `failed_states` as written by `DWRRecords` or `withFailedStates`.
    public var failedStates: [(name: String, error: String?)] {
        json.objects("failed_states").map { ($0.string("name") ?? "", $0.string("error")) }
    }
}
