import Logging
import Synchronization

/// The DWR (Data Workflow) v3 API as a `WorkflowService`: the same commands, runbooks and
/// safety rules as on OBS Data+, over `/v3/{project_id}/...` with SDK-HMAC-SHA256.
///
/// What differs from v2, and how this client makes it the same for its callers:
/// - listings page by `offset` (at most 1000) and `limit` (at most 200) and search three
///   days unless given a window: `executions` splits a window until every slice fits, so a
///   listing is complete (`WindowedListing`);
/// - states are lower case (`fail`) and the detail is flat: records are normalised
///   (`DWRRecords`);
/// - the resume call is `POST …/retry` with no idempotency token, which the SDK never
///   repeats: the confirm-by-reading rule applies as on v2 (`ConfirmedRestore`).
public final class DWRWorkflowClient: Sendable {
    public let transport: HTTPTransport
    public let projectID: String
    /// Overrides the transport's retry policy for this client's calls.
    public let retry: RetryPolicy?
    /// Each workflow's states in run order, read once (to name the nodes of its executions).
    private let stateNames: Mutex<[String: [String]]>

    /// `settings.signer` is replaced by the DWR signer for `projectID`.
    public init(settings: TransportSettings, projectID: String, logger: Logger = Logger(label: "obsw.client"))
        throws(ConfigurationError)
    {
        guard !projectID.isEmpty else { throw .missingProjectID }
        var settings = settings
        settings.signer = DWRRequestSigner(projectID: projectID)
        transport = try HTTPTransport(settings: settings, logger: logger)
        self.projectID = projectID
        retry = nil
        stateNames = Mutex([:])
    }

    private init(transport: HTTPTransport, projectID: String, retry: RetryPolicy) {
        self.transport = transport
        self.projectID = projectID
        self.retry = retry
        stateNames = Mutex([:])
    }

    /// The states of `graph` in run order, from its definition (read once); nil when it
    /// cannot be read — the nodes then keep their index.
    func stateNames(of graph: String) async -> [String]? {
        if let known = stateNames.withLock({ $0[graph] }) { return known }
        guard let detail = try? await workflow(named: graph) else { return nil }
        let names = detail.stateOrder
        stateNames.withLock { $0[graph] = names }
        return names
    }

    public func shutdown() async { await transport.shutdown() }

    // MARK: Workflows

    /// One page of workflows from `offset` (1-based, at most 1000).
    public func workflowPage(prefix: String = "", offset: Int? = nil, limit: Int? = nil)
        async throws(OBSWorkflowError) -> DWRPage
    {
        if let limit, !DWRAPI.workflowLimitRange.contains(limit) {
            throw .invalidArgument("the page size must be 1-1000, not \(limit)")
        }
        let request = WorkflowRequest.DWR.listWorkflows(projectID: projectID, prefix: prefix, offset: offset, limit: limit)
        let page = DWRPage(json: try await object(request))
        try requireList(page.json, "graphs", operation: request.summary, absentWhenEmpty: true)
        return page
    }

    // MARK: Executions

    /// One page of executions of `graph` started within `[startTime, endTime]` (the
    /// service's text, `yyyy-MM-ddTHH:mm:ssZ`; both nil: its last three days).
    public func executionPage(
        graph: String, status: String? = nil, startTime: String? = nil, endTime: String? = nil, offset: Int? = nil,
        limit: Int? = nil
    ) async throws(OBSWorkflowError) -> DWRPage {
        try validateName(graph, "workflow")
        if let limit, !DWRAPI.executionLimitRange.contains(limit) {
            throw .invalidArgument("the page size must be 1-200, not \(limit)")
        }
        if let offset, !DWRAPI.offsetRange.contains(offset) {
            throw .invalidArgument("the offset must be 1-1000, not \(offset)")
        }
        let request = WorkflowRequest.DWR.listExecutions(
            projectID: projectID, graph: graph, status: status, startTime: startTime, endTime: endTime, offset: offset,
            limit: limit)
        let page = DWRPage(json: try await object(request))
        try requireList(page.json, "executions", operation: request.summary, absentWhenEmpty: true)
        return page
    }

