@testable import OBSWorkflow
import ObswJSON
import ObswOperations
import Synchronization

/// A workflow service in memory, for driving the operations without sockets: executions
/// with states, restores under the service's rules (only a FAILED execution is restored;
/// it then runs and ends as the test says), and faults a test scripts — refusals (429) that
/// go through the call's pacing as the transport's retry loop does, errors for a name,
/// answers lost after the restore was applied. It counts what was asked of it.
struct FakeService: WorkflowService {
    /// One execution as the service keeps it.
    struct Record: Sendable {
        var state: ExecutionState
        /// The service's clock (epoch ms).
        var startedAt: Int
        var stoppedAt: Int?
        var restoredAt: Int?
        /// How it ends after a restore: SUCCESS, or FAILED again in `failsIn`.
        var endsAs: ExecutionState = .success
        var failsIn: (state: String, error: String)? = ("publish", "boom")
        /// Reads that still show it RUNNING after a restore before it ends.
        var runsForReads = 0
    }

    /// What the service does to restore calls, beyond its rules.
    struct Faults: Sendable {
        /// Restore attempts (counted from 1) answered 429 and retried through the pacing.
        var refusedAttempts: Set<Int> = []
        /// Restores answered with this error.
        var restoreErrors: [String: OBSWorkflowError] = [:]
        /// Reads answered with this error.
        var readErrors: [String: OBSWorkflowError] = [:]
        /// Restores applied whose answer is lost: the client confirms them by reading.
        var lostAnswers: Set<String> = []
    }

    struct Counts: Sendable {
        var restoreAttempts = 0
        var restoresApplied: [String: Int] = [:]
        var reads: [String: Int] = [:]
        var listings = 0
        /// The resume pace in force at each restore attempt (nil: unpaced).
        var resumePaces: [Double?] = []
    }

    final class Store: Sendable {
        let records: Mutex<[String: Record]>
        let faults: Mutex<Faults>
        let counts = Mutex(Counts())
        /// The service's clock: moves on 1 s at each event, so every time is distinct.
        let clock = Mutex(1_800_000_000_000)

        init(_ records: [String: Record], faults: Faults) {
            self.records = Mutex(records)
            self.faults = Mutex(faults)
        }

        func tick() -> Int { clock.withLock { $0 += 1000; return $0 } }
    }

    let store: Store
    var pacing: Pacing?
    var retryPolicy: RetryPolicy = .default
    var listingWindow: ListingWindow = .everything
    let endpoint = try! Endpoint(parsing: "http://127.0.0.1:18999")

    /// `executions`: name → record; `failed` names get a FAILED record stopped a minute ago.
    init(_ executions: [String: Record] = [:], failed: [String] = [], faults: Faults = Faults()) {
        var all = executions
        for (index, name) in failed.enumerated() {
            all[name] = Record(state: .failed, startedAt: 1_799_999_000_000 + index, stoppedAt: 1_799_999_900_000 + index)
        }
        store = Store(all, faults: faults)
    }

    var counts: Counts { store.counts.withLock { $0 } }
    func record(_ name: String) -> Record? { store.records.withLock { $0[name] } }
    func update(_ name: String, _ change: (inout Record) -> Void) { store.records.withLock { change(&$0[name]!) } }

    // MARK: WorkflowService

    var endpointDescription: String { endpoint.description }
    var identity: ServiceIdentity { ServiceIdentity(endpoint: endpoint) }

    func retrying(_ policy: RetryPolicy) -> FakeService {
        var copy = self
        copy.retryPolicy = policy
        return copy
    }

    func paced(by pacing: Pacing) -> FakeService {
        var copy = self
        copy.pacing = pacing
        return copy
    }

    func workflows(prefix: String, pageSize: Int) -> Paginated<Workflow> { Paginated { _ in ([], nil) } }
    func workflow(named name: String) async throws(OBSWorkflowError) -> WorkflowDetail { throw notFound("workflow \(name)") }
    func templates(prefix: String, pageSize: Int) -> Paginated<WorkflowTemplate> { Paginated { _ in ([], nil) } }
    func template(named name: String) async throws(OBSWorkflowError) -> WorkflowTemplate { throw notFound("template \(name)") }

    func executions(graph: String, type: ExecutionType?, state: ExecutionState?, window: TimeWindow?, pageSize: Int)
        -> Paginated<Execution>
    {
        let store = self.store
        return Paginated { _ in
            store.counts.withLock { $0.listings += 1 }
            let now = store.tick()
            let items = store.records.withLock { records in
                for name in records.keys { FakeService.advance(&records[name]!, at: now) }
                return records.sorted { $0.key < $1.key }.filter { _, record in
                    (state == nil || record.state == state) && (window?.contains(record.startedAt) ?? true)
                }.map { name, record in Self.info(name, record).summary }
            }
            return (items, nil)
        }
    }

