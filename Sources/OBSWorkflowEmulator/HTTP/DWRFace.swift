import OBSWorkflow
import Synchronization

/// The DWR v3 API under `/v3/{project_id}/...`, over the same data as the v2 face: a FAILED
/// execution there is `fail` here, and a resume through either face is the same resume.
///
/// As the service documents it (docs/reference/dwr/dwr-v3-api.md): SDK-HMAC-SHA256 with
/// `X-Sdk-Date` within 15 minutes; listings page by a 1-based `offset` of at most 1000 and a
/// `limit` of at most 200 (larger is cut to 200) and search the last three days unless given
/// `start_time`/`end_time` (one alone reaches three days from the other); errors are
/// `{error_code, error_msg}` with `X-Request-Id`. What the service leaves open, the emulator
/// decides and says: `offset` counts records, `count` is the total that matches, both time
/// bounds are included, executions come newest first, a second resume of an execution that
/// is not `fail` is a 409 (`DWR.0409`), and JSON has real types.
struct DWRFace {
    let store: EmulatorStore
    let authenticator: Authenticator
    let faults: FaultInjector
    let projectID: String
    let counter: RequestCounter
    let quota: Quota?

    static let prefix = "/v3/"

    func handle(_ request: IncomingRequest, path: String, query: [QueryItem], now: Int) async throws -> Answer {
        let body = try await request.readBody()
        // HTTP/1's Host arrives as the authority, apart from the other headers; it is signed.
        var headers = request.headers
        if !headers.contains(where: { $0.0.lowercased() == "host" }) { headers.append(("Host", request.host)) }
        try authenticator.checkDWR(
            method: request.method, target: request.target, headers: headers, body: body, nowSeconds: now / 1000)
        func value(_ name: String) -> String? { query.first(where: { $0.name == name })?.value }

        // ["", "v3", project, resource, ...]
        let raw = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var segments: [String] = []
        for segment in raw.dropFirst(2) {
            guard let decoded = PercentEncoding.decode(segment) else {
                throw EmulatorError.badRequest("the path is not valid percent-encoding")
            }
            segments.append(decoded)
        }
        guard let project = segments.first, segments.count >= 2 else { throw Self.noAPI(path) }
        guard project == projectID else {
            throw EmulatorError(404, "DWR.0404", "project \(project) is not served here (this emulator serves project \(projectID))")
        }
        if let header = request.headers.first(where: { $0.0.lowercased() == "x-project-id" })?.1, header != projectID {
            throw EmulatorError(400, "DWR.0400", "X-Project-Id \(header) does not match the project in the path")
        }
        let method = request.method
        switch (Array(segments.dropFirst()), method) {
        case (["workflowexecutions"], "GET"):
            counter.count("list executions")
            return .ok(try listExecutions(value, now: now))
        case (["workflows"], "GET"):
            counter.count("list workflows")
            return .ok(try listWorkflows(value))
        case (let s, "GET") where s.count == 2 && s[0] == "workflows":
            counter.count("show workflow")
            return .ok(try workflow(s[1]))
        case (let s, "POST") where s.count == 3 && s[0] == "workflows" && s[2] == "execute":
            counter.count("start")
            return .ok(try start(graph: s[1], body: body, now: now))
        case (let s, "GET") where s.count == 4 && s[0] == "workflows" && s[2] == "workflowexecution":
            counter.count("show execution")
            return .ok(try execution(graph: s[1], name: s[3], now: now))
        case (let s, "POST") where s.count == 5 && s[0] == "workflows" && s[2] == "workflowexecution" && s[4] == "retry":
            counter.count("retry")
            if let quota, !quota.take() { return quota.gatewayRefusal }
            let restored = try store.restore(graph: s[1], name: s[3], now: now)
            if faults.drawRestoreDrop(target: request.target) { try await request.drop() }
            return .ok(restored.json)
        case (let s, _) where ["workflowexecutions", "workflows"].contains(s.first ?? ""):
            throw EmulatorError(405, "DWR.0405", "\(method) is not allowed on \(path)")
        default:
            throw Self.noAPI(path)
        }
    }

    static func noAPI(_ path: String) -> EmulatorError { EmulatorError(404, "DWR.0404", "no API at \(path)") }

    // MARK: Executions

