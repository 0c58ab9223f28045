#if canImport(Glibc)
import Glibc
#endif
import OBSWorkflow
import ObswLang
import Synchronization

/// Resumes many executions safely: checks eligibility first (only FAILED executions are
/// resumed), never sends two resumes for one execution in one call, bounds concurrency and
/// request rate, stops starting new resumes past an error budget, and returns one result
/// record per target: `{execution_name, outcome, restored_at, execution_urn, reason}` with
/// outcome `resumed`, `skipped` (not FAILED), `failed`, `planned` (--dry-run) or
/// `not_attempted` (stopped first: Ctrl-C, the error budget, a journal that cannot be
/// written, a canary that failed again too often).
struct BulkResume {
    struct Options: Sendable {
        var concurrency: Int
        var requestsPerSecond: Int?
        var maxErrors: Int?
        var dryRun: Bool
        /// Resume this many first, wait for them, and go on only if few failed again.
        var canary: Canary?
    }

    /// `--canary N [--max-refail P%] [--canary-timeout D]`.
    struct Canary: Sendable {
        var count: Int
        /// The share of canaries (0-100) that may fail again for the rest to be resumed.
        var maxRefailPercent: Double
        var timeoutMilliseconds: Int
    }

    let client: any WorkflowService
    let graph: String
    let options: Options
    let progress: ProgressReporter
    /// Ctrl-C / SIGTERM: no new resume starts; calls in flight finish.
    let interrupt: InterruptFlag?
    let journal: Journal?
    /// URNs the targets came with: a result whose URN is the same reuses that string.
    let knownURNs: [String: String]
    /// The call's pace: the service's quota found from its 429s, `--rps` as a ceiling.
    let pacing: Pacing

    init(
        client: any WorkflowService, graph: String, options: Options, progress: ProgressReporter,
        interrupt: InterruptFlag? = nil, journal: Journal? = nil, knownURNs: [String: String] = [:]
    ) {
        self.knownURNs = knownURNs
        self.interrupt = interrupt
        self.journal = journal
        pacing = Pacing(resumeCeiling: options.requestsPerSecond)
        // Bulk work during an incident retries harder than a single interactive call.
        self.client = client.retrying(client.retryPolicy.forBulkWork).paced(by: pacing)
        self.graph = graph
        self.options = options
        self.progress = progress
    }

    /// Up to this many targets are checked one by one; more are checked with one listing.
    static let individualCheckLimit = 32

    func run(_ targets: [String]) async throws(ScriptError) -> [ResumeResult] {
        let started = ContinuousClock.now
        var distinct = targets.distinctInOrder()

        // 0. What an earlier run's journal says was resumed is not resumed again.
        var results: [String: ResumeResult] = [:]
        // Only a journal the operator names is read: an automatic one starts empty.
        if let journal, !journal.isAutomatic {
            let contents = journal.contents(graph: graph)
            if let mismatch = journal.mismatch(contents) {
                throw ScriptError(.runtime, "resume \(graph): \(mismatch)", code: .badArgument, details: ["journal": .string(journal.path)])
            }
            if contents.unreadable > 0 {
                progress.note(
                    "journal \(journal.path): \(contents.unreadable) line\(contents.unreadable == 1 ? "" : "s") could not be read and "
                        + "\(contents.unreadable == 1 ? "was" : "were") ignored (a torn last line after a crash is normal)")
            }
            for name in distinct where contents.resumed.contains(name) {
                results[name] = ResumeResult(name, .skipped, reason: "already resumed (journal \(journal.path))")
            }
            distinct.removeAll { contents.resumed.contains($0) }
            let settled = try await settle(contents.unsettled, among: distinct, journal: journal, results: &results)
            distinct.removeAll { settled.contains($0) }
        }

        // 1. Eligibility.
        var failedAt: [String: String] = [:]
        let eligible = try await eligibleTargets(distinct, results: &results, failedAt: &failedAt)
        distinct = []  // 100,000 names are megabytes

        if let journal, journal.isAutomatic, !options.dryRun, !eligible.isEmpty {
            // Known before anything is sent, so that after a kill it can be passed to --journal.
            progress.note("resume \(graph): journal \(journal.path)")
        }

        // 2. Resume (or plan).
        if options.dryRun {
            for name in eligible { results[name] = ResumeResult(name, .planned, reason: "FAILED; would be resumed") }
        } else {
            // Failures found while checking count toward the error budget too.
            let checkFailures = results.values.count { $0.outcome == .failed }
            // The resume adds to this table rather than returning a second one to merge.
            var outcome: ResumeOutcome
            if let canary = options.canary, eligible.count > canary.count {
                outcome = try await resumeAfterCanary(
                    canary, eligible, failuresSoFar: checkFailures, adding: results, failedAt: failedAt)
            } else {
                outcome = await resume(eligible, failuresSoFar: checkFailures, adding: results, failedAt: failedAt)
            }
            results = outcome.results
            if let journal, let problem = journal.flush() {
                // Nothing may be reported as protected that is not.
                let error = ScriptError(
                    .runtime,
                    "resume \(graph): the journal \(journal.path) could not be written (\(problem)); stopped sending resumes. "
                        + "Results after that point are not in the journal: keep this command's results",
                    code: .serviceError, details: ["journal": .string(journal.path)])
                throw finish(error, targets: targets, results: results, started: started)
            }
            if let abort = outcome.abort {
                throw finish(abort, targets: targets, results: results, started: started)
            }
        }
        let all = Self.ordered(targets, results)
        progress.finish(summary(all, started: started))
        return all
    }

