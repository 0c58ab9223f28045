import ObswJSON
import OBSWorkflow
import ObswSystem
import Synchronization

/// Resumes many executions safely: checks eligibility first (only FAILED executions are
/// resumed), never sends two resumes for one execution in one call, bounds concurrency and
/// paces itself to the service, stops starting new resumes past an error budget, and gives
/// one result per target — `resumed`, `skipped` (not FAILED), `failed`, `planned`
/// (`dryRun`) or `notAttempted` (stopped first: Ctrl-C, the error budget, a journal that
/// cannot be written, a canary that failed again too often, credentials refused).
///
/// The steps, in order: `replay` what a named journal recorded; `checkEligibility`; then
/// `resumeAll` — or `resumeAfterCanary`, which resumes the canaries, `waits` for them and
/// judges — and `finish`, which orders the results and writes the summary.
public struct BulkResume: Sendable {
    public struct Options: Sendable {
        public var concurrency: Int
        public var requestsPerSecond: Int?
        public var maxErrors: Int?
        public var dryRun: Bool
        /// Resume this many first, wait for them, and go on only if few failed again.
        public var canary: Canary?

        public init(concurrency: Int, requestsPerSecond: Int? = nil, maxErrors: Int? = nil, dryRun: Bool = false, canary: Canary? = nil) {
            self.concurrency = concurrency
            self.requestsPerSecond = requestsPerSecond
            self.maxErrors = maxErrors
            self.dryRun = dryRun
            self.canary = canary
        }
    }

    /// `--canary N [--max-refail P%] [--canary-timeout D]`.
    public struct Canary: Sendable {
        public var count: Int
        /// The share of canaries (0-100) that may fail again for the rest to be resumed.
        public var maxRefailPercent: Double
        /// How long to wait for the canaries to end.
        public var timeout: Duration

        public init(count: Int, maxRefailPercent: Double, timeout: Duration) {
            self.count = count
            self.maxRefailPercent = maxRefailPercent
            self.timeout = timeout
        }
    }

    let client: any WorkflowService
    let graph: String
    let options: Options
    let progress: any OperationProgress
    /// Ctrl-C / SIGTERM: no new resume starts; calls in flight finish.
    let interrupt: InterruptFlag?
    let journal: Journal?
    /// The call's pace: the service's quota found from its 429s, `--rps` as a ceiling.
    let pacing: Pacing
    /// The URNs of the executions resumed, beginning alike, in one buffer.
    let urns = SharedTexts()

