import OBSWorkflow

/// How an execution's object key makes it fail (the emulator's deterministic failures).
enum FailureMode: Sendable {
    case never, once, twice, always

    init(objectKey: String) {
        if objectKey.contains("fail-always") { self = .always }
        else if objectKey.contains("fail-twice") { self = .twice }
        else if objectKey.contains("fail-once") { self = .once }
        else { self = .never }
    }

    /// Whether attempt number `attempt` (0 for the first run, 1 after the first restore, ...) fails.
    func fails(onAttempt attempt: Int) -> Bool {
        switch self {
        case .never: return false
        case .once: return attempt < 1
        case .twice: return attempt < 2
        case .always: return true
        }
    }
}

/// One execution and its history, evaluated lazily against the clock.
///
/// Nothing ticks: an execution is its start time, per-state durations and the list of
/// attempts (the first run and each restore). Its state at any moment follows from those,
/// so a hundred thousand executions cost no timers and every answer is consistent with time.
///
/// An execution replayed from a snapshot (`recording`) starts as it was recorded — its
/// states, times and error texts exactly — and its scenario's resume rules decide what each
/// restore does.
struct ExecutionRun: Sendable {
    struct Attempt: Sendable {
        var start: Int
        /// The step this attempt begins at: 0 for the first run, the failed step after a restore.
        var fromStep: Int
        /// The step this attempt fails at, if it fails.
        var failsAt: Int?
        /// The error it fails with (nil: the emulator's text for the object key).
        var error: String?
        /// How long its first step runs (nil: the step's usual duration).
        var firstStepMilliseconds: Int?
    }

    /// One state's record as the service reports it.
    struct StepRecord: Sendable {
        var status: StateStatus = .notRunning
        var startedAt: Int?
        var stoppedAt: Int?
        /// The error text of a FAILED state, when it is not the emulator's own.
        var error: String?
    }

    struct Snapshot: Sendable {
        var state: ExecutionState
        var stoppedAt: Int?
        var steps: [StepRecord]
        /// The step that failed, when the execution is FAILED.
        var failedStep: Int?
    }

    /// The execution as a snapshot recorded it, before any restore here.
    struct Recording: Sendable {
        var state: ExecutionState
        var stoppedAt: Int?
        var steps: [StepRecord]
        var failedStep: Int?
        /// A recorded RUNNING execution: its running step ends (SUCCESS) at this time and the
        /// states after it run as usual.
        var runningUntil: Int?
        /// The input as the service wrote it (JSON text or an object).
        var input: JSONValue
    }

    var name: String
    var type: ExecutionType
    var bucket: String
    var object: String
    var inputs: JSONObject?
    var failure: FailureMode
    /// Simulated milliseconds of each step, already scaled by speed and `slow`.
    var durations: [Int]
    var failureStep: Int?
    var startedAt: Int
    var recording: Recording?
    /// What restores of a recorded execution do (its own rule, else the graph's).
    var resumeRules: [ResumeRule] = []
    var attempts: [Attempt]
    var restoredAt: Int?
    /// Restores that took effect (for the control endpoint's counters).
    var restores = 0

    /// A new execution whose object key decides how it fails.
    init(
        name: String, type: ExecutionType, bucket: String, object: String, inputs: JSONObject?, durations: [Int],
        failureStep: Int?, start: Int
    ) {
        self.name = name
        self.type = type
        self.bucket = bucket
        self.object = object
        self.inputs = inputs
        failure = FailureMode(objectKey: object)
        self.durations = durations
        self.failureStep = failureStep
        startedAt = start
        attempts = [Attempt(start: start, fromStep: 0, failsAt: failure.fails(onAttempt: 0) ? failureStep : nil)]
    }

    /// An execution as a snapshot recorded it.
    init(name: String, type: ExecutionType, startedAt: Int, durations: [Int], recording: Recording, rules: [ResumeRule], restoredAt: Int?) {
        self.name = name
        self.type = type
        bucket = ""
        object = ""
        failure = .never
        self.durations = durations
        failureStep = nil
        self.startedAt = startedAt
        self.recording = recording
        resumeRules = rules
        attempts = []
        self.restoredAt = restoredAt
    }

