import OBSWorkflow

/// Why an operation did not complete, in its own terms. The results a bulk resume had when
/// it stopped travel with it as values (`results`), so nothing done is lost; the language
/// binding turns each case into the language's error once (`ObswRuntime`).
public enum OperationError: Error, Sendable, CustomStringConvertible {
    /// A call to the service failed (a listing, a read).
    case service(OBSWorkflowError)
    /// Ctrl-C or SIGTERM, or the calling task was cancelled.
    case interrupted(String)
    /// A journal that cannot be used: not a regular file, unreadable, written against
    /// another service, holding no resume, too large for this machine's memory.
    case journal(String)
    /// Another resume of the graph holds the lock; `holder` says who (pid, since when).
    case lockHeld(graph: String, service: String, holder: String, path: String)
    /// The lock file could not be locked at all.
    case lockFailed(String)
    /// `wait --until success`: an execution ended FAILED.
    case executionFailed(graph: String, execution: String)
    /// `wait`: the timeout passed with these still pending.
    case timedOut(graph: String, after: Duration, pending: [String])
    /// A bulk resume that stopped before its end: why, every target's result so far, and
    /// the summary line of what it did.
    case resumeStopped(ResumeStop, results: ResumeResults, summary: String)
    /// Asked for something it cannot do as asked (a `--redact` that would mask a name the
    /// replay needs); nothing was done.
    case invalid(String)

    public var description: String {
        switch self {
        case .service(let error): return error.description
        case .interrupted(let message): return message
        case .journal(let message): return message
        case .lockHeld(let graph, let service, let holder, _):
            return "resume \(graph): another resume of \(graph) against \(service) is running (\(holder)); "
                + "wait for it to finish, or pass --wait-lock to wait"
        case .lockFailed(let message): return message
        case .executionFailed(let graph, let execution): return "wait \(graph): execution \(execution) FAILED"
        case .timedOut(let graph, let after, let pending):
            let shown = pending.prefix(10).joined(separator: ", ") + (pending.count > 10 ? ", and \(pending.count - 10) more" : "")
            return "wait \(graph): timed out after \(after.elapsedText); \(pending.count) still pending: \(shown)"
        case .resumeStopped(let stop, _, let summary): return "\(stop.description) (\(summary))"
        case .invalid(let message): return message
        }
    }
}

/// Why a bulk resume stopped starting new resumes.
public indirect enum ResumeStop: Sendable, CustomStringConvertible {
    /// Ctrl-C or SIGTERM: calls in flight finished, the rest were not attempted.
    case interrupted(graph: String)
    /// More than `--max-errors` failures (while checking eligibility, or resuming).
    case budgetSpent(graph: String, maxErrors: Int, whileChecking: Bool)
    /// The journal could not be written: nothing more was sent, since a restore is never
    /// sent without its intent on disk.
    case journalUnwritable(graph: String, path: String, reason: String)
    /// The service refused the credentials: every other call would fail the same way.
    case authentication(OBSWorkflowError)
    /// The canary's verdict: the rest were not attempted.
    case canary(graph: String, CanaryStop)

    public var description: String {
        switch self {
        case .interrupted: return "interrupted"
        case .budgetSpent(let graph, let maxErrors, let whileChecking):
            return whileChecking
                ? "resume \(graph): more than \(maxErrors) failures (--max-errors) while checking; resumed nothing"
                : "resume \(graph): more than \(maxErrors) failures (--max-errors); stopped starting new resumes"
        case .journalUnwritable(let graph, let path, let reason):
            return "resume \(graph): the journal \(path) could not be written (\(reason)); stopped sending resumes. "
                + "Results after that point are not in the journal: keep this command's results"
        case .authentication(let error):
            // As the service said it: `SignatureDoesNotMatch: ...`.
            guard let service = error.serviceError else { return error.description }
            let said = [service.code, service.message].compactMap { $0 }.joined(separator: ": ")
            return said.isEmpty ? error.description : said
        case .canary(let graph, let stop): return "resume \(graph): \(stop.description)"
        }
    }

    /// What the targets never attempted are told.
    var notAttemptedReason: String {
        switch self {
        case .interrupted: return "interrupted before it was attempted"
        case .journalUnwritable(_, let path, let reason): return "the journal \(path) could not be written (\(reason))"
        case .canary(_, let stop): return stop.reason
        default: return description
        }
    }
}

/// Why the rest of a resume with `--canary` was not attempted.
public indirect enum CanaryStop: Sendable, CustomStringConvertible {
    /// None of the canaries could be resumed.
    case noneResumed(canaries: Int, rest: Int)
    /// Too many canaries failed again: each with the state and error where it failed.
    case failedAgain([CanaryFailure], resumed: Int, maxRefailPercent: Double, rest: Int)
    /// Waiting for the canaries failed (a timeout, the service).
    case waitFailed(OperationError, rest: Int)

    /// The reason each target not attempted gets.
    var reason: String {
        switch self {
        case .noneResumed(let canaries, _): return "canary: none of the \(canaries) canaries could be resumed"
        case .failedAgain(let failures, let resumed, let maxRefail, _):
            let share = Double(failures.count) * 100 / Double(max(1, resumed))
            return "canary: \(failures.count) of \(resumed) failed again (\(Percent.text(share)), more than --max-refail \(Percent.text(maxRefail)))"
        case .waitFailed(let error, _):
            if case .interrupted = error { return "interrupted while waiting for the canary" }
            return "canary: \(error.description)"
        }
    }

    public var description: String {
        switch self {
        case .noneResumed(_, let rest), .failedAgain(_, _, _, let rest), .waitFailed(_, let rest):
            return "\(reason); the other \(rest) were not attempted"
        }
    }
}

/// A canary that failed again, and where.
public struct CanaryFailure: Sendable, Equatable {
    public var execution: String
    public var state: String
    /// The state that failed, and its error, when the service says.
    public var failedState: String?
    public var error: String?
}

/// `12.5%`, `50%`.
enum Percent {
    static func text(_ share: Double) -> String {
        share == share.rounded() ? "\(Int(share))%" : "\((share * 10).rounded() / 10)%"
    }
}
