/// The DWR v3 API's paths, parameters and limits, shared by the client and the emulator.
public enum DWRAPI {
    /// `/v3/{project_id}`, the project id encoded as a path segment.
    public static func base(projectID: String) -> String { "/v3/\(PercentEncoding.encodePathSegment(projectID))" }

    /// `offset` is a 1-based start position the service caps at 1000.
    public static let offsetRange = 1...1000
    /// The page size of the execution listing: larger values get 200.
    public static let executionLimitRange = 1...200
    /// The page size of the workflow listing.
    public static let workflowLimitRange = 1...1000
    /// Without `start_time`/`end_time` the service searches the last three days; one bound
    /// alone reaches three days from the other.
    public static let defaultWindowMilliseconds = 3 * 86_400_000

    /// The service's lower-case state spelling of an execution state, and back.
    public static func status(of state: ExecutionState) -> String? {
        switch state {
        case .failed: "fail"
        case .success: "success"
        case .running: "running"
        case .timeout: "timeout"
        case .cancelled: "cancel"
        default: nil
        }
    }

    public static func state(ofStatus status: String) -> ExecutionState {
        switch status.lowercased() {
        case "fail", "failed": .failed
        case "success", "succeeded": .success
        case "running": .running
        case "timeout": .timeout
        case "cancel", "cancelled", "canceled": .cancelled
        default: ExecutionState(rawValue: status.uppercased())
        }
    }
}

extension WorkflowRequest {
    /// Requests of the DWR v3 API: the project id in the path, names as path segments,
    /// query and body as the Huawei Cloud SDK writes them.
    public enum DWR {
        static func path(_ projectID: String, _ segments: String...) -> String {
            DWRAPI.base(projectID: projectID) + segments.map { "/" + $0 }.joined()
        }

        static func name(_ text: String) -> String { PercentEncoding.encodePathSegment(text) }

        /// `GET /v3/{project_id}/workflowexecutions`
        public static func listExecutions(
            projectID: String, graph: String, status: String? = nil, startTime: String? = nil, endTime: String? = nil,
            offset: Int? = nil, limit: Int? = nil
        ) -> WorkflowRequest {
            var query = [QueryItem("graph_name", graph)]
            if let status { query.append(QueryItem("status", status)) }
            if let startTime { query.append(QueryItem("start_time", startTime)) }
            if let endTime { query.append(QueryItem("end_time", endTime)) }
            if let offset { query.append(QueryItem("offset", String(offset))) }
            if let limit { query.append(QueryItem("limit", String(limit))) }
            return WorkflowRequest(
                method: "GET", path: path(projectID, "workflowexecutions"), query: query, replay: .safe,
                dialect: .huaweiCloudSDK, summary: "list executions of \(graph)")
        }

        /// `GET /v3/{project_id}/workflows/{graph}/workflowexecution/{name}`
        public static func getExecution(projectID: String, graph: String, name: String) -> WorkflowRequest {
            WorkflowRequest(
                method: "GET", path: path(projectID, "workflows", Self.name(graph), "workflowexecution", Self.name(name)),
                replay: .safe, dialect: .huaweiCloudSDK, summary: "get execution \(name)")
        }

        /// `POST /v3/{project_id}/workflows/{graph}/workflowexecution/{name}/retry`, no body.
        public static func retryExecution(projectID: String, graph: String, name: String) -> WorkflowRequest {
            WorkflowRequest(
                method: "POST",
                path: path(projectID, "workflows", Self.name(graph), "workflowexecution", Self.name(name), "retry"),
                replay: .restore, dialect: .huaweiCloudSDK, summary: "resume execution \(name)")
        }

        /// `POST /v3/{project_id}/workflows/{graph}/execute` with `{bucket, object, inputs}`
        /// (the SDK's body is optional: nil sends none).
        public static func startExecution(projectID: String, graph: String, body: JSONObject?) -> WorkflowRequest {
            WorkflowRequest(
                method: "POST", path: path(projectID, "workflows", Self.name(graph), "execute"),
                body: body.map(JSONValue.object), replay: .unsafe, dialect: .huaweiCloudSDK,
                summary: "start workflow \(graph)")
        }

        /// `GET /v3/{project_id}/workflows`
        public static func listWorkflows(projectID: String, prefix: String? = nil, offset: Int? = nil, limit: Int? = nil)
            -> WorkflowRequest
        {
            var query: [QueryItem] = []
            if let prefix, !prefix.isEmpty { query.append(QueryItem("prefix", prefix)) }
            if let offset { query.append(QueryItem("offset", String(offset))) }
            if let limit { query.append(QueryItem("limit", String(limit))) }
            return WorkflowRequest(
                method: "GET", path: path(projectID, "workflows"), query: query, replay: .safe, dialect: .huaweiCloudSDK,
                summary: "list workflows")
        }

        /// `GET /v3/{project_id}/workflows/{graph}`
        public static func getWorkflow(projectID: String, graph: String) -> WorkflowRequest {
            WorkflowRequest(
                method: "GET", path: path(projectID, "workflows", Self.name(graph)), replay: .safe,
                dialect: .huaweiCloudSDK, summary: "get workflow \(graph)")
        }
    }
}