    /// The targets that are FAILED now; the others get their result here. What the check
    /// needed (a listing of FAILED executions) is gone when this returns.
    /// `failedAt`: when each eligible execution last stopped (the service's own clock), for
    /// the journal's intents.
    func eligibleTargets(
        _ distinct: [String], results: inout [String: ResumeResult], failedAt: inout [String: String]
    ) async throws(ScriptError) -> [String] {
        let states = try await currentStates(distinct)
        var eligible: [String] = []
        for name in distinct {
            switch states[name] {
            case .state(let state, let stoppedAt)? where state == .failed:
                eligible.append(name)
                if let stoppedAt { failedAt[name] = stoppedAt }
            case .state(let state, _)?:
                results[name] = ResumeResult(name, .skipped, reason: "execution is \(state.rawValue), not FAILED")
            case .error(let message)?:
                results[name] = ResumeResult(name, .failed, reason: message)
            case nil:
                results[name] = ResumeResult(name, .failed, reason: "execution \(name) not found")
            }
        }
        return eligible
    }

    enum Check: Sendable {
        /// The state, and when the execution stopped (the service's clock) when known.
        case state(ExecutionState, stoppedAt: String?)
        case error(String)
    }

    /// The current state of each target: one GET each for a few, one listing of FAILED
    /// executions (plus GETs for the rest) for many.
    func currentStates(_ names: [String]) async throws(ScriptError) -> [String: Check] {
        var states: [String: Check] = [:]
        var unknown = names
        if names.count > Self.individualCheckLimit {
            progress.update("resume \(graph): checking which of \(names.count) executions are FAILED")
            let wanted = Set(names)
            do {
                for try await execution in client.executions(graph: graph, state: .failed) {
                    if let name = execution.executionName, wanted.contains(name) {
                        states[name] = .state(.failed, stoppedAt: execution.json.string("stopped_at"))
                    }
                }
            } catch {
                throw Errors.script(error)
            }
            unknown = names.filter { states[$0] == nil }
        }
        let client = self.client, graph = self.graph
        let checked = try await forEach(unknown, concurrency: options.concurrency) { name async throws(OBSWorkflowError) -> Check? in
            do throws(OBSWorkflowError) {
                let info = try await client.execution(graph: graph, name: name)
                return .state(info.state ?? "UNKNOWN", stoppedAt: info.json.string("stopped_at"))
            } catch {
                if Errors.isAuthentication(error) { throw error }
                if error.serviceError?.status == 404 { return nil }
                return .error(error.description)
            }
        }
        for (name, check) in checked { if let check { states[name] = check } }
        return states
    }

