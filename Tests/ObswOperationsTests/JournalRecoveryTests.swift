import OBSWorkflow
import ObswJSON
import OBSWTestSupport
@testable import ObswOperations
import Testing

/// A resume given the journal of a run that was killed: what it recorded as resumed is not
/// sent again, and each intent without an outcome is settled by reading the execution.
@Suite(.timeLimit(.minutes(5))) final class JournalRecoveryTests {
    let dir = TemporaryDirectory()
    deinit { dir.remove() }

    func journalFile(_ lines: [[UInt8]]) -> String {
        dir.write("journal-\(UInt32.random(in: 0...UInt32.max)).jsonl", lines.map { String(decoding: $0, as: UTF8.self) }.joined())
    }

    func resume(_ service: FakeService, _ targets: [String], journal path: String, progress: any OperationProgress = .silent)
        async throws(OperationError) -> [ResumeResult]
    {
        let journal = try Journal(path: path, endpoint: service.endpointDescription, isLocal: false)
        return Array(
            try await BulkResume(client: service, graph: "g", options: .init(concurrency: 2), progress: progress, journal: journal)
                .run(targets))
    }

    /// The crash left: `done` resumed and recorded; `applied` sent and applied (restored
    /// after it last failed) but not recorded; `lost` written as intent only, never applied.
    @Test func aKilledRunIsSettledByReadingNotBySendingAgain() async throws {
        let service = FakeService(failed: ["done", "applied", "lost", "new"])
        let stopped = try #require(service.record("applied")?.stoppedAt)
        service.update("applied") { record in
            record.state = .running
            record.restoredAt = stopped + 5000
            record.runsForReads = 1_000
        }
        service.update("done") { $0.state = .success }
        let iso = { (ms: Int) in WireDate.iso8601(epochMilliseconds: ms) }
        var recorded = ResumeResult("done", .resumed)
        recorded.restoredAt = 1_799_000_000_000
        let path = journalFile([
            JournalLine.header(endpoint: service.endpointDescription, local: false, at: 1_799_000_000_000),
            JournalLine.intent(graph: "g", name: "done", failedAt: nil, at: 1_799_000_000_000),
            JournalLine.outcome(graph: "g", recorded, at: 1_799_000_000_100),
            JournalLine.intent(graph: "g", name: "applied", failedAt: iso(stopped), at: 1_799_000_000_200),
            JournalLine.intent(graph: "g", name: "lost", failedAt: iso(try #require(service.record("lost")?.stoppedAt)), at: 1_799_000_000_200),
            Array("{\"graph\":\"g\",\"execution_na".utf8),  // torn by the kill
        ])
        let progress = RecordedProgress()
        let results = try await resume(service, ["done", "applied", "lost", "new"], journal: path, progress: progress)
        #expect(results.map(\.outcome) == [.skipped, .resumed, .resumed, .resumed])
        #expect(results[0].reason == "already resumed (journal \(path))")
        #expect(results[1].reason?.hasPrefix("settled by reading: restored at ") == true)
        #expect(service.counts.restoresApplied == ["lost": 1, "new": 1], "nothing the journal or a read settled is sent")
        #expect(progress.said.contains { $0.contains("1 line could not be read and was ignored") })
        // The journal now says all four are resumed: a third run sends nothing.
        let again = try await resume(service, ["done", "applied", "lost", "new"], journal: path)
        #expect(again.allSatisfy { $0.outcome == .skipped })
        #expect(service.counts.restoreAttempts == 2)
    }

    /// An intent whose read fails for a reason other than credentials stays unknown, and the
    /// resume itself reads it again before deciding.
    @Test func anUnreadableIntentIsLeftToTheEligibilityCheck() async throws {
        let service = FakeService(failed: ["a"])
        service.store.faults.withLock { $0.readErrors["a"] = .service(ServiceError(status: 500, operation: "read a")) }
        let path = journalFile([
            JournalLine.header(endpoint: service.endpointDescription, local: false, at: 1_799_000_000_000),
            JournalLine.intent(graph: "g", name: "a", failedAt: nil, at: 1_799_000_000_000),
        ])
        let results = try await resume(service, ["a"], journal: path)
        #expect(results.map(\.outcome) == [.failed])
        #expect(service.counts.restoreAttempts == 0, "not sent while its state is unknown")
    }

    /// A journal of another service says nothing about this one's executions.
    @Test func aJournalOfAnotherServiceIsRefused() async throws {
        let service = FakeService(failed: ["a"])
        let path = journalFile([JournalLine.header(endpoint: "https://elsewhere.example", local: false, at: 1_799_000_000_000)])
        let error = await #expect(throws: OperationError.self) { try await self.resume(service, ["a"], journal: path) }
        guard case .journal(let message)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(message.contains("was written against https://elsewhere.example"))
        #expect(service.counts.restoreAttempts == 0)
    }
}