    func execution(graph: String, name: String) async throws(OBSWorkflowError) -> ExecutionInfo {
        await Task.yield()
        let failure = store.faults.withLock { $0.readErrors[name] }
        store.counts.withLock { $0.reads[name, default: 0] += 1 }
        if let failure { throw failure }
        let now = store.tick()
        let record: Record? = store.records.withLock { records in
            guard records[name] != nil else { return nil }
            Self.advance(&records[name]!, at: now)
            return records[name]
        }
        guard let record else { throw notFound("execution \(name)") }
        return Self.info(name, record)
    }

    /// Each look at a restored execution (a read, or a listing that shows it) moves it on:
    /// it runs for `runsForReads` looks, then ends as the test said.
    static func advance(_ record: inout Record, at now: Int) {
        guard record.state == .running, record.restoredAt != nil else { return }
        if record.runsForReads > 0 {
            record.runsForReads -= 1
        } else {
            record.state = record.endsAs
            record.stoppedAt = now
        }
    }

    func startExecution(graph: String, bucket: String, object: String, inputs: JSONObject?) async throws(OBSWorkflowError)
        -> StartedExecution
    {
        throw .invalidArgument("the fake service starts nothing")
    }

    func restoreExecution(graph: String, name: String) async throws(OBSWorkflowError) -> RestoreResult {
        var attempts = 0
        while true {
            attempts += 1
            let ticket = await pacing?.resumes.acquire()
            let pace = pacing?.resumes.status.rate
            let attempt = store.counts.withLock { counts in
                counts.restoreAttempts += 1
                counts.resumePaces.append(pace)
                return counts.restoreAttempts
            }
            let isRefused = store.faults.withLock { $0.refusedAttempts.contains(attempt) }
            if let ticket {
                pacing?.resumes.record(.answered(HTTPAnswer(status: isRefused ? 429 : 200, headers: [], body: [])), ticket)
            }
            if isRefused {
                await Task.yield()
                continue  // the transport retries a 429
            }
            return try applyRestore(name, attempts: attempts)
        }
    }

    private func applyRestore(_ name: String, attempts: Int) throws(OBSWorkflowError) -> RestoreResult {
        let (failure, lost) = store.faults.withLock { ($0.restoreErrors[name], $0.lostAnswers.contains(name)) }
        if let failure { throw failure }
        let now = store.tick()
        let restored: Record? = try store.records.withLock { records throws(OBSWorkflowError) in
            guard var record = records[name] else { return nil }
            guard record.state == .failed else {
                throw .service(ServiceError(status: 409, code: "NotFailed", message: "execution is \(record.state.rawValue)", operation: "resume execution \(name)"))
            }
            record.state = .running
            record.restoredAt = now
            record.stoppedAt = nil
            records[name] = record
            return record
        }
        guard let restored else { throw notFound("execution \(name)") }
        store.counts.withLock { $0.restoresApplied[name, default: 0] += 1 }
        let answer = RestoredExecution(
            executionURN: "urn:fake:\(name)", restoredAt: WireDate.iso8601(epochMilliseconds: now), executionName: name)
        return RestoreResult(
            restored: answer, confirmation: lost ? .confirmedByReading(Self.info(name, restored)) : .answered, attempts: attempts)
    }

    func shutdown() async {}

    // MARK: Records

    static func info(_ name: String, _ record: Record) -> ExecutionInfo {
        var json: JSONObject = [:]
        json["execution_name"] = .string(name)
        json["execution_urn"] = .string("urn:fake:\(name)")
        json["execution_state"] = .string(record.state.rawValue)
        json["started_at"] = .string(WireDate.iso8601(epochMilliseconds: record.startedAt))
        json["stopped_at"] = .string(record.stoppedAt.map { WireDate.iso8601(epochMilliseconds: $0) } ?? "")
        if let restoredAt = record.restoredAt { json["restored_at"] = .string(WireDate.iso8601(epochMilliseconds: restoredAt)) }
        if record.state == .failed, let failsIn = record.failsIn {
            json["failed_states"] = [["name": .string(failsIn.state), "error": .string(failsIn.error)]]
        }
        return ExecutionInfo(json: json)
    }

    func notFound(_ what: String) -> OBSWorkflowError {
        .service(ServiceError(status: 404, code: "NotFound", message: "\(what) does not exist", operation: "read \(what)"))
    }
}

/// Progress that keeps what it was told, for tests to read.
final class RecordedProgress: OperationProgress, Sendable {
    private let lines = Mutex<[String]>([])
    var isLive: Bool { true }
    func update(_ line: String) {}
    func note(_ text: String) { lines.withLock { $0.append(text) } }
    func finish(_ summary: String?) { if let summary { lines.withLock { $0.append(summary) } } }
    var said: [String] { lines.withLock { $0 } }
}