    /// Resumes an earlier run may have sent without recording their outcome (it was killed,
    /// or the answer was lost): each is read, and one restored at or after its intent is
    /// recorded as resumed here and not sent again. Returns the names settled so.
    func settle(
        _ unsettled: [String: Journal.Intent], among names: [String], journal: Journal, results: inout [String: ResumeResult]
    ) async throws(ScriptError) -> Set<String> {
        let open = names.filter { unsettled[$0] != nil }
        guard !open.isEmpty else { return [] }
        progress.update("resume \(graph): reading \(open.count) executions whose resume was sent but not recorded")
        let client = self.client, graph = self.graph
        let read = try await forEach(open, concurrency: options.concurrency) { name async throws(OBSWorkflowError) -> Int? in
            do throws(OBSWorkflowError) {
                return try await client.execution(graph: graph, name: name).restoredAt.flatMap(WireDate.parseISO8601)
            } catch {
                if Errors.isAuthentication(error) { throw error }
                return nil  // unknown: checked again by the resume itself
            }
        }
        var settled: Set<String> = []
        for (name, restoredAt) in read {
            guard let restoredAt, let open = unsettled[name] else { continue }
            guard open.isApplied(restoredAt: restoredAt) else { continue }
            let intent = open.at
            var record = ResumeResult(
                name, .resumed,
                reason: "settled by reading: restored at \(WireDate.iso8601(epochMilliseconds: restoredAt)), after the resume "
                    + "recorded at \(WireDate.iso8601(epochMilliseconds: intent)) in the journal; not sent again")
            record.restoredAt = restoredAt
            results[name] = record
            journal.record(graph: graph, record)
            settled.insert(name)
        }
        return settled
    }

    struct ResumeOutcome {
        var results: [String: ResumeResult]
        var abort: ScriptError?
    }