    public init(
        client: any WorkflowService, graph: String, options: Options, progress: any OperationProgress = .silent,
        interrupt: InterruptFlag? = nil, journal: Journal? = nil
    ) {
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

    /// What a resume has done so far, shared by its workers: a result for each distinct
    /// target, by its place among them (a million targets: no dictionary of names, and the
    /// results are handed back as they are). A target no step has reached is `notAttempted`.
    struct Run: Sendable {
        var results: ResumeResults
        var failures: Int
        var resumed = 0
        var skipped = 0
        var stop: ResumeStop?
        /// How many of this step's targets were done (the live line's count).
        var done = 0

        /// This run, leaving an empty one behind: with a second reference to its results,
        /// the next change would copy a million of them.
        mutating func take() -> Run {
            defer { results = [] }
            return self
        }
    }

    /// One result per target, in target order. A resume that stops early throws
    /// `.resumeStopped` with every result so far.
    public func run(_ targets: [String]) async throws(OperationError) -> ResumeResults {
        let started = ContinuousClock.now
        let names = targets.distinctInOrder()
        var results = ResumeResults(names: names, outcome: .notAttempted, reason: Self.notReached, urnTexts: urns)
        var pending = Array(names.indices)
        // Only a journal the operator names is read: an automatic one starts empty.
        if let journal, !journal.isAutomatic { pending = try await replay(journal, names, pending, into: &results) }

        let (eligible, failedAt) = try await checkEligibility(names, pending, into: &results)
        pending = []  // a million places are 8 MB

        if options.dryRun {
            for place in eligible { results[place] = ResumeResult(names[place], .planned, reason: "FAILED; would be resumed") }
            return try finish(targets, names, Run(results: results, failures: 0), started: started)
        }
        if let journal, journal.isAutomatic, !eligible.isEmpty {
            // Known before anything is sent, so that after a kill it can be passed to --journal.
            progress.note("resume \(graph): journal \(journal.path)")
        }
        // Failures found while checking count toward the error budget too.
        let failures = results.outcomes.count { $0 == .failed }
        var run = Run(results: results, failures: failures)
        results = []  // the run's table is the only one, changed in place
        if let maxErrors = options.maxErrors, run.failures > maxErrors {
            run.stop = .budgetSpent(graph: graph, maxErrors: maxErrors, whileChecking: true)
            markNotAttempted(eligible, in: &run)
        } else if let canary = options.canary, eligible.count > canary.count {
            run = await resumeAfterCanary(canary, names, eligible, run.take(), failedAt: failedAt)
        } else {
            run = await resumeAll(names, eligible, run.take(), failedAt: failedAt[...])
        }
        if let journal, let problem = journal.flush() {
            // Nothing may be reported as protected that is not.
            run.stop = .journalUnwritable(graph: graph, path: journal.path, reason: problem)
        }
        return try finish(targets, names, run.take(), started: started)
    }

    /// The reason of a target no step reached (the resume stopped before it).
    static let notReached = "stopped before it was attempted"

    // MARK: Steps

    /// What a journal named with `--journal` says: resumed executions are skipped, and each
    /// intent without an outcome is settled by reading the execution. Returns the places of
    /// the targets still to check.
    func replay(_ journal: Journal, _ names: [String], _ places: [Int], into results: inout ResumeResults) async throws(OperationError)
        -> [Int]
    {
        let contents = journal.contents(graph: graph)
        if let mismatch = journal.mismatch(contents) { throw .journal("resume \(graph): \(mismatch)") }
        if contents.unreadable > 0 {
            progress.note(
                "journal \(journal.path): \(contents.unreadable) line\(contents.unreadable == 1 ? "" : "s") could not be read and "
                    + "\(contents.unreadable == 1 ? "was" : "were") ignored (a torn last line after a crash is normal)")
        }
        for place in places where contents.resumed.contains(names[place]) {
            results[place] = ResumeResult(names[place], .skipped, reason: "already resumed (journal \(journal.path))")
        }
        let open = places.filter { !contents.resumed.contains(names[$0]) }
        let settled = try await settle(contents.unsettled, names, among: open, journal: journal, into: &results)
        return open.filter { !settled.contains($0) }
    }

    /// Resumes an earlier run may have sent without recording their outcome (it was killed,
    /// or the answer was lost): each is read, and one restored after its intent is recorded
    /// as resumed here and not sent again. Returns the places of those settled so.
    func settle(
        _ unsettled: [String: Journal.Intent], _ names: [String], among places: [Int], journal: Journal,
        into results: inout ResumeResults
    ) async throws(OperationError) -> Set<Int> {
        let open = places.filter { unsettled[names[$0]] != nil }
        guard !open.isEmpty else { return [] }
        progress.update("resume \(graph): reading \(open.count) executions whose resume was sent but not recorded")
        let client = self.client, graph = self.graph
        let restoredAt = try await readAll(open.map { names[$0] }) { name async throws(OBSWorkflowError) -> Int? in
            do throws(OBSWorkflowError) {
                return try await client.execution(graph: graph, name: name).restoredAt.flatMap(WireDate.parseISO8601)
            } catch {
                if error.isAuthenticationFailure { throw error }
                return nil  // unknown: checked again by the resume itself
            }
        }
        var settled: Set<Int> = []
        for (place, restored) in zip(open, restoredAt) {
            let name = names[place]
            guard let restored, let intent = unsettled[name], intent.isApplied(restoredAt: restored) else { continue }
            var record = ResumeResult(
                name, .resumed,
                reason: "settled by reading: restored at \(WireDate.iso8601(epochMilliseconds: restored)), after the resume "
                    + "recorded at \(WireDate.iso8601(epochMilliseconds: intent.at)) in the journal; not sent again")
            record.restoredAt = restored
            results[place] = record
            journal.record(graph: graph, record)
            settled.insert(place)
        }
        return settled
    }

    /// The places of the targets that are FAILED now; the others get their result here. With
    /// each, when it last stopped (epoch milliseconds on the service's clock, `Int.min` when
    /// not known), for the journal's intents.
    func checkEligibility(
        _ names: [String], _ places: [Int], into results: inout ResumeResults
    ) async throws(OperationError) -> (eligible: [Int], failedAt: [Int]) {
        let states = try await currentStates(names, places)
        var eligible: [Int] = [], failedAt: [Int] = []
        for (index, place) in places.enumerated() {
            let name = names[place]
            switch states[index] {
            case .state(let state, let stoppedAt)? where state == .failed:
                eligible.append(place)
                failedAt.append(stoppedAt)
            case .state(let state, _)?:
                results[place] = ResumeResult(name, .skipped, reason: "execution is \(state.rawValue), not FAILED")
            case .error(let message)?:
                results[place] = ResumeResult(name, .failed, reason: message)
            case nil:
                results[place] = ResumeResult(name, .failed, reason: "execution \(name) not found")
            }
        }
        return (eligible, failedAt)
    }

    /// What `currentStates` found, by the index of the place: those the listing found FAILED
    /// as when they stopped (9 bytes each, where a `Check?` was 32: a million are at once
    /// beside the listing the script holds), the others as read one by one.
    struct CurrentStates {
        private var listedFailed: [Bool]
        private var stoppedAt: [Int]
        private var readOneByOne: [Int: Check] = [:]

        init(count: Int) {
            listedFailed = Array(repeating: false, count: count)
            stoppedAt = Array(repeating: Int.min, count: count)
        }

        var count: Int { listedFailed.count }

        /// nil: not found.
        subscript(index: Int) -> Check? {
            listedFailed[index] ? .state(.failed, stoppedAt: stoppedAt[index]) : readOneByOne[index]
        }

        func isListed(_ index: Int) -> Bool { listedFailed[index] }

        mutating func listed(_ index: Int, failedAndStoppedAt time: Int) {
            listedFailed[index] = true
            stoppedAt[index] = time
        }

        mutating func read(_ index: Int, _ check: Check?) { readOneByOne[index] = check }
    }

    enum Check: Sendable {
        /// The state, and when the execution stopped (epoch milliseconds on the service's
        /// clock; `Int.min` when not known).
        case state(ExecutionState, stoppedAt: Int)
        case error(String)
    }

    /// When an execution stopped, from its record: `Int.min` when not given or not a time.
    static func stoppedAt(_ record: JSONObject) -> Int {
        record.string("stopped_at").flatMap(WireDate.parseISO8601) ?? Int.min
    }

    /// The current state of each place's target (nil: not found): one GET each for a few,
    /// one listing of FAILED executions (plus GETs for the rest) for many.
    func currentStates(_ names: [String], _ places: [Int]) async throws(OperationError) -> CurrentStates {
        var states = CurrentStates(count: places.count)
        let unknown: [Int]
        if places.count > Self.individualCheckLimit {
            progress.update("resume \(graph): checking which of \(places.count) executions are FAILED")
            // Which of the places each name is at (names are distinct, so one at most). The
            // places are in order, so as many as the names are all of them.
            let wanted = places.count == names.count ? names : places.map { names[$0] }
            var index = NameIndex(capacity: wanted.count)
            for i in wanted.indices { index.add(i, of: wanted) }
            do {
                for try await execution in client.executions(graph: graph, state: .failed) {
                    if let name = execution.executionName, let i = index.place(of: name, in: wanted) {
                        states.listed(i, failedAndStoppedAt: Self.stoppedAt(execution.json))
                    }
                }
            } catch {
                throw .service(error)
            }
            unknown = (0..<states.count).filter { !states.isListed($0) }
        } else {
            unknown = Array(places.indices)
        }
        let client = self.client, graph = self.graph
        let checked = try await readAll(unknown.map { names[places[$0]] }) { name async throws(OBSWorkflowError) -> Check? in
            do throws(OBSWorkflowError) {
                let info = try await client.execution(graph: graph, name: name)
                return .state(info.state ?? "UNKNOWN", stoppedAt: Self.stoppedAt(info.json))
            } catch {
                if error.isAuthenticationFailure { throw error }
                if error.serviceError?.status == 404 { return nil }
                return .error(error.description)
            }
        }
        for (index, check) in zip(unknown, checked) { states.read(index, check) }
        return states
    }

    /// Reads for each name, at the call's concurrency; the first error a read lets through
    /// (credentials refused) stops the rest.
    func readAll<T: Sendable>(_ names: [String], _ read: @escaping @Sendable (String) async throws(OBSWorkflowError) -> T)
        async throws(OperationError) -> [T]
    {
        do {
            return try await Concurrently.map(names, limit: options.concurrency, cancelled: OBSWorkflowError.cancelled, read)
        } catch {
            if case .cancelled = error { throw .interrupted("interrupted") }
            throw .service(error)
        }
    }

    /// Resumes the targets at `places`, `concurrency` at once, each only once its intent is on disk; stops
    /// starting new ones on Ctrl-C, past the error budget, when the journal cannot be
    /// written or the credentials are refused. The targets never started are `notAttempted`.
    func resumeAll(_ names: [String], _ places: [Int], _ start: consuming Run, failedAt: ArraySlice<Int>) async -> Run {
        start.done = 0
        let state = Locked(consume start)
        let intents = journal.map {
            IntentBatches(
                journal: $0, graph: graph, names: names, places: places, failedAt: failedAt, batchSize: max(32, 2 * options.concurrency))
        }
        let sampler = journal.map { samplePace(into: $0) }
        let started = ContinuousClock.now
        let interrupt = self.interrupt
        await Concurrently.forEach(places, limit: options.concurrency, stop: {
            state.withLock { run in
                if interrupt?.isRaised == true, run.stop == nil { run.stop = .interrupted(graph: graph) }
                return run.stop != nil
            }
        }) { index, place in
            let name = names[place]
            // No restore is sent unless the journal holds its intent.
            if let journal, let intents, await !intents.durable(index) {
                let reason = journal.failure ?? "unknown error"
                state.withLock { run in
                    if run.stop == nil { run.stop = .journalUnwritable(graph: graph, path: journal.path, reason: reason) }
                }
                return
            }
            let (record, failed, stop) = await resumeOne(name)
            if record.outcome == .resumed || failed { journal?.record(graph: graph, record) }
            let pace = progress.isLive ? pacing.resumes.status : nil
            let line: String? = state.withLock { run in
                run.results[place] = record
                run.done += 1
                if failed { run.failures += 1 }
                if record.outcome == .resumed { run.resumed += 1 }
                if record.outcome == .skipped { run.skipped += 1 }
                if let stop, run.stop == nil { run.stop = stop }
                if let maxErrors = options.maxErrors, run.failures > maxErrors, run.stop == nil {
                    run.stop = .budgetSpent(graph: graph, maxErrors: maxErrors, whileChecking: false)
                }
                return pace.map { liveLine(run, total: places.count, started: started, pace: $0) }
            }
            if let line { progress.update(line) }
        }
        // Its last line is written before the journal is flushed.
        sampler?.cancel()
        await sampler?.value
        // Taken out, not copied: the lock's copy would make the first change copy a million results.
        var run = state.withLock { $0.take() }
        if run.stop != nil { markNotAttempted(places, in: &run) }
        return run
    }

    /// One restore and what came of it: the result, whether it counts as a failure, and a
    /// reason to stop the whole resume (an interruption mid-call, credentials refused).
    func resumeOne(_ name: String) async -> (ResumeResult, failed: Bool, stop: ResumeStop?) {
        do throws(OBSWorkflowError) {
            let restored = try await client.restoreExecution(graph: graph, name: name)
            var record = ResumeResult(name, .resumed)
            record.restoredAt = restored.restored.restoredAt.flatMap(WireDate.parseISO8601)
            record.setURN(restored.restored.executionURN, in: urns)
            if case .confirmedByReading = restored.confirmation {
                record.reason = "the answer was lost; reading the execution confirmed the resume"
            }
            return (record, false, nil)
        } catch {
            if case .cancelled = error {
                return (ResumeResult(name, .failed, reason: "interrupted before an answer arrived"), false, .interrupted(graph: graph))
            }
            if let service = error.serviceError, service.status == 409 {
                return (ResumeResult(name, .skipped, reason: service.message ?? "execution is no longer FAILED"), false, nil)
            }
            return (ResumeResult(name, .failed, reason: error.description), true, error.isAuthenticationFailure ? .authentication(error) : nil)
        }
    }

    /// The targets of a step that never started, once the resume stopped, say why.
    func markNotAttempted(_ places: [Int], in run: inout Run) {
        guard let stop = run.stop else { return }
        for place in places where run.results[place].outcome == .notAttempted {
            run.results[place].reason = stop.notAttemptedReason
        }
    }

    /// Resumes the first `canary.count` targets, waits for them to finish, and resumes the
    /// rest only if at most `maxRefailPercent` of them failed again; otherwise the rest are
    /// `notAttempted` and the stop names the canaries that failed again and where.
    func resumeAfterCanary(_ canary: Canary, _ names: [String], _ eligible: [Int], _ start: consuming Run, failedAt: [Int]) async -> Run {
        let first = Array(eligible.prefix(canary.count)), rest = Array(eligible.dropFirst(canary.count))
        progress.note(
            "resume \(graph): canary of \(first.count), then \(rest.count) more if at most \(Percent.text(canary.maxRefailPercent)) fail again")
        var run = await resumeAll(names, first, start, failedAt: failedAt.prefix(canary.count))
        func stopped(_ stop: ResumeStop) -> Run {
            if run.stop == nil { run.stop = stop }
            markNotAttempted(rest, in: &run)
            return run
        }
        if let stop = run.stop { return stopped(stop) }
        let resumed = first.filter { run.results[$0].outcome == .resumed }
        // Only canaries that were resumed can tell whether resuming helps.
        guard !resumed.isEmpty else {
            return stopped(.canary(graph: graph, .noneResumed(canaries: first.count, rest: rest.count)))
        }
        let waiter = Waiter(
            client: client, graph: graph,
            options: .init(untilSuccess: false, timeout: canary.timeout, interval: .seconds(2)),
            progress: progress)
        let finals: [Execution]
        do {
            finals = try await waiter.run(resumed.map { names[$0] })
        } catch {
            if case .interrupted = error { return stopped(.interrupted(graph: graph)) }
            return stopped(.canary(graph: graph, .waitFailed(error, rest: rest.count)))
        }
        var failedAgain: [CanaryFailure] = []
        let placeOf = Dictionary(resumed.map { (names[$0], $0) }) { first, _ in first }
        for execution in finals {
            guard let name = execution.executionName, let place = placeOf[name] else { continue }
            var record = run.results[place]
            let failed = execution.json.objects("failed_states").first
            let whereFailed = [failed?.string("name"), failed?.string("error")].compactMap { $0 }.joined(separator: ": ")
            record.reason = "canary: \(execution.state?.rawValue ?? "unknown")" + (whereFailed.isEmpty ? "" : " in \(whereFailed)")
            run.results[place] = record
            if execution.state != .success {
                failedAgain.append(
                    CanaryFailure(
                        execution: name, state: execution.state?.rawValue ?? "", failedState: failed?.string("name"),
                        error: failed?.string("error")))
            }
        }
        let share = Double(failedAgain.count) * 100 / Double(resumed.count)
        guard share <= canary.maxRefailPercent else {
            return stopped(
                .canary(
                    graph: graph,
                    .failedAgain(failedAgain, resumed: resumed.count, maxRefailPercent: canary.maxRefailPercent, rest: rest.count)))
        }
        progress.note("resume \(graph): canary passed (\(failedAgain.count) of \(resumed.count) failed again); resuming the other \(rest.count)")
        return await resumeAll(names, rest, run.take(), failedAt: failedAt.dropFirst(canary.count))
    }

    /// Orders the results (one per target; a repeated target is reported, not resumed
    /// again), prints the summary, and throws the stop, if any, with them.
    func finish(_ targets: [String], _ names: [String], _ run: consuming Run, started: ContinuousClock.Instant)
        throws(OperationError) -> ResumeResults
    {
        let stop = run.stop
        urns.finish()  // every URN is in
        let all = Self.ordered(targets, names, run.results)
        let line = summary(all, started: started)
        progress.finish(line)
        if let stop { throw .resumeStopped(stop, results: all, summary: line) }
        return all
    }

    /// One result per target, in the targets' order: `results` as they are when no target
    /// repeats (the usual case), else a repeat says it was handled once.
    static func ordered(_ targets: [String], _ names: [String], _ results: consuming ResumeResults) -> ResumeResults {
        guard names.count < targets.count else { return results }
        var place = 0
        var seen: Set<String> = []
        var all = ResumeResults(urnTexts: results.urnTexts)
        for name in targets {
            if seen.insert(name).inserted {
                all.append(results[place])
                place += 1
            } else {
                all.append(ResumeResult(name, .skipped, reason: "listed more than once; handled once above"))
            }
        }
        return all
    }

    // MARK: What it says

    func summary(_ results: ResumeResults, started: ContinuousClock.Instant) -> String {
        let tally = ResumeTally(results)
        var line = "resume \(graph): \(tally.text) in \((ContinuousClock.now - started).elapsedText)"
        line += Self.throttleText(pacing.resumes.status)
        // Only worth naming when something was resumed; passed to --journal, it skips those.
        if let journal, journal.isAutomatic, tally[.resumed] > 0 { line += "; journal \(journal.path)" }
        return line
    }

    func liveLine(_ run: Run, total: Int, started: ContinuousClock.Instant, pace: Pacer.Status) -> String {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.wholeMilliseconds) / 1000 + 0.001
        return "resume \(graph): \(run.done)/\(total) — \(run.resumed) resumed, \(run.skipped) skipped, \(run.failures) failed, "
            + "\(Int(Double(run.done) / seconds))/s\(Self.paceText(pace)), \(elapsed.elapsedText)"
    }