    private func listExecutions(_ value: (String) -> String?, now: Int) throws(EmulatorError) -> JSONObject {
        guard let graph = value("graph_name"), !graph.isEmpty else { throw .badRequest("graph_name is required", code: "DWR.0400") }
        var wanted: ExecutionState?
        if let status = value("status") {
            guard DWRAPI.status(of: DWRAPI.state(ofStatus: status)) == status else {
                throw .badRequest("status must be success, fail, running, timeout or cancel, not '\(status)'", code: "DWR.0400")
            }
            wanted = DWRAPI.state(ofStatus: status)
        }
        let start = try time(value("start_time"), "start_time")
        let end = try time(value("end_time"), "end_time")
        let span = DWRAPI.defaultWindowMilliseconds
        let until = end ?? start.map { $0 + span } ?? now
        let since = start ?? until - span
        guard since <= until else { throw .badRequest("start_time is after end_time", code: "DWR.0400") }
        let offset = try number(value("offset"), "offset", DWRAPI.offsetRange) ?? DWRAPI.offsetRange.lowerBound
        let limit = min(try number(value("limit"), "limit", 1...Int.max) ?? 10, DWRAPI.executionLimitRange.upperBound)
        // Both bounds are whole seconds and both are included.
        let (graphRecord, found) = try store.executions(graph: graph, startedIn: since...(until + 999), state: wanted, now: now)
        let from = min(offset - 1, found.count)
        let to = min(found.count, from + limit)
        var page: JSONObject = [
            "count": .int(found.count),
            "executions": .array(found[from..<to].map { .object(listItem($0.run, $0.snapshot, graph: graphRecord)) }),
            "is_truncated": .bool(to < found.count),
        ]
        if to < found.count { page["next_offset"] = .int(offset + limit) }
        return page
    }

    private func listItem(_ run: ExecutionRun, _ snapshot: ExecutionRun.Snapshot, graph: Graph) -> JSONObject {
        [
            "execution_name": .string(run.name),
            "execution_urn": .string(store.executionURN(graph.name, run.name)),
            "graph_urn": .string(workflowURN(graph)),
            "execution_state": .string(DWRAPI.status(of: snapshot.state) ?? snapshot.state.rawValue.lowercased()),
            "execution_type": .string(run.type.rawValue),
            "started_at": .string(Self.time(run.startedAt)),
            "stopped_at": .string(snapshot.stoppedAt.map(Self.time) ?? ""),
        ]
    }

    private func execution(graph: String, name: String, now: Int) throws(EmulatorError) -> JSONObject {
        let (graphRecord, run, snapshot) = try store.run(graph: graph, name: name, now: now)
        var nodes: [JSONValue] = []
        var lastUpdate = max(run.startedAt, run.restoredAt ?? 0)
        for (index, step) in snapshot.steps.enumerated() where step.status != .notRunning {
            var node: JSONObject = [
                "status": .string(DWRAPI.status(of: ExecutionState(rawValue: step.status.rawValue)) ?? "running"),
                "input": [:], "output": [:],
                "begin_time": .int(step.startedAt ?? 0),
                "error_message": .string(
                    step.status == .failed ? EmulatorStore.error(of: step, state: graphRecord.steps[index].name, run: run) ?? "" : ""),
                "request_id": .string(Self.id(run.name + "/" + graphRecord.steps[index].name)),
            ]
            if let stopped = step.stoppedAt { node["end_time"] = .int(stopped) }
            nodes.append(.object(node))
            lastUpdate = max(lastUpdate, step.stoppedAt ?? step.startedAt ?? 0)
        }
        let input = EmulatorStore.input(of: run)
        return [
            "workflow_id": .string(Self.id(graphRecord.name)),
            "workflow_urn": .string(workflowURN(graphRecord)),
            "execution_id": .string(Self.id(graphRecord.name + "/" + run.name)),
            "status": .string(DWRAPI.status(of: snapshot.state) ?? "running"),
            "headers": [:],
            "input": .object(input),
            "output": [:],
            "begin_time": .string(Self.time(run.startedAt)),
            "end_time": .string(snapshot.stoppedAt.map(Self.time) ?? ""),
            "last_update_time": .string(Self.time(lastUpdate)),
            "created_by": "obsw-emulator",
            "node_execution_details": .array(nodes),
        ]
    }