    /// Resumes with bounded concurrency and rate; stops starting new calls after an
    /// authentication error, past the error budget, or when cancelled.
    func resume(
        _ names: [String], failuresSoFar: Int, adding earlier: [String: ResumeResult] = [:], failedAt: [String: String] = [:]
    ) async -> ResumeOutcome {
        var budgetSpent: ScriptError?
        if let maxErrors = options.maxErrors, failuresSoFar > maxErrors {
            budgetSpent = ScriptError(
                .runtime, "resume \(graph): more than \(maxErrors) failures (--max-errors) while checking; resumed nothing",
                code: .serviceError)
        }
        var table = earlier
        table.reserveCapacity(earlier.count + names.count)
        let state = Shared((next: 0, failures: failuresSoFar, resumed: 0, skipped: 0, stop: budgetSpent, results: table))
        let intents = journal.map {
            IntentBatches(journal: $0, graph: self.graph, names: names, failedAt: failedAt, batchSize: max(32, 2 * options.concurrency))
        }
        table = [:]  // so the shared copy is the only one, and grows in place
        let client = self.client, graph = self.graph, maxErrors = options.maxErrors, progress = self.progress
        let journal = self.journal, knownURNs = self.knownURNs
        let total = names.count
        let started = ContinuousClock.now
        // Each second in which the service refused resumes leaves a pace line in the journal.
        let pacing = self.pacing
        let sampler = journal.map { journal in
            Task {
                var recorded = 0
                func sample() {
                    let status = pacing.resumes.status
                    guard status.refused > recorded else { return }
                    journal.recordPace(graph: graph, status)
                    recorded = status.refused
                }
                while (try? await Task.sleep(for: .seconds(1))) != nil { sample() }
                sample()
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<min(options.concurrency, max(1, names.count)) {
                group.addTask {
                    while true {
                        if interrupt?.isRaised == true {
                            state.withLock { s in
                                if s.stop == nil { s.stop = ScriptError(.interrupted, "interrupted", code: .interrupted) }
                            }
                        }
                        let index: Int? = state.withLock { s in
                            guard s.stop == nil, s.next < names.count, !Task.isCancelled else { return nil }
                            defer { s.next += 1 }
                            return s.next
                        }
                        guard let index else { return }
                        let name = names[index]
                        // No restore is sent unless the journal holds its intent.
                        if let journal, let intents, await !intents.durable(index) {
                            let why = "the journal \(journal.path) could not be written (\(journal.failure ?? "unknown error"))"
                            state.withLock { s in
                                s.results[name] = ResumeResult(name, .notAttempted, reason: why)
                                if s.stop == nil { s.stop = ScriptError(.runtime, "resume \(graph): \(why)", code: .serviceError) }
                            }
                            return
                        }
                        var record: ResumeResult
                        var failed = false
                        var abort: ScriptError?
                        do throws(OBSWorkflowError) {
                            let restored = try await client.restoreExecution(graph: graph, name: name)
                            record = ResumeResult(name, .resumed)
                            record.restoredAt = restored.restored.restoredAt.flatMap(WireDate.parseISO8601)
                            if let urn = restored.restored.executionURN {
                                record.urn = knownURNs[name].flatMap { $0 == urn ? $0 : nil } ?? urn
                            }
                            if case .confirmedByReading = restored.confirmation {
                                record.reason = "the answer was lost; reading the execution confirmed the resume"
                            }
                        } catch {
                            if case .cancelled = error {
                                record = ResumeResult(name, .failed, reason: "interrupted before an answer arrived")
                                abort = ScriptError(.interrupted, "interrupted", code: .interrupted)
                            } else if let service = error.serviceError, service.status == 409 {
                                record = ResumeResult(name, .skipped, reason: service.message ?? "execution is no longer FAILED")
                            } else {
                                record = ResumeResult(name, .failed, reason: error.description)
                                failed = true
                                if Errors.isAuthentication(error) { abort = Errors.script(error) }
                            }
                        }
                        if record.outcome == .resumed || failed { journal?.record(graph: graph, record) }
                        let live = progress.isLive
                        let pace = live ? pacing.resumes.status : nil
                        let line: String? = state.withLock { s in
                            s.results[name] = record
                            if failed { s.failures += 1 }
                            if record.outcome == .resumed { s.resumed += 1 }
                            if record.outcome == .skipped { s.skipped += 1 }
                            if let abort, s.stop == nil { s.stop = abort }
                            if let maxErrors, s.failures > maxErrors, s.stop == nil {
                                s.stop = ScriptError(
                                    .runtime, "resume \(graph): more than \(maxErrors) failures (--max-errors); stopped starting new resumes",
                                    code: .serviceError)
                            }
                            guard live else { return nil }
                            let elapsed = ContinuousClock.now - started
                            let seconds = Double(elapsed.wholeMilliseconds) / 1000 + 0.001
                            let done = s.results.count - earlier.count
                            return "resume \(graph): \(done)/\(total) — \(s.resumed) resumed, \(s.skipped) skipped, \(s.failures) failed, "
                                + "\(Int(Double(done) / seconds))/s\(pace.map(Self.paceText) ?? ""), \(elapsed.elapsedText)"
                        }
                        if let line { progress.update(line) }
                    }
                }
            }
        }
        // Its last line is written before the journal is flushed.
        sampler?.cancel()
        await sampler?.value
        return state.withLock { s in
            var results = s.results
            if let stop = s.stop {
                let why = stop.kind == .interrupted ? "interrupted before it was attempted" : stop.message
                for name in names where results[name] == nil { results[name] = ResumeResult(name, .notAttempted, reason: why) }
            }
            return ResumeOutcome(results: results, abort: s.stop)
        }
    }

    /// Resumes the first `canary.count` targets, waits for them to finish, and resumes the
    /// rest only if at most `maxRefailPercent` of them failed again; otherwise the rest are
    /// `not_attempted` and the outcome's error names the canaries that failed again and where.
    func resumeAfterCanary(
        _ canary: Canary, _ eligible: [String], failuresSoFar: Int, adding earlier: [String: ResumeResult],
        failedAt: [String: String]
    ) async throws(ScriptError) -> ResumeOutcome {
        let first = Array(eligible.prefix(canary.count)), rest = Array(eligible.dropFirst(canary.count))
        progress.note("resume \(graph): canary of \(first.count), then \(rest.count) more if at most \(Self.percentText(canary.maxRefailPercent)) fail again")
        var outcome = await resume(first, failuresSoFar: failuresSoFar, adding: earlier, failedAt: failedAt)
        func stopped(_ why: String, _ error: ScriptError) -> ResumeOutcome {
            var results = outcome.results
            for name in rest where results[name] == nil { results[name] = ResumeResult(name, .notAttempted, reason: why) }
            return ResumeOutcome(results: results, abort: error)
        }
        if let abort = outcome.abort { return stopped(abort.kind == .interrupted ? "interrupted before it was attempted" : abort.message, abort) }
        let resumed = first.filter { outcome.results[$0]?.outcome == .resumed }
        // Only canaries that were resumed can tell whether resuming helps.
        guard !resumed.isEmpty else {
            let why = "canary: none of the \(first.count) canaries could be resumed"
            return stopped(why, ScriptError(.runtime, "resume \(graph): \(why); the other \(rest.count) were not attempted", code: .serviceError))
        }
        let waiter = Waiter(
            client: client, graph: graph,
            options: .init(untilSuccess: false, timeoutMilliseconds: canary.timeoutMilliseconds, intervalMilliseconds: 2000),
            progress: progress)
        let finals: [Execution]
        do {
            finals = try await waiter.run(resumed)
        } catch {
            let why = error.kind == .interrupted
                ? "interrupted while waiting for the canary" : "canary: \(error.message)"
            return stopped(why, error.kind == .interrupted ? error : ScriptError(.runtime, "resume \(graph): \(why); the other \(rest.count) were not attempted", code: error.code))
        }
        let failedAgain = finals.filter { $0.state != .success }
        for execution in finals {
            guard let name = execution.executionName, var record = outcome.results[name] else { continue }
            let place = Self.where(execution)
            record.reason = "canary: \(execution.state?.rawValue ?? "unknown")" + (place.isEmpty ? "" : " in \(place)")
            outcome.results[name] = record
        }
        let share = Double(failedAgain.count) * 100 / Double(resumed.count)
        guard share <= canary.maxRefailPercent else {
            let why = "canary: \(failedAgain.count) of \(resumed.count) failed again (\(Self.percentText(share)), more than --max-refail \(Self.percentText(canary.maxRefailPercent)))"
            var error = ScriptError(.runtime, "resume \(graph): \(why); the other \(rest.count) were not attempted", code: .serviceError)
            error.details["failed_again"] = .list(failedAgain.map { execution in
                let failed = execution.json.objects("failed_states").first
                return [
                    "execution_name": .string(execution.executionName ?? ""),
                    "execution_state": .string(execution.state?.rawValue ?? ""),
                    "state": failed?.string("name").map(Value.string) ?? .null,
                    "error": failed?.string("error").map(Value.string) ?? .null,
                ]
            })
            return stopped(why, error)
        }
        progress.note("resume \(graph): canary passed (\(failedAgain.count) of \(resumed.count) failed again); resuming the other \(rest.count)")
        let failures = outcome.results.values.count { $0.outcome == .failed }
        return await resume(rest, failuresSoFar: failures, adding: outcome.results, failedAt: failedAt)
    }

    /// Where a finished execution failed, from its `failed_states`: `publish: boom`.
    static func `where`(_ execution: Execution) -> String {
        guard let failed = execution.json.objects("failed_states").first else { return "" }
        return [failed.string("name"), failed.string("error")].compactMap { $0 }.joined(separator: ": ")
    }

    /// `, paced to 243/s, 12 throttled` for the progress line, once the service has refused.
    static func paceText(_ status: Pacer.Status) -> String {
        guard status.refused > 0, let rate = status.rate else { return "" }
        return " (paced to \(Int(rate.rounded()))/s, \(status.refused) throttled)"
    }

    /// `; 57 throttled (429/503) and retried, paced to 243/s` for the summary, when the
    /// service refused any: the rate the service was found to accept (else the pace then).
    static func throttleText(_ status: Pacer.Status) -> String {
        guard status.refused > 0 else { return "" }
        return "; \(status.refused) throttled (429/503) and retried"
            + ((status.found ?? status.rate).map { ", paced to \(Int($0.rounded()))/s" } ?? "")
    }

    static func percentText(_ share: Double) -> String {
        share == share.rounded() ? "\(Int(share))%" : "\((share * 10).rounded() / 10)%"
    }

    /// Intents written ahead of the resumes in batches (one fsync each): the batch after the
    /// current one starts while the current one's resumes are in flight, so the disk's latency
    /// overlaps the service's instead of adding to every resume (an fsync before each send
    /// cut a 10,000-execution resume from ~11,500/s to ~7,300/s).
    final class IntentBatches: Sendable {
        let journal: Journal
        let graph: String
        let names: [String]
        let failedAt: [String: String]
        let batchSize: Int
        private let batches = Mutex<[Int: Task<Bool, Never>]>([:])

        init(journal: Journal, graph: String, names: [String], failedAt: [String: String], batchSize: Int) {
            self.journal = journal
            self.graph = graph
            self.names = names
            self.failedAt = failedAt
            self.batchSize = batchSize
        }

        /// Whether the intent for `names[index]` is on disk (waiting for it if need be).
        func durable(_ index: Int) async -> Bool {
            let batch = index / batchSize
            let current = batches.withLock { b in
                b[batch - 2] = nil  // finished long ago
                return start(batch, in: &b)
            }
            guard await current.value else { return false }
            // The next batch starts once this one is on disk (never two writes racing into
            // one), while this one's resumes are in flight.
            if (batch + 1) * batchSize < names.count { _ = batches.withLock { b in start(batch + 1, in: &b) } }
            return true
        }

        private func start(_ batch: Int, in b: inout [Int: Task<Bool, Never>]) -> Task<Bool, Never> {
            if let task = b[batch] { return task }
            let range = batch * batchSize..<min(names.count, (batch + 1) * batchSize)
            let journal = self.journal, graph = self.graph
            let intents = names[range].map { ($0, failedAt[$0]) }
            let task = Task { await journal.recordIntents(graph: graph, intents) }
            b[batch] = task
            return task
        }
    }

    /// The error that ends an aborted run, carrying the results so far (as values: it
    /// leaves the command).
    func finish(_ abort: ScriptError, targets: [String], results: [String: ResumeResult], started: ContinuousClock.Instant) -> ScriptError {
        var error = abort
        let all = Self.ordered(targets, results)
        let line = summary(all, started: started)
        error.details["results"] = .list(all.map(\.value))
        error.message += " (\(line))"
        progress.finish(line)
        return error
    }

    /// One result per target, in target order; a repeated target is reported, not resumed again.
    static func ordered(_ targets: [String], _ results: [String: ResumeResult]) -> [ResumeResult] {
        // Without repeats (the usual case) there is nothing to remember.
        let repeats = results.count < targets.count
        var seen: Set<String> = []
        return targets.map { name in
            if repeats, !seen.insert(name).inserted {
                return ResumeResult(name, .skipped, reason: "listed more than once; handled once above")
            }
            return results[name] ?? ResumeResult(name, .notAttempted, reason: "stopped before it was attempted")
        }
    }

    func summary(_ results: [ResumeResult], started: ContinuousClock.Instant) -> String {
        let tally = ResumeTally(results)
        var line = "resume \(graph): \(tally.text) in \((ContinuousClock.now - started).elapsedText)"
        line += Self.throttleText(pacing.resumes.status)
        // Only worth naming when something was resumed; passed to --journal, it skips those.
        if let journal, journal.isAutomatic, tally[.resumed] > 0 { line += "; journal \(journal.path)" }
        return line
    }
}

/// Runs `body` for each item with at most `concurrency` at once; the first error thrown
/// cancels the rest and is rethrown.
func forEach<Result: Sendable>(
    _ items: [String], concurrency: Int, _ body: @escaping @Sendable (String) async throws(OBSWorkflowError) -> Result
) async throws(ScriptError) -> [(String, Result)] {
    guard !items.isEmpty else { return [] }
    let next = Shared(0)
    do {
        return try await withThrowingTaskGroup(of: [(String, Result)].self) { group in
            for _ in 0..<min(concurrency, items.count) {
                group.addTask {
                    var done: [(String, Result)] = []
                    while true {
                        let index: Int? = next.withLock { n in
                            guard n < items.count else { return nil }
                            defer { n += 1 }
                            return n
                        }
                        guard let index else { return done }
                        try Task.checkCancellation()
                        done.append((items[index], try await body(items[index])))
                    }
                }
            }
            var all: [(String, Result)] = []
            for try await part in group { all += part }
            return all
        }
    } catch let error as OBSWorkflowError {
        throw Errors.script(error)
    } catch {
        throw ScriptError(.interrupted, "interrupted", code: .interrupted)
    }
}

extension [String] {
    /// Each name once, where it first appears: bulk commands act once per execution.
    func distinctInOrder() -> [String] {
        var seen: Set<String> = []
        return filter { seen.insert($0).inserted }
    }
}

/// A value shared by concurrent tasks, behind a lock.
final class Shared<State: Sendable>: Sendable {
    private let mutex: Mutex<State>
    init(_ value: State) { mutex = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout State) -> R) -> R { mutex.withLock { body(&$0) } }
}
