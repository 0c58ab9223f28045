import Logging

/// Typed async calls for every Data+ workflow endpoint.
///
/// One client holds one pooled HTTP connection set; share it across tasks (it is `Sendable`)
/// and call `shutdown()` once at the end.
public final class OBSWorkflowClient: Sendable {
    public let transport: HTTPTransport
    /// Overrides the transport's retry policy for this client's calls.
    public let retry: RetryPolicy?

    public init(settings: TransportSettings, logger: Logger = Logger(label: "obsw.client")) throws(ConfigurationError) {
        transport = try HTTPTransport(settings: settings, logger: logger)
        retry = nil
    }

    private init(transport: HTTPTransport, retry: RetryPolicy) {
        self.transport = transport
        self.retry = retry
    }

    /// The same connections with another retry policy (bulk work retries harder). Shut
    /// down the original client, not this one.
    public func retrying(_ policy: RetryPolicy) -> OBSWorkflowClient {
        OBSWorkflowClient(transport: transport, retry: policy)
    }

    public func paced(by pacing: Pacing) -> OBSWorkflowClient {
        OBSWorkflowClient(transport: transport.paced(by: pacing), retry: retryPolicy)
    }

    /// The retry policy in force for this client's calls.
    public var retryPolicy: RetryPolicy { retry ?? transport.settings.retry }

    public func shutdown() async { await transport.shutdown() }

    // MARK: Templates

    public func createTemplate(
        name: String, description: String? = nil, states: JSONValue? = nil, inputs: JSONValue? = nil,
        tags: JSONValue? = nil
    ) async throws(OBSWorkflowError) -> CreatedTemplate {
        try validateName(name, "template")
        return try await record(
            .createTemplate(name: name, description: description, states: states, inputs: inputs, tags: tags))
    }

    public func template(named name: String) async throws(OBSWorkflowError) -> WorkflowTemplate {
        try validateName(name, "template")
        return try await record(.getTemplate(name: name))
    }

    public func deleteTemplate(named name: String) async throws(OBSWorkflowError) {
        try validateName(name, "template")
        _ = try await transport.send(.deleteTemplate(name: name), retry: retry)
    }

    /// One page of templates; `start` is the offset the previous page's `next_start` gave.
    public func templatePage(prefix: String = "", start: Int? = nil, limit: Int? = nil)
        async throws(OBSWorkflowError) -> OffsetPage<WorkflowTemplate>
    {
        try validateLimit(limit)
        return try await record(.listTemplates(prefix: prefix, start: start, limit: limit))
    }

    /// Every template whose name starts with `prefix`, fetched page by page as iterated.
    public func templates(prefix: String = "", pageSize: Int = 100) -> Paginated<WorkflowTemplate> {
        offsetPaginated(itemsKey: "templates", pageSize: pageSize) { [self] start, limit throws(OBSWorkflowError) in
            try await templatePage(prefix: prefix, start: start, limit: limit)
        }
    }

    // MARK: Workflows (graphs)

    /// Creates a workflow from a definition (`description`, `states`, `inputs`).
    public func createWorkflow(name: String, definition: JSONObject) async throws(OBSWorkflowError) -> CreatedWorkflow {
        try validateName(name, "workflow")
        return try await record(.createWorkflow(name: name, definition: definition))
    }

    public func createWorkflow(
        name: String, fromTemplate template: String, agency: String, description: String? = nil,
        parameters: JSONValue? = nil
    ) async throws(OBSWorkflowError) -> CreatedWorkflow {
        try validateName(name, "workflow")
        try validateName(template, "template")
        return try await record(
            .createWorkflowFromTemplate(
                name: name, template: template, agency: agency, description: description, parameters: parameters))
    }

    public func workflow(named name: String) async throws(OBSWorkflowError) -> WorkflowDetail {
        try validateName(name, "workflow")
        return try await record(.getWorkflow(name: name))
    }

    public func deleteWorkflow(named name: String) async throws(OBSWorkflowError) {
        try validateName(name, "workflow")
        _ = try await transport.send(.deleteWorkflow(name: name), retry: retry)
    }

    public func updateWorkflow(named name: String, parameters: JSONValue?, description: String? = nil)
        async throws(OBSWorkflowError) -> UpdatedWorkflow
    {
        try validateName(name, "workflow")
        return try await record(.updateWorkflow(name: name, parameters: parameters, description: description))
    }

    public func workflowPage(prefix: String = "", start: Int? = nil, limit: Int? = nil)
        async throws(OBSWorkflowError) -> OffsetPage<Workflow>
    {
        try validateLimit(limit)
        return try await record(.listWorkflows(prefix: prefix, start: start, limit: limit))
    }

    /// Every workflow whose name starts with `prefix`, fetched page by page as iterated.
    public func workflows(prefix: String = "", pageSize: Int = 100) -> Paginated<Workflow> {
        offsetPaginated(itemsKey: "graphs", pageSize: pageSize) { [self] start, limit throws(OBSWorkflowError) in
            try await workflowPage(prefix: prefix, start: start, limit: limit)
        }
    }

    // MARK: Executions

