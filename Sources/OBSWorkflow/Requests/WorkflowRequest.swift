/// One call to the Data+ API, before signing: method, encoded path, raw query, JSON body.
public struct WorkflowRequest: Sendable {
    /// Whether sending this request twice could do the work twice.
    public enum Replay: Sendable {
        /// Reads, deletes, updates: a repeat changes nothing further; retried after any
        /// network error, timeout, 5xx or 429.
        case safe
        /// Starts and creates: a repeat after an answer that may have been lost could start a
        /// second execution, so it is retried only when the service certainly did not act
        /// (connection refused, 429, 503).
        case unsafe
        /// Restore: retried like `safe`, but after an ambiguous failure the client reads the
        /// execution first (see `OBSWorkflowClient.restoreExecution`).
        case restore
    }

    /// How the query and body are written, as each service's official SDK writes them.
    public enum Dialect: Sendable {
        /// The OBS SDK: valueless flags first, then pairs in order, `/` kept in values;
        /// compact JSON.
        case obs
        /// Huawei Cloud's SDK (DWR v3): pairs sorted, every reserved byte encoded (the
        /// query on the wire is the signed one); JSON with `", "`/`": "` and non-ASCII as
        /// `\uXXXX`, so a body is byte for byte what the SDK sends.
        case huaweiCloudSDK
    }

    public var method: String
    /// The path as sent, percent-encoded (`/v2/workflows/g%201`).
    public var path: String
    /// Query parameters with raw values, in the order they are sent.
    public var query: [QueryItem]
    public var body: JSONValue?
    /// Set for bucket-scoped calls (trigger policy): sent as `Host: bucket.endpoint`.
    public var bucket: String?
    public var replay: Replay
    public var dialect: Dialect
    /// What the call does, in the user's words, for messages ("restore execution exec-1").
    public var summary: String

    public init(
        method: String, path: String, query: [QueryItem] = [], body: JSONValue? = nil, bucket: String? = nil,
        replay: Replay, dialect: Dialect = .obs, summary: String
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.bucket = bucket
        self.replay = replay
        self.dialect = dialect
        self.summary = summary
    }

    /// The query string as the service's SDK writes it (see `Dialect`), with its `?`; empty
    /// when there is no query.
    public var encodedQuery: String {
        if dialect == .huaweiCloudSDK {
            return query.isEmpty ? "" : "?" + DWRSigner.canonicalQuery(query)
        }
        let flags = query.filter { $0.value == nil }.map { PercentEncoding.encode($0.name) }
        let pairs = query.compactMap { item in
            item.value.map { "\(PercentEncoding.encode(item.name))=\(PercentEncoding.encodeQueryValue($0))" }
        }
        let all = flags + pairs
        return all.isEmpty ? "" : "?" + all.joined(separator: "&")
    }

    /// Path and query, as on the request line.
    public var target: String { path + encodedQuery }

    /// The body as sent; empty when there is none.
    public var bodyBytes: [UInt8] {
        guard let body else { return [] }
        return dialect == .huaweiCloudSDK ? body.sdkStyleJSONBytes : body.jsonBytes
    }
}

/// The API's paths and query parameter names, shared by the client and the emulator.
public enum API {
    public static let templates = "/v2/workflowtemplates"
    public static let workflows = "/v2/workflows"
    public static let executions = "/v2/workflowexecutions"

    public static let prefix = "x-workflow-prefix"
    public static let start = "x-workflow-start"
    public static let limit = "x-workflow-limit"
    public static let templateName = "x-workflow-template-name"
    public static let create = "x-workflow-create"
    public static let graphName = "x-workflow-graph-name"
    public static let executionType = "x-workflow-execution-type"
    public static let executionState = "x-workflow-execution-state"
    public static let nextMarker = "x-workflow-next-marker"
    public static let triggerPolicy = "obsworkflowtriggerpolicy"

    /// Page sizes the service accepts for `x-workflow-limit`.
    public static let limitRange = 1...1000

    static func path(_ base: String, _ name: String) -> String {
        "\(base)/\(PercentEncoding.encodePathSegment(name))"
    }
}

extension WorkflowRequest {
    // MARK: Templates

    public static func createTemplate(
        name: String, description: String? = nil, states: JSONValue? = nil, inputs: JSONValue? = nil,
        tags: JSONValue? = nil
    ) -> WorkflowRequest {
        var body = JSONObject()
        if let description { body["description"] = .string(description) }
        if let states { body["states"] = states }
        if let inputs { body["inputs"] = inputs }
        if let tags { body["tags"] = tags }
        return WorkflowRequest(
            method: "POST", path: API.path(API.templates, name), body: .object(body), replay: .unsafe,
            summary: "create template \(name)")
    }

    public static func getTemplate(name: String) -> WorkflowRequest {
        WorkflowRequest(method: "GET", path: API.path(API.templates, name), replay: .safe, summary: "get template \(name)")
    }

    public static func deleteTemplate(name: String) -> WorkflowRequest {
        WorkflowRequest(
            method: "DELETE", path: API.path(API.templates, name), replay: .safe, summary: "delete template \(name)")
    }

    public static func listTemplates(prefix: String = "", start: Int? = nil, limit: Int? = nil) -> WorkflowRequest {
        WorkflowRequest(
            method: "GET", path: API.path(API.templates, prefix), query: offsetQuery(start: start, limit: limit),
            replay: .safe, summary: "list templates")
    }