    /// `ExecuteWorkflowBody`: `bucket`, `object` and one optional `inputs` record.
    private func start(graph: String, body: [UInt8], now: Int) throws(EmulatorError) -> JSONObject {
        guard !body.isEmpty else { throw .badRequest("the request body is empty; bucket and object are required", code: "DWR.0400") }
        guard let object = (try? JSONParser.parse(body))?.objectValue else {
            throw .badRequest("the request body is not a JSON object", code: "DWR.0400")
        }
        guard let bucket = object.string("bucket"), !bucket.isEmpty else { throw .badRequest("bucket is required", code: "DWR.0400") }
        guard let key = object.string("object"), !key.isEmpty else { throw .badRequest("object is required", code: "DWR.0400") }
        var inputs: JSONObject?
        if let input = object["inputs"], !input.isNull {
            guard let record = input.objectValue, let name = record.string("parameter_name"), !name.isEmpty else {
                throw .badRequest("inputs must be one record with a parameter_name", code: "DWR.0400")
            }
            inputs = [name: record["parameter_value"] ?? .null]
        }
        return try store.start(graph: graph, bucket: bucket, object: key, inputs: inputs, now: now).json
    }

    // MARK: Workflows

    private func listWorkflows(_ value: (String) -> String?) throws(EmulatorError) -> JSONObject {
        let offset = try number(value("offset"), "offset", DWRAPI.offsetRange) ?? DWRAPI.offsetRange.lowerBound
        let limit = try number(value("limit"), "limit", DWRAPI.workflowLimitRange) ?? 10
        let all = store.graphs(prefix: value("prefix") ?? "")
        let from = min(offset - 1, all.count)
        let to = min(all.count, from + limit)
        var page: JSONObject = [
            "count": .int(all.count),
            "graphs": .array(all[from..<to].map { graph in
                ["name": .string(graph.name), "created_at": .string(Self.time(graph.createdAt)),
                 "graph_urn": .string(workflowURN(graph)), "id": .string(Self.id(graph.name))]
            }),
            "is_truncated": .bool(to < all.count),
        ]
        if to < all.count { page["next_offset"] = .int(offset + limit) }
        return page
    }

    /// The definition as DWR writes it: `states` a list, in run order.
    private func workflow(_ name: String) throws(EmulatorError) -> JSONObject {
        let graph = try store.graph(name: name)
        var definition = graph.definition
        if let map = definition.object("states") {
            definition["states"] = .array(graph.steps.compactMap { map[$0.name] })
        }
        return [
            "name": .string(graph.name), "created_at": .string(Self.time(graph.createdAt)),
            "graph_urn": .string(workflowURN(graph)), "description": .string(graph.description),
            "definition": .object(definition),
        ]
    }

    // MARK: Values

    private func workflowURN(_ graph: Graph) -> String {
        "urn:fss:\(store.region):\(projectID):workflow:default:\(graph.name):latest"
    }

    /// `yyyy-MM-ddTHH:mm:ssZ`, the form DWR documents for its times.
    static func time(_ milliseconds: Int) -> String {
        WireDate.iso8601Seconds(epochSeconds: milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
    }

    /// A stable 32-hex-digit id for a name (FNV-1a, twice).
    static func id(_ text: String) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in text.utf8 {
            a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x100_0000_01b3 ^ (b >> 29)
        }
        let hex = String(a, radix: 16) + String(b, radix: 16)
        return String(repeating: "0", count: max(0, 32 - hex.count)) + hex.prefix(32)
    }

    /// A time bound: `yyyy-MM-ddTHH:mm:ssZ` exactly, as the service takes it.
    private func time(_ text: String?, _ name: String) throws(EmulatorError) -> Int? {
        guard let text else { return nil }
        guard text.utf8.count == 20, text.hasSuffix("Z"), let ms = WireDate.parseISO8601(text) else {
            throw .badRequest("\(name) must be a UTC time like 2025-01-02T03:04:05Z, not '\(text)'", code: "DWR.0400")
        }
        return ms
    }

    private func number(_ text: String?, _ name: String, _ range: ClosedRange<Int>) throws(EmulatorError) -> Int? {
        guard let text else { return nil }
        guard let n = Int(text), range.contains(n) else {
            let upper = range.upperBound == Int.max ? "or more" : "to \(range.upperBound)"
            throw .badRequest("\(name) must be a whole number from \(range.lowerBound) \(upper), not '\(text)'", code: "DWR.0400")
        }
        return n
    }
}

/// Signed requests the v3 face answered, by operation (`list executions`, `show execution`,
/// `retry`, ...): the control endpoint shows them, so a test can see how a client polls.
final class RequestCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func count(_ operation: String) { counts.withLock { $0[operation, default: 0] += 1 } }
    var snapshot: [String: Int] { counts.withLock { $0 } }
    func reset() { counts.withLock { $0 = [:] } }
}