    /// Starts an execution of `graph` for one object. Not retried after an ambiguous failure,
    /// since a repeat could start a second execution.
    public func startExecution(graph: String, bucket: String, object: String, inputs: JSONObject? = nil)
        async throws(OBSWorkflowError) -> StartedExecution
    {
        try validateName(graph, "workflow")
        return try await record(.startExecution(graph: graph, bucket: bucket, object: object, inputs: inputs))
    }

    /// One page of executions. `state` is sent to the service and also applied here, so the
    /// page holds only matching executions even if the service ignores the filter.
    public func executionPage(
        graph: String, type: ExecutionType? = nil, state: ExecutionState? = nil, marker: String? = nil,
        limit: Int? = nil
    ) async throws(OBSWorkflowError) -> ExecutionPage {
        try validateName(graph, "workflow")
        try validateLimit(limit)
        var page: ExecutionPage = try await record(
            .listExecutions(graph: graph, type: type, state: state, marker: marker, limit: limit))
        try requireList(page.json, "executions", operation: "list executions of \(graph)")
        if let state, page.executions.contains(where: { $0.state != state }) {
            let kept = page.json.objects("executions").filter { Execution(json: $0).state == state }
            page.json["executions"] = .array(kept.map(JSONValue.object))
            page.json["count"] = .int(kept.count)
        }
        return page
    }

    /// Every execution of `graph` (optionally of one type or state), page by page as iterated:
    /// only one page is held at a time.
    public func executions(
        graph: String, type: ExecutionType? = nil, state: ExecutionState? = nil, pageSize: Int = 1000
    ) -> Paginated<Execution> {
        Paginated { [self] marker throws(OBSWorkflowError) in
            let page = try await executionPage(graph: graph, type: type, state: state, marker: marker, limit: pageSize)
            guard page.isTruncated else { return (page.executions, nil) }
            guard let next = page.nextMarker else {
                throw .invalidResponse(
                    InvalidResponseError(
                        operation: "list executions of \(graph)", status: 200,
                        reason: "the page is marked truncated but has no next_marker"))
            }
            return (page.executions, next)
        }
    }

    /// One execution with its per-state detail (`state_map`), and `failed_states` added as on DWR.
    public func execution(graph: String, name: String) async throws(OBSWorkflowError) -> ExecutionInfo {
        try validateName(graph, "workflow")
        try validateName(name, "execution")
        let request = WorkflowRequest.getExecution(graph: graph, name: name)
        let answer = try await transport.send(request, retry: retry)
        let body = try decode(answer, request)
        do { return try ExecutionInfo(responseBody: body).withFailedStates } catch {
            throw .invalidResponse(
                InvalidResponseError(
                    operation: request.summary, status: answer.status, requestID: answer.requestID,
                    reason: error.description))
        }
    }

    // MARK: Bucket trigger policy

    public func putTriggerPolicy(bucket: String, rules: [TriggerRule]) async throws(OBSWorkflowError) {
        try validateName(bucket, "bucket")
        _ = try await transport.send(.putTriggerPolicy(bucket: bucket, rules: rules), retry: retry)
    }

    public func triggerPolicy(bucket: String) async throws(OBSWorkflowError) -> [TriggerRule] {
        try validateName(bucket, "bucket")
        let request = WorkflowRequest.getTriggerPolicy(bucket: bucket)
        let answer = try await transport.send(request, retry: retry)
        return try decode(answer, request).objectValue?.objects("rules").map(TriggerRule.init(json:)) ?? []
    }

    public func deleteTriggerPolicy(bucket: String) async throws(OBSWorkflowError) {
        try validateName(bucket, "bucket")
        _ = try await transport.send(.deleteTriggerPolicy(bucket: bucket), retry: retry)
    }

    // MARK: Helpers

    func record<R: APIRecord>(_ request: WorkflowRequest) async throws(OBSWorkflowError) -> R {
        let answer = try await transport.send(request, retry: retry)
        let body = try decode(answer, request)
        do { return try R(body: body) } catch {
            throw .invalidResponse(
                InvalidResponseError(
                    operation: request.summary, status: answer.status, requestID: answer.requestID,
                    reason: error.description))
        }
    }


    func validateLimit(_ limit: Int?) throws(OBSWorkflowError) {
        if let limit, !API.limitRange.contains(limit) {
            throw .invalidArgument("the page size must be 1-1000, not \(limit)")
        }
    }

    private func offsetPaginated<Item: APIRecord>(
        itemsKey: String, pageSize: Int,
        page: @escaping @Sendable (Int?, Int) async throws(OBSWorkflowError) -> OffsetPage<Item>
    ) -> Paginated<Item> {
        Paginated { cursor throws(OBSWorkflowError) in
            let start = cursor.flatMap { Int($0) }
            let result = try await page(start, pageSize)
            try self.requireList(result.json, itemsKey, operation: "list \(itemsKey)")
            guard result.isTruncated else { return (result.items(itemsKey), nil) }
            guard let next = result.nextStart else {
                throw .invalidResponse(
                    InvalidResponseError(
                        operation: "list \(itemsKey)", status: 200,
                        reason: "the page is marked truncated but has no next_start"))
            }
            return (result.items(itemsKey), String(next))
        }
    }
}