    /// `, paced to 243/s, 12 throttled` for the live line, once the service has refused.
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

    /// Each second in which the service refused resumes leaves a pace line in the journal.
    func samplePace(into journal: Journal) -> Task<Void, Never> {
        let pacing = self.pacing, graph = self.graph
        return Task {
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

    /// Intents written ahead of the resumes in batches (one fsync each): the batch after the
    /// current one starts while the current one's resumes are in flight, so the disk's latency
    /// overlaps the service's instead of adding to every resume (an fsync before each send
    /// cut a 10,000-execution resume from ~11,500/s to ~7,300/s).
    final class IntentBatches: Sendable {
        let journal: Journal
        let graph: String
        /// The targets' names, and the places among them of the targets to resume.
        let names: [String]
        let places: [Int]
        /// When each of `places` last stopped (epoch milliseconds; `Int.min` when not known).
        let failedAt: ArraySlice<Int>
        let batchSize: Int
        private let batches = Mutex<[Int: Task<Bool, Never>]>([:])

        init(journal: Journal, graph: String, names: [String], places: [Int], failedAt: ArraySlice<Int>, batchSize: Int) {
            self.journal = journal
            self.graph = graph
            self.names = names
            self.places = places
            self.failedAt = failedAt
            self.batchSize = batchSize
        }

        /// Whether the intent for `places[index]` is on disk (waiting for it if need be).
        func durable(_ index: Int) async -> Bool {
            let batch = index / batchSize
            let current = batches.withLock { b in
                b[batch - 2] = nil  // finished long ago
                return start(batch, in: &b)
            }
            guard await current.value else { return false }
            // The next batch starts once this one is on disk (never two writes racing into
            // one), while this one's resumes are in flight.
            if (batch + 1) * batchSize < places.count { _ = batches.withLock { b in start(batch + 1, in: &b) } }
            return true
        }

        private func start(_ batch: Int, in b: inout [Int: Task<Bool, Never>]) -> Task<Bool, Never> {
            if let task = b[batch] { return task }
            let range = batch * batchSize..<min(places.count, (batch + 1) * batchSize)
            let journal = self.journal, graph = self.graph
            let intents = range.map { index in
                let stopped = failedAt[failedAt.startIndex + index]
                return (names[places[index]], stopped == Int.min ? nil : WireDate.iso8601(epochMilliseconds: stopped))
            }
            let task = Task { await journal.recordIntents(graph: graph, intents) }
            b[batch] = task
            return task
        }
    }
}

extension [String] {
    /// Each name once, where it first appears: bulk commands act once per execution.
    public func distinctInOrder() -> [String] {
        // Without repeats (the usual case) the names are the answer: no second array of them.
        var seen = NameIndex(capacity: count)
        for place in indices {
            guard seen.place(of: self[place], in: self) == nil else { return withoutRepeats() }
            seen.add(place, of: self)
        }
        return self
    }

    private func withoutRepeats() -> [String] {
        var distinct: [String] = []
        distinct.reserveCapacity(count)
        var index = NameIndex(capacity: count)
        for name in self where index.place(of: name, in: distinct) == nil {
            distinct.append(name)
            index.add(distinct.count - 1, of: distinct)
        }
        return distinct
    }
}
