/// What obsw's commands need from a workflow service: workflows (graphs) and templates,
/// executions listed with filters and a time window, one execution, starting one, and
/// resuming (restoring) a FAILED one under the confirm-by-reading rule — a restore whose
/// answer was lost is settled by reading the execution, never by a blind second restore.
/// Errors are `OBSWorkflowError`s: service, network, timeout, invalid answer, cancelled.
///
/// The runtime (bulk resume, wait, the commands) talks only to this protocol. The OBS Data+
/// v2 client (`OBSWorkflowClient`) and the DWR v3 client (`DWRWorkflowClient`) implement
/// it; another service plugs in the same way — see Sources/README.md.
public protocol WorkflowService: Sendable {
    /// The service's address as journals record it (`https://host`).
    var endpointDescription: String { get }
    /// Which service this is, however its address is spelt (the resume lock's key).
    var identity: ServiceIdentity { get }
    /// How calls are retried by default.
    var retryPolicy: RetryPolicy { get }
    /// The same service with another retry policy (bulk work retries harder).
    func retrying(_ policy: RetryPolicy) -> Self
    /// The same service with every attempt paced by `pacing` (shared by one bulk call's
    /// workers): it finds the rate the service sustains from its 429/503 answers.
    func paced(by pacing: Pacing) -> Self
    /// How far back a listing without a start time reaches.
    var listingWindow: ListingWindow { get }

    func workflows(prefix: String, pageSize: Int) -> Paginated<Workflow>
    func workflow(named name: String) async throws(OBSWorkflowError) -> WorkflowDetail
    func templates(prefix: String, pageSize: Int) -> Paginated<WorkflowTemplate>
    func template(named name: String) async throws(OBSWorkflowError) -> WorkflowTemplate

    /// Every execution of `graph` matching the filters, page by page as iterated. `window`
    /// keeps those started within it (epoch milliseconds, either end open).
    func executions(graph: String, type: ExecutionType?, state: ExecutionState?, window: TimeWindow?, pageSize: Int)
        -> Paginated<Execution>
    func execution(graph: String, name: String) async throws(OBSWorkflowError) -> ExecutionInfo
    func startExecution(graph: String, bucket: String, object: String, inputs: JSONObject?) async throws(OBSWorkflowError)
        -> StartedExecution
    /// Resumes a FAILED execution from the state that failed; a lost answer is confirmed
    /// by reading (`RestoreResult.confirmation`).
    func restoreExecution(graph: String, name: String) async throws(OBSWorkflowError) -> RestoreResult

    /// Closes connections.
    func shutdown() async
}

/// How far back a listing of executions reaches when no start time is given.
public enum ListingWindow: Sendable, Equatable {
    /// Every execution the service keeps (OBS Data+ v2 has no time filter).
    case everything
    /// Only those started within this many milliseconds before the end of the window (DWR
    /// searches the last three days); older ones need an explicit `since`.
    case serviceDefault(milliseconds: Int)
}

/// When executions started: from `since` (inclusive) to `until` (exclusive), epoch
/// milliseconds; nil leaves that end open.
public struct TimeWindow: Sendable, Equatable {
    public var since: Int?
    public var until: Int?

    public init(since: Int? = nil, until: Int? = nil) {
        self.since = since
        self.until = until
    }

    public func contains(_ time: Int) -> Bool {
        (since.map { time >= $0 } ?? true) && (until.map { time < $0 } ?? true)
    }
}

extension WorkflowService {
    public func workflows(prefix: String = "") -> Paginated<Workflow> { workflows(prefix: prefix, pageSize: 100) }
    public func templates(prefix: String = "") -> Paginated<WorkflowTemplate> { templates(prefix: prefix, pageSize: 100) }
    public func executions(
        graph: String, type: ExecutionType? = nil, state: ExecutionState? = nil, window: TimeWindow? = nil, pageSize: Int = 1000
    ) -> Paginated<Execution> {
        executions(graph: graph, type: type, state: state, window: window, pageSize: pageSize)
    }
}

/// The OBS Data+ v2 API. It has no server-side time filter: the window is applied here.
extension OBSWorkflowClient: WorkflowService {
    public var endpointDescription: String { transport.settings.endpoint.description }
    public var identity: ServiceIdentity { ServiceIdentity(endpoint: transport.settings.endpoint) }
    public var listingWindow: ListingWindow { .everything }

    public func executions(
        graph: String, type: ExecutionType?, state: ExecutionState?, window: TimeWindow?, pageSize: Int
    ) -> Paginated<Execution> {
        let all = executions(graph: graph, type: type, state: state, pageSize: pageSize)
        guard let window else { return all }
        return all.filter { execution in
            guard let started = execution.startedAt.flatMap(WireDate.parseISO8601) else { return false }
            return window.contains(started)
        }
    }
}