    // MARK: Helpers

    /// The JSON object of a successful answer.
    func object(_ request: WorkflowRequest) async throws(OBSWorkflowError) -> JSONObject {
        let answer = try await transport.send(request, retry: retry)
        guard let object = try decode(answer, request).objectValue else {
            throw .invalidResponse(
                InvalidResponseError(
                    operation: request.summary, status: answer.status, requestID: answer.requestID,
                    reason: "expected a JSON object"))
        }
        return object
    }
}

/// One page of a DWR listing: `count`, the items, `is_truncated` and `next_offset`.
public struct DWRPage: APIRecord {
    public var json: JSONObject
    public init(json: JSONObject) { self.json = json }

    public var count: Int? { json.int("count") }
    public var isTruncated: Bool { json.bool("is_truncated") ?? false }
    public var nextOffset: Int? { json.int("next_offset") }
    public var executions: [Execution] { json.objects("executions").map(DWRRecords.execution) }
    public var workflows: [Workflow] { json.objects("graphs").map(Workflow.init(json:)) }

    /// The offset of the next page; an answer marked truncated without one that moves
    /// forward is broken (following it would loop).
    func next(after offset: Int, operation: String) throws(OBSWorkflowError) -> Int? {
        guard isTruncated else { return nil }
        // "More follows" on a page with nothing on it is a listing that would never end.
        guard (json.array("executions")?.count ?? 0) + (json.array("graphs")?.count ?? 0) > 0 else {
            throw .invalidResponse(
                InvalidResponseError(
                    operation: operation, status: 200, reason: "the page is marked truncated but holds nothing"))
        }
        guard let next = nextOffset, next > offset else {
            throw .invalidResponse(
                InvalidResponseError(
                    operation: operation, status: 200,
                    reason: "the page is marked truncated but its next_offset (\(json["next_offset"]?.jsonText ?? "none")) does not move past \(offset)"))
        }
        return next
    }
}

extension DWRWorkflowClient: WorkflowService {
    public var endpointDescription: String { "\(transport.settings.endpoint.description)/v3/\(projectID)" }
    public var identity: ServiceIdentity { ServiceIdentity(endpoint: transport.settings.endpoint, project: projectID) }
    public var retryPolicy: RetryPolicy { retry ?? transport.settings.retry }
    public var listingWindow: ListingWindow { .serviceDefault(milliseconds: DWRAPI.defaultWindowMilliseconds) }

    public func retrying(_ policy: RetryPolicy) -> DWRWorkflowClient {
        DWRWorkflowClient(transport: transport, projectID: projectID, retry: policy)
    }

    public func paced(by pacing: Pacing) -> DWRWorkflowClient {
        DWRWorkflowClient(transport: transport.paced(by: pacing), projectID: projectID, retry: retryPolicy)
    }

    public func workflows(prefix: String, pageSize: Int) -> Paginated<Workflow> {
        let limit = min(max(pageSize, 1), DWRAPI.workflowLimitRange.upperBound)
        return Paginated { [self] cursor throws(OBSWorkflowError) in
            let offset = cursor.flatMap { Int($0) } ?? 1
            let page = try await workflowPage(prefix: prefix, offset: offset, limit: limit)
            guard let next = try page.next(after: offset, operation: "list workflows") else { return (page.workflows, nil) }
            guard DWRAPI.offsetRange.contains(next) else {
                throw .invalidArgument(
                    "more workflows match than DWR lists (it pages no further than offset \(DWRAPI.offsetRange.upperBound)); give a longer name prefix")
            }
            return (page.workflows, String(next))
        }
    }

    public func workflow(named name: String) async throws(OBSWorkflowError) -> WorkflowDetail {
        try validateName(name, "workflow")
        return WorkflowDetail(json: try await object(.DWR.getWorkflow(projectID: projectID, graph: name)))
    }

