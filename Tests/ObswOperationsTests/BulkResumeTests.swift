import OBSWorkflow
import ObswJSON
import ObswSystem
import OBSWTestSupport
@testable import ObswOperations
import Testing

/// The bulk resume's rules, driven through a service in memory: which targets are resumed,
/// the error budget, the pace, the canary. No sockets, no sleeps: each runs in milliseconds
/// (the whole suite in about a tenth of a second on its own). No outcome depends on the
/// clock: the full suite loads a 2-core machine with dozens of processes, and a wait's
/// deadline there could pass before anything was slow. The time limit only catches a hang.
@Suite(.timeLimit(.minutes(5))) struct BulkResumeTests {
    func resume(
        _ service: FakeService, _ targets: [String], _ options: BulkResume.Options = .init(concurrency: 4),
        journal: Journal? = nil, progress: any OperationProgress = .silent, interrupt: InterruptFlag? = nil
    ) async throws(OperationError) -> [ResumeResult] {
        Array(
            try await BulkResume(client: service, graph: "g", options: options, progress: progress, interrupt: interrupt, journal: journal)
                .run(targets))
    }

    /// Resumes that stopped: why, and every result so far.
    func stopped(_ run: () async throws(OperationError) -> [ResumeResult]) async throws -> (ResumeStop, [ResumeResult]) {
        do {
            let results = try await run()
            Issue.record("the resume did not stop: \(results.map(\.outcome))")
            throw StoppedNot()
        } catch let error as OperationError {
            guard case .resumeStopped(let stop, let results, _) = error else {
                Issue.record("stopped with \(error), not a resume stop")
                throw StoppedNot()
            }
            return (stop, Array(results))
        }
    }

    struct StoppedNot: Error {}

    @Test func onlyFailedExecutionsAreResumedAndEachOnce() async throws {
        let service = FakeService(["done": .init(state: .success, startedAt: 1, stoppedAt: 2)], failed: ["a", "b", "c"])
        let results = try await resume(service, ["a", "b", "done", "a", "missing", "c"])
        #expect(results.map(\.execution) == ["a", "b", "done", "a", "missing", "c"])
        #expect(results.map(\.outcome) == [.resumed, .resumed, .skipped, .skipped, .failed, .resumed])
        #expect(results[2].reason == "execution is SUCCESS, not FAILED")
        #expect(results[3].reason == "listed more than once; handled once above")
        #expect(results[4].reason == "execution missing not found")
        #expect(service.counts.restoresApplied == ["a": 1, "b": 1, "c": 1])
        #expect(results[0].urn == "urn:fake:a" && results[0].restoredAt != nil)
    }

    @Test func aDryRunSendsNothing() async throws {
        let service = FakeService(failed: ["a", "b"])
        let results = try await resume(service, ["a", "b"], .init(concurrency: 2, dryRun: true))
        #expect(results.map(\.outcome) == [.planned, .planned])
        #expect(service.counts.restoreAttempts == 0)
        #expect(service.record("a")?.state == .failed)
    }

    /// Past 32 targets, which are FAILED is learnt from one listing, not a read each.
    @Test func manyTargetsAreCheckedWithOneListing() async throws {
        let names = (1...40).map { "e\($0)" }
        var faults = FakeService.Faults()
        faults.readErrors["broken"] = .service(ServiceError(status: 500, message: "internal error", operation: "read broken"))
        let service = FakeService(
            ["ran": .init(state: .success, startedAt: 1, stoppedAt: 2), "broken": .init(state: .success, startedAt: 1, stoppedAt: 2)],
            failed: names, faults: faults)
        let targets = names.prefix(20) + ["ran", "missing"] + names.dropFirst(20) + ["broken"]
        let results = try await resume(service, Array(targets), .init(concurrency: 8))
        #expect(results.map(\.execution) == Array(targets))
        #expect(results.count { $0.outcome == .resumed } == 40)
        #expect(results[20].outcome == .skipped && results[20].reason == "execution is SUCCESS, not FAILED")
        #expect(results[21].outcome == .failed && results[21].reason == "execution missing not found")
        #expect(results.last?.outcome == .failed && results.last?.reason?.contains("internal error") == true)
        #expect(service.counts.listings == 1)
        #expect(service.counts.reads.keys.sorted() == ["broken", "missing", "ran"], "only those the listing of FAILED ones lacked are read")
    }

    /// A 409 (no longer FAILED by the time its turn came) is skipped, not failed.
    @Test func anExecutionThatStoppedBeingFailedIsSkipped() async throws {
        var faults = FakeService.Faults()
        faults.restoreErrors["b"] = .service(ServiceError(status: 409, message: "execution is RUNNING", operation: "resume b"))
        let service = FakeService(failed: ["a", "b"], faults: faults)
        let results = try await resume(service, ["a", "b"])
        #expect(results.map(\.outcome) == [.resumed, .skipped])
        #expect(results[1].reason == "execution is RUNNING")
    }

    @Test func theErrorBudgetStopsNewResumes() async throws {
        var faults = FakeService.Faults()
        for name in ["f1", "f2", "f3", "f4"] {
            faults.restoreErrors[name] = .service(ServiceError(status: 500, code: "SYS.0001", operation: "resume \(name)"))
        }
        let service = FakeService(failed: ["f1", "f2", "f3", "f4", "ok1", "ok2"], faults: faults)
        let (stop, results) = try await stopped { () throws(OperationError) in
            try await resume(service, ["f1", "f2", "f3", "f4", "ok1", "ok2"], .init(concurrency: 1, maxErrors: 2))
        }
        guard case .budgetSpent(_, 2, whileChecking: false) = stop else { Issue.record("stopped by \(stop)"); return }
        #expect(results.map(\.outcome) == [.failed, .failed, .failed, .notAttempted, .notAttempted, .notAttempted])
        #expect(service.counts.restoreAttempts == 3)
        #expect(results[3].reason == "resume g: more than 2 failures (--max-errors); stopped starting new resumes")
    }

    /// Credentials refused once means refused for every call: the rest are not sent.
    @Test func refusedCredentialsStopTheResume() async throws {
        var faults = FakeService.Faults()
        faults.restoreErrors["a"] = .service(
            ServiceError(status: 403, code: "SignatureDoesNotMatch", message: "the signature does not match", operation: "resume a"))
        let service = FakeService(failed: ["a", "b", "c"], faults: faults)
        let (stop, results) = try await stopped { () throws(OperationError) in
            try await resume(service, ["a", "b", "c"], .init(concurrency: 1))
        }
        guard case .authentication = stop else { Issue.record("stopped by \(stop)"); return }
        #expect(stop.description == "SignatureDoesNotMatch: the signature does not match")
        #expect(results.map(\.outcome) == [.failed, .notAttempted, .notAttempted])
    }

    @Test func anInterruptLetsCallsInFlightFinishAndStartsNoMore() async throws {
        let interrupt = InterruptFlag()
        interrupt.raise()
        let service = FakeService(failed: ["a", "b", "c"])
        let (stop, results) = try await stopped { () throws(OperationError) in
            try await resume(service, ["a", "b", "c"], .init(concurrency: 1), interrupt: interrupt)
        }
        guard case .interrupted = stop else { Issue.record("stopped by \(stop)"); return }
        #expect(results.allSatisfy { $0.outcome == .notAttempted })
        #expect(service.counts.restoreAttempts == 0)
    }

    // MARK: Pace

    /// `--rps` is the ceiling of every restore's pace from the first; reads are not held to it.
    @Test func theRequestsPerSecondCeilingPacesEveryRestore() async throws {
        let service = FakeService(failed: (1...6).map { "e\($0)" })
        _ = try await resume(service, (1...6).map { "e\($0)" }, .init(concurrency: 3, requestsPerSecond: 1000))
        #expect(service.counts.resumePaces == Array(repeating: 1000, count: 6))
    }

    /// A refusal (429) slows the whole call and is retried, not failed; the summary says
    /// how many were refused and the pace found, and the journal keeps a pace line.
    @Test func aRefusalIsAbsorbedAndReported() async throws {
        let names = (1...36).map { "e\($0 < 10 ? "0" : "")\($0)" }
        var faults = FakeService.Faults()
        faults.refusedAttempts = [33]
        let service = FakeService(failed: names, faults: faults)
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let journal = try Journal(path: dir.path + "/j.jsonl", endpoint: service.endpointDescription, isLocal: false)
        let progress = RecordedProgress()
        let results = try await resume(service, names, .init(concurrency: 8), journal: journal, progress: progress)
        #expect(results.allSatisfy { $0.outcome == .resumed })
        #expect(service.counts.restoreAttempts == 37)
        #expect(service.counts.resumePaces.prefix(32).allSatisfy { $0 == nil }, "unpaced until the service refuses")
        #expect(service.counts.resumePaces.contains { $0 != nil }, "paced after it (the retry at least)")
        let summary = try #require(progress.said.last)
        #expect(summary.contains("36 resumed") && summary.contains("; 1 throttled (429/503) and retried"), "\(summary)")
        let paceLines = try JournalHistory.read(journal.path).pace
        #expect(paceLines.count == 1 && paceLines.first?.throttled == 1)
    }

    // MARK: Canary

    @Test func aCanaryThatSucceedsLetsTheRestGo() async throws {
        let names = (1...10).map { "e\($0)" }
        let service = FakeService(failed: names)
        let progress = RecordedProgress()
        let results = try await resume(
            service, names, .init(concurrency: 4, canary: .init(count: 3, maxRefailPercent: 0, timeout: .seconds(600))),
            progress: progress)
        #expect(results.allSatisfy { $0.outcome == .resumed })
        #expect(results.prefix(3).allSatisfy { $0.reason == "canary: SUCCESS" })
        #expect(progress.said.contains("resume g: canary passed (0 of 3 failed again); resuming the other 7"))
    }

    /// Canaries that fail again stop the rest, and the stop names them and where they failed.
    @Test func aCanaryThatFailsAgainStopsTheRest() async throws {
        let names = (1...10).map { "e\($0)" }
        let service = FakeService(failed: names)
        for name in ["e1", "e2"] { service.update(name) { $0.endsAs = .failed } }
        let (stop, results) = try await stopped { () throws(OperationError) in
            try await resume(
                service, names, .init(concurrency: 4, canary: .init(count: 3, maxRefailPercent: 50, timeout: .seconds(600))))
        }
        guard case .canary(_, .failedAgain(let failures, let resumed, _, let rest)) = stop else {
            Issue.record("stopped by \(stop)")
            return
        }
        #expect(resumed == 3 && rest == 7)
        #expect(failures.map(\.execution) == ["e1", "e2"])
        #expect(failures.first?.failedState == "publish" && failures.first?.error == "boom")
        #expect(results.prefix(3).map(\.outcome) == [.resumed, .resumed, .resumed])
        #expect(results.dropFirst(3).allSatisfy { $0.outcome == .notAttempted })
        #expect(results[3].reason == "canary: 2 of 3 failed again (66.7%, more than --max-refail 50%)")
        #expect(service.counts.restoresApplied.count == 3)
    }

    @Test func noCanaryResumedStopsTheRest() async throws {
        var faults = FakeService.Faults()
        for name in ["e1", "e2"] { faults.restoreErrors[name] = .service(ServiceError(status: 500, operation: "resume \(name)")) }
        let service = FakeService(failed: ["e1", "e2", "e3", "e4"], faults: faults)
        let (stop, results) = try await stopped { () throws(OperationError) in
            try await resume(
                service, ["e1", "e2", "e3", "e4"],
                .init(concurrency: 2, canary: .init(count: 2, maxRefailPercent: 50, timeout: .seconds(600))))
        }
        guard case .canary(_, .noneResumed(canaries: 2, rest: 2)) = stop else { Issue.record("stopped by \(stop)"); return }
        #expect(results.map(\.outcome) == [.failed, .failed, .notAttempted, .notAttempted])
    }
}
