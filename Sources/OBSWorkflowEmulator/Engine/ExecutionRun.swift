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
struct ExecutionRun: Sendable {
    struct Attempt: Sendable {
        var start: Int
        /// The step this attempt begins at: 0 for the first run, the failed step after a restore.
        var fromStep: Int
    }

    /// One state's record as the service reports it.
    struct StepRecord: Sendable {
        var status: StateStatus = .notRunning
        var startedAt: Int?
        var stoppedAt: Int?
    }

    struct Snapshot: Sendable {
        var state: ExecutionState
        var stoppedAt: Int?
        var steps: [StepRecord]
        /// The step that failed, when the execution is FAILED.
        var failedStep: Int?
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
    var attempts: [Attempt]
    var restoredAt: Int?
    /// Restores that took effect (for the control endpoint's counters).
    var restores = 0

    var startedAt: Int { attempts[0].start }

    /// The execution as it stands at `now`.
    func snapshot(at now: Int) -> Snapshot {
        var records = [StepRecord](repeating: StepRecord(), count: durations.count)
        for (number, attempt) in attempts.enumerated() {
            let failsAt = failure.fails(onAttempt: number) ? failureStep : nil
            var time = attempt.start
            var step = attempt.fromStep
            while step < durations.count {
                let end = time + durations[step]
                if end > now {
                    records[step] = StepRecord(status: .running, startedAt: time, stoppedAt: nil)
                    return Snapshot(state: .running, stoppedAt: nil, steps: records, failedStep: nil)
                }
                if step == failsAt {
                    records[step] = StepRecord(status: .failed, startedAt: time, stoppedAt: end)
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

    /// Resumes from the failed step. The caller has checked that the execution is FAILED.
    mutating func restore(at now: Int, from step: Int) {
        attempts.append(Attempt(start: now, fromStep: step))
        restoredAt = now
        restores += 1
    }
}