    /// The execution as it stands at `now`.
    func snapshot(at now: Int) -> Snapshot {
        var records = recording?.steps ?? [StepRecord](repeating: StepRecord(), count: durations.count)
        var attempts = self.attempts
        if let recording {
            if let until = recording.runningUntil, let step = records.firstIndex(where: { $0.status == .running }) {
                if now < until { return Snapshot(state: .running, stoppedAt: nil, steps: records, failedStep: nil) }
                records[step].status = .success
                records[step].stoppedAt = until
                if step + 1 == records.count { return Snapshot(state: .success, stoppedAt: until, steps: records, failedStep: nil) }
                attempts.insert(Attempt(start: until, fromStep: step + 1), at: 0)
            } else if attempts.isEmpty {
                return Snapshot(state: recording.state, stoppedAt: recording.stoppedAt, steps: records, failedStep: recording.failedStep)
            }
        }
        for (number, attempt) in attempts.enumerated() {
            var time = attempt.start
            var step = attempt.fromStep
            while step < durations.count {
                let duration = step == attempt.fromStep ? attempt.firstStepMilliseconds ?? durations[step] : durations[step]
                let end = time + duration
                if end > now {
                    records[step] = StepRecord(status: .running, startedAt: time, stoppedAt: nil)
                    return Snapshot(state: .running, stoppedAt: nil, steps: records, failedStep: nil)
                }
                if step == attempt.failsAt {
                    records[step] = StepRecord(status: .failed, startedAt: time, stoppedAt: end, error: attempt.error)
                    if number == attempts.count - 1 {
                        return Snapshot(state: .failed, stoppedAt: end, steps: records, failedStep: step)
                    }
                    break  // a later attempt resumes from here
                }
                records[step] = StepRecord(status: .success, startedAt: time, stoppedAt: end)
                time = end
                step += 1
            }
            if step == durations.count {
                return Snapshot(state: .success, stoppedAt: time, steps: records, failedStep: nil)
            }
        }
        return Snapshot(state: .running, stoppedAt: nil, steps: records, failedStep: nil)
    }

    /// Resumes from the failed step of `failed` (the caller has checked that it is FAILED):
    /// an execution from an object key fails again as its key says; a recorded one as the
    /// first resume rule matching its failure says.
    mutating func restore(at now: Int, failed: Snapshot, stateName: String) {
        let step = failed.failedStep ?? 0
        var attempt = Attempt(start: now, fromStep: step)
        if recording == nil {
            if failure.fails(onAttempt: attempts.count) { attempt.failsAt = step }
        } else {
            let error = failed.steps[step].error ?? ""
            let rule = resumeRules.first { $0.matches(execution: name, state: stateName, error: error) } ?? .succeed
            attempt.firstStepMilliseconds = rule.runForMilliseconds
            if rule.failsAgain(execution: name, restore: restores + 1) {
                attempt.failsAt = step
                attempt.error = rule.error ?? error
            }
        }
        attempts.append(attempt)
        restoredAt = now
        restores += 1
    }
}

/// What a restore of a replayed execution does: the scenario's `on_resume` rules, tried in
/// order, the first whose `when` matches the failure as it stands now.
struct ResumeRule: Sendable {
    enum Outcome: Sendable { case succeed, failAgain }

    /// Matches these executions only (empty: any).
    var executions: Set<String> = []
    /// Matches a failure of this state only.
    var state: String?
    /// Matches an error text containing this.
    var errorContains: String?
    /// Matches an error text this regular expression finds something in.
    var errorMatches: TextPattern?
    /// Matches an error of this cause as `triage` shows it (`FailureCause`).
    var errorGroup: String?
    var outcome: Outcome
    /// With `fail_again`: the error of the new failure (nil: the failure's own text).
    var error: String?
    /// A share of restores that fail again (the rest succeed); decided per execution and
    /// restore, so a replay is the same every time.
    var failAgainProbability: Double?
    /// How long the resumed state runs before its outcome.
    var runForMilliseconds: Int?

    static let succeed = ResumeRule(outcome: .succeed)

    func matches(execution: String, state: String, error: String) -> Bool {
        if !executions.isEmpty, !executions.contains(execution) { return false }
        if let wanted = self.state, wanted != state { return false }
        if let errorContains, !error.contains(errorContains) { return false }
        if let errorMatches, !errorMatches.matches(error) { return false }
        if let errorGroup, FailureCause.pattern(of: error) != errorGroup { return false }
        return true
    }

    func failsAgain(execution: String, restore: Int) -> Bool {
        if let share = failAgainProbability {
            var random = SplitMix(seed: SplitMix.hash(execution + "#" + String(restore)))
            return random.nextUnit() < share
        }
        return outcome == .failAgain
    }
}
