import OBSWorkflow
@testable import ObswOperations
import Testing

/// Waiting for many executions, through a service in memory: polls until each is over,
/// lists RUNNING ones instead of reading each when there are many, and stops as told.
@Suite(.timeLimit(.minutes(5))) struct WaiterTests {
    /// Restored executions that run for `reads` reads, then end as `endsAs`.
    func running(_ names: [String], reads: Int, endsAs: ExecutionState = .success) -> FakeService {
        var records: [String: FakeService.Record] = [:]
        for (index, name) in names.enumerated() {
            var record = FakeService.Record(state: .running, startedAt: 1_799_999_000_000 + index, restoredAt: 1_799_999_500_000)
            record.runsForReads = reads
            record.endsAs = endsAs
            records[name] = record
        }
        return FakeService(records)
    }

    /// The deadline is far: an outcome never depends on the clock (a loaded machine can hold
    /// this task back for a minute), except in the test of a deadline.
    func wait(_ service: FakeService, _ targets: [String], untilSuccess: Bool = false, timeout: Int = 600_000)
        async throws(OperationError) -> [Execution]
    {
        try await Waiter(
            client: service, graph: "g", options: .init(untilSuccess: untilSuccess, timeout: .milliseconds(timeout), interval: .zero)
        ).run(targets)
    }

    @Test func returnsEachFinalRecordInTargetOrder() async throws {
        let service = running(["b", "a", "c"], reads: 2)
        let finals = try await wait(service, ["b", "a", "c", "a"])
        #expect(finals.map(\.executionName) == ["b", "a", "c"])
        #expect(finals.allSatisfy { $0.state == .success })
        #expect(service.counts.reads == ["a": 3, "b": 3, "c": 3], "read until over, then no more")
    }

    /// With many targets, one listing of the RUNNING ones a round; only those over are read.
    @Test func manyTargetsAreListedNotEachRead() async throws {
        let names = (1...30).map { "e\($0)" }
        let service = running(names, reads: 0)
        // More than the individual limit run on for two more looks: listed, not read, until over.
        let runningOn = names.prefix(25)
        for name in runningOn { service.update(name) { $0.runsForReads = 2 } }
        let finals = try await wait(service, names)
        #expect(finals.map(\.executionName) == names && finals.allSatisfy { $0.state == .success })
        #expect(service.counts.listings == 3, "a listing a round while more than 20 are pending")
        #expect(service.counts.reads == Dictionary(uniqueKeysWithValues: names.map { ($0, 1) }), "each read once: when it was over")
    }

    /// At the deadline the wait stops and names what is still running.
    @Test func theDeadlineNamesWhatIsStillRunning() async throws {
        let service = running(["a", "b"], reads: 0)
        service.update("b") { $0.runsForReads = .max }  // never ends
        let error = await #expect(throws: OperationError.self) { try await wait(service, ["a", "b"], timeout: 50) }
        guard case .timedOut(graph: "g", _, let pending)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(pending == ["b"])
    }

    @Test func untilSuccessStopsAtTheFirstFailed() async throws {
        let service = running(["a"], reads: 0, endsAs: .failed)
        let error = await #expect(throws: OperationError.self) { try await wait(service, ["a"], untilSuccess: true) }
        guard case .executionFailed(graph: "g", execution: "a")? = error else { Issue.record("\(String(describing: error))"); return }
    }

    @Test func aReadThatFailsIsTheServicesError() async throws {
        let service = running(["a"], reads: 0)
        service.store.faults.withLock { $0.readErrors["a"] = .service(ServiceError(status: 500, operation: "read a")) }
        let error = await #expect(throws: OperationError.self) { try await wait(service, ["a"]) }
        guard case .service(let cause)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(cause.serviceError?.status == 500)
    }
}
