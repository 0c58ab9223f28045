import ObswJSON
import ObswLang
import ObswOperations
import OBSWorkflow

// What the operations and the client give back, made language values — once, here: records,
// results, triage groups, and errors (with the results a stopped resume had, as values).

/// Service records as language values: maps with the API's own field names.
enum Records {
    static func value(_ record: some APIRecord) -> Value { JSONBridge.record(.object(record.json)) }
    static func list(_ records: [some APIRecord]) -> Value { .list(records.map(value)) }
}

extension ResumeResult {
    /// Every result has these fields in this order.
    static let fields = ["execution_name", "outcome", "restored_at", "execution_urn", "reason"]

    private var fieldValues: [Value] {
        [.string(execution), .string(outcome.rawValue), restoredAt.map(Value.time) ?? .null, urn.map(Value.string) ?? .null,
         reason.map(Value.string) ?? .null]
    }

    /// `{execution_name, outcome, restored_at, execution_urn, reason}`.
    var value: Value { .map(ValueMap(uniqueKeysWithValues: zip(Self.fields, fieldValues))) }

    /// Many results as rows of one table (a resume of a million executions holds a million).
    /// The results are let go of before the rows' list is made: at a million, the moment of
    /// the most memory.
    static func values(_ results: consuming ResumeResults) -> [Value] {
        var rows = RecordTable.Builder(keys: fields)
        rows.reserveCapacity(results.count)
        for place in results.indices { rows.append(results[place].fieldValues) }
        _ = consume results
        return rows.values()
    }
}

extension Triage.Group {
    /// `{state, error, count, executions, sample}`.
    var value: Value {
        [
            "state": .string(state), "error": .string(error), "count": .int(executions.count),
            "executions": .list(executions.map(Value.string)), "sample": .string(sample),
        ]
    }
}

/// Errors as the language's: `kind`, `code`, and the fields a `catch` reads.
enum Errors {
    /// The client's errors.
    static func script(_ error: OBSWorkflowError) -> ScriptError {
        switch error {
        case .service(let e):
            var details: ValueMap = ["status": .int(e.status)]
            details["code"] = e.code.map(Value.string) ?? .null
            details["request_id"] = e.requestID.map(Value.string) ?? .null
            if let hint = e.hint { details["hint"] = .string(hint) }
            let message = [e.code, e.message].compactMap { $0 }.joined(separator: ": ")
            return ScriptError(
                .service, message.isEmpty ? "\(e.operation): HTTP \(e.status)" : message, code: .serviceError, details: details)
        case .network(let e):
            return ScriptError(.network, e.description, code: .networkError, details: ["may_have_applied": .bool(e.mayHaveReachedService)])
        case .timeout(let e):
            return ScriptError(.timeout, e.description, code: .timeout)
        case .invalidResponse(let e):
            var details: ValueMap = ["status": .int(e.status), "hint": .string(e.hint)]
            details["request_id"] = e.requestID.map(Value.string) ?? .null
            return ScriptError(.network, e.description, code: .networkError, details: details)
        case .configuration(let e):
            return ScriptError(.runtime, e.description, code: .badArgument)
        case .invalidArgument(let message):
            return ScriptError(.runtime, message, code: .badArgument)
        case .cancelled:
            return ScriptError(.interrupted, "interrupted", code: .interrupted)
        }
    }

    /// The operations' errors. A resume that stopped carries every result so far in
    /// `results` (the shell puts them in `_`), and a canary that failed again names those
    /// canaries in `failed_again`.
    static func script(_ error: OperationError) -> ScriptError {
        switch error {
        case .service(let error): return script(error)
        case .interrupted(let message): return ScriptError(.interrupted, message, code: .interrupted)
        case .invalid(let message): return ScriptError(.runtime, message, code: .badArgument)
        case .journal(let message): return ScriptError(.runtime, message, code: .badArgument)
        case .lockHeld(_, _, _, let path):
            return ScriptError(.runtime, error.description, code: .serviceError, details: ["lock": .string(path)])
        case .lockFailed(let message): return ScriptError(.runtime, message)
        case .executionFailed(_, let execution):
            return ScriptError(
                .runtime, error.description, code: .serviceError,
                details: ["execution_name": .string(execution), "execution_state": "FAILED"])
        case .timedOut(_, _, let pending):
            return ScriptError(.timeout, error.description, code: .timeout, details: ["pending": .list(pending.map(Value.string))])
        case .resumeStopped(let stop, let results, let summary):
            var failure: ScriptError
            switch stop {
            case .interrupted: failure = ScriptError(.interrupted, "interrupted", code: .interrupted)
            case .authentication(let cause): failure = script(cause)
            case .canary(_, .waitFailed(let cause, _)):
                failure = ScriptError(.runtime, stop.description, code: script(cause).code)
            case .canary(_, .failedAgain(let failures, _, _, _)):
                failure = ScriptError(.runtime, stop.description, code: .serviceError)
                failure.details["failed_again"] = .list(failures.map { failure in
                    [
                        "execution_name": .string(failure.execution), "execution_state": .string(failure.state),
                        "state": failure.failedState.map(Value.string) ?? .null, "error": failure.error.map(Value.string) ?? .null,
                    ]
                })
            default: failure = ScriptError(.runtime, stop.description, code: .serviceError)
            }
            failure.message += " (\(summary))"
            failure.details[partialResultsKey] = .list(ResumeResult.values(results))
            return failure
        }
    }

    /// Where an error carries the results a bulk call had when it stopped.
    static let partialResultsKey = "results"
}

extension ScriptError {
    /// The results a bulk resume had when it stopped, when this error is one.
    public var partialResults: [Value]? {
        guard case .list(let results)? = details[Errors.partialResultsKey] else { return nil }
        return results
    }
}