    public func templates(prefix: String, pageSize: Int) -> Paginated<WorkflowTemplate> {
        Paginated { _ throws(OBSWorkflowError) in throw Self.noTemplates }
    }

    public func template(named name: String) async throws(OBSWorkflowError) -> WorkflowTemplate {
        throw Self.noTemplates
    }

    /// Templates belong to Data+'s v2 API; the DWR calls obsw speaks are workflows and executions.
    static let noTemplates = OBSWorkflowError.invalidArgument(
        "templates are part of the OBS Data+ API, not of DWR v3: use --service obs for them")

    public func executions(
        graph: String, type: ExecutionType?, state: ExecutionState?, window: TimeWindow?, pageSize: Int
    ) -> Paginated<Execution> {
        let status: String?
        if let state {
            guard let known = DWRAPI.status(of: state) else {
                return Paginated { _ throws(OBSWorkflowError) in
                    throw .invalidArgument("DWR has no execution state \(state.rawValue)")
                }
            }
            status = known
        } else {
            status = nil
        }
        let limit = min(max(pageSize, 1), DWRAPI.executionLimitRange.upperBound)
        let listing = Paginated<Execution>(eachIteration: { [self] in
            let slices = WindowedListing(
                window: window ?? TimeWindow(), defaultSpan: DWRAPI.defaultWindowMilliseconds,
                now: WallClock.nowMilliseconds())
            return { _ throws(OBSWorkflowError) in
                try await slices.nextPage { slice, offset throws(OBSWorkflowError) in
                    try await self.executionPage(
                        graph: graph, status: status, startTime: WireDate.iso8601Seconds(epochSeconds: slice.lowerBound),
                        endTime: WireDate.iso8601Seconds(epochSeconds: slice.upperBound), offset: offset, limit: limit)
                }
            }
        })
        // The service filters by state and time; the exact window and the type are kept here.
        let exact = window
        return listing.filter { execution in
            if let type, execution.type != type { return false }
            guard let exact, let started = execution.startedAt.flatMap(WireDate.parseISO8601) else { return true }
            return exact.contains(started)
        }
    }

    public func execution(graph: String, name: String) async throws(OBSWorkflowError) -> ExecutionInfo {
        try validateName(graph, "workflow")
        try validateName(name, "execution")
        let json = try await object(.DWR.getExecution(projectID: projectID, graph: graph, name: name))
        return DWRRecords.detail(json, graph: graph, name: name, stateNames: await stateNames(of: graph))
    }

    /// DWR's start body holds `bucket`, `object` and one `inputs` record
    /// (`{parameter_name, type, parameter_value}`): the SDK types it as a single object.
    public func startExecution(graph: String, bucket: String, object: String, inputs: JSONObject?)
        async throws(OBSWorkflowError) -> StartedExecution
    {
        try validateName(graph, "workflow")
        var body: JSONObject = ["bucket": .string(bucket), "object": .string(object)]
        if let inputs, !inputs.isEmpty {
            guard inputs.count == 1, let name = inputs.keys.first, let value = inputs[name] else {
                throw .invalidArgument("DWR takes one input per execution (its 'inputs' is a single record), not \(inputs.count)")
            }
            body["inputs"] = ["parameter_name": .string(name), "type": "string", "parameter_value": value]
        }
        return StartedExecution(json: try await self.object(.DWR.startExecution(projectID: projectID, graph: graph, body: body)))
    }

    public func restoreExecution(graph: String, name: String) async throws(OBSWorkflowError) -> RestoreResult {
        try validateName(graph, "workflow")
        try validateName(name, "execution")
        return try await ConfirmedRestore(
            transport: transport, retry: retryPolicy,
            request: .DWR.retryExecution(projectID: projectID, graph: graph, name: name), name: name,
            read: { () throws(OBSWorkflowError) in try await self.execution(graph: graph, name: name) }
        ).run()
    }
}