    // MARK: Workflows (graphs)

    /// Creates a workflow from a definition (`?x-workflow-create`); `definition` holds
    /// `description`, `states` and `inputs` as the API takes them.
    public static func createWorkflow(name: String, definition: JSONObject) -> WorkflowRequest {
        WorkflowRequest(
            method: "POST", path: API.path(API.workflows, name), query: [QueryItem(API.create)],
            body: .object(definition), replay: .unsafe, summary: "create workflow \(name)")
    }

    public static func createWorkflowFromTemplate(
        name: String, template: String, agency: String, description: String? = nil, parameters: JSONValue? = nil
    ) -> WorkflowRequest {
        var body: JSONObject = ["agency": .string(agency)]
        if let description { body["description"] = .string(description) }
        if let parameters { body["parameters"] = parameters }
        return WorkflowRequest(
            method: "POST", path: API.path(API.workflows, name), query: [QueryItem(API.templateName, template)],
            body: .object(body), replay: .unsafe, summary: "create workflow \(name) from template \(template)")
    }

    public static func getWorkflow(name: String) -> WorkflowRequest {
        WorkflowRequest(method: "GET", path: API.path(API.workflows, name), replay: .safe, summary: "get workflow \(name)")
    }

    public static func deleteWorkflow(name: String) -> WorkflowRequest {
        WorkflowRequest(
            method: "DELETE", path: API.path(API.workflows, name), replay: .safe, summary: "delete workflow \(name)")
    }

    public static func updateWorkflow(name: String, parameters: JSONValue?, description: String? = nil) -> WorkflowRequest {
        var body = JSONObject()
        if let parameters { body["parameters"] = parameters }
        if let description { body["description"] = .string(description) }
        return WorkflowRequest(
            method: "PUT", path: API.path(API.workflows, name), body: .object(body), replay: .safe,
            summary: "update workflow \(name)")
    }

    public static func listWorkflows(prefix: String = "", start: Int? = nil, limit: Int? = nil) -> WorkflowRequest {
        WorkflowRequest(
            method: "GET", path: API.path(API.workflows, prefix), query: offsetQuery(start: start, limit: limit),
            replay: .safe, summary: "list workflows")
    }

    // MARK: Executions

    public static func startExecution(graph: String, bucket: String, object: String, inputs: JSONObject? = nil)
        -> WorkflowRequest
    {
        var body: JSONObject = ["bucket": .string(bucket), "object": .string(object)]
        if let inputs { body["inputs"] = .object(inputs) }
        return WorkflowRequest(
            method: "POST", path: API.path(API.workflows, graph), body: .object(body), replay: .unsafe,
            summary: "start workflow \(graph)")
    }

    public static func listExecutions(
        graph: String, type: ExecutionType? = nil, state: ExecutionState? = nil, marker: String? = nil,
        limit: Int? = nil
    ) -> WorkflowRequest {
        var query = [QueryItem(API.graphName, graph)]
        if let marker { query.append(QueryItem(API.nextMarker, marker)) }
        if let limit { query.append(QueryItem(API.limit, String(limit))) }
        if let type { query.append(QueryItem(API.executionType, type.rawValue)) }
        if let state { query.append(QueryItem(API.executionState, state.rawValue)) }
        return WorkflowRequest(
            method: "GET", path: API.executions, query: query, replay: .safe, summary: "list executions of \(graph)")
    }

    public static func getExecution(graph: String, name: String) -> WorkflowRequest {
        WorkflowRequest(
            method: "GET", path: API.path(API.executions, name), query: [QueryItem(API.graphName, graph)],
            replay: .safe, summary: "get execution \(name)")
    }

    public static func restoreExecution(graph: String, name: String) -> WorkflowRequest {
        WorkflowRequest(
            method: "PUT", path: API.path(API.executions, name), query: [QueryItem(API.graphName, graph)],
            replay: .restore, summary: "resume execution \(name)")
    }

    // MARK: Bucket trigger policy

    public static func putTriggerPolicy(bucket: String, rules: [TriggerRule]) -> WorkflowRequest {
        WorkflowRequest(
            method: "PUT", path: "/", query: [QueryItem(API.triggerPolicy)],
            body: ["rules": .array(rules.map { .object($0.json) })], bucket: bucket, replay: .safe,
            summary: "set the trigger policy of bucket \(bucket)")
    }

    public static func getTriggerPolicy(bucket: String) -> WorkflowRequest {
        WorkflowRequest(
            method: "GET", path: "/", query: [QueryItem(API.triggerPolicy)], bucket: bucket, replay: .safe,
            summary: "get the trigger policy of bucket \(bucket)")
    }

    public static func deleteTriggerPolicy(bucket: String) -> WorkflowRequest {
        WorkflowRequest(
            method: "DELETE", path: "/", query: [QueryItem(API.triggerPolicy)], bucket: bucket, replay: .safe,
            summary: "delete the trigger policy of bucket \(bucket)")
    }

    private static func offsetQuery(start: Int?, limit: Int?) -> [QueryItem] {
        var query = [QueryItem(API.prefix)]
        if let start { query.append(QueryItem(API.start, String(start))) }
        if let limit { query.append(QueryItem(API.limit, String(limit))) }
        return query
    }
}
