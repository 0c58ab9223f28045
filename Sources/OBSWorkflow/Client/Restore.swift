#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The outcome of resuming one FAILED execution.
public struct RestoreResult: Sendable {
    /// How the client knows the execution was resumed.
    public enum Confirmation: Sendable {
        /// The service answered the restore call.
        case answered
        /// An attempt got no answer (timeout, dropped connection, ambiguous 5xx); reading the
        /// execution afterwards showed that the restore had taken effect.
        case confirmedByReading(ExecutionInfo)
    }

    public var restored: RestoredExecution
    public var confirmation: Confirmation
    /// Restore calls sent (reads not counted).
    public var attempts: Int
}

extension OBSWorkflowClient {
    /// Resumes a FAILED execution: the service continues it from the failed state and does not
    /// re-run states that succeeded. See `ConfirmedRestore` for how a lost answer is settled.
    public func restoreExecution(graph: String, name: String) async throws(OBSWorkflowError) -> RestoreResult {
        try validateName(graph, "workflow")
        try validateName(name, "execution")
        return try await ConfirmedRestore(
            transport: transport, retry: retryPolicy, request: .restoreExecution(graph: graph, name: name), name: name,
            read: { () throws(OBSWorkflowError) in try await self.execution(graph: graph, name: name) }
        ).run()
    }
}

/// One restore under the confirm-by-reading rule, on either service.
///
/// Safe to call once per execution under faults. A restore whose answer was lost may have
/// taken effect; repeating it blindly could resume an execution twice (it may have failed
/// again meanwhile) or report a false "not FAILED" error. So after an ambiguous failure the
/// execution is read before sending again, and when a repeat is refused with 409 (not
/// FAILED) it is read again, as it is when attempts run out after an ambiguous one: any read
/// that shows the execution resumed after our first send counts as resumed.
struct ConfirmedRestore {
    let transport: HTTPTransport
    let retry: RetryPolicy
    let request: WorkflowRequest
    let name: String
    /// Reads the execution (the service's own read, normalised).
    let read: @Sendable () async throws(OBSWorkflowError) -> ExecutionInfo

    func run() async throws(OBSWorkflowError) -> RestoreResult {
        let firstSend = WallClock.nowMilliseconds()
        var ambiguous = false
        let request = self.request, name = self.name
        // The transport's retry loop, with the confirm-by-reading rule as its hooks.
        return try await transport.send(
            request, retry: retry,
            onOutcome: { outcome, attempt throws(OBSWorkflowError) -> RestoreResult? in
                if case .answered(let answer) = outcome {
                    if answer.status < 300 {
                        if var restored = Self.restoreRecord(answer) {
                            if restored.executionName == nil { restored.json["execution_name"] = .string(name) }
                            return RestoreResult(restored: restored, confirmation: .answered, attempts: attempt)
                        }
                        // A 2xx that is not a restore record (HTML from a proxy, JSON of another
                        // shape): the service may or may not have acted. Settle it by reading, as
                        // for a lost answer; never call it resumed or failed on its face.
                        if let result = try? await confirmResumed(since: firstSend, attempts: attempt) { return result }
                        throw OBSWorkflowError.invalidResponse(
                            InvalidResponseError(
                                operation: request.summary, status: answer.status, requestID: answer.requestID,
                                reason: "the answer is not a restore record, and reading the execution shows no resume"))
                    }
                    // Refused as not FAILED after an unanswered attempt: that attempt may be why.
                    if answer.status == 409, ambiguous,
                        let result = try await confirmResumed(since: firstSend, attempts: attempt)
                    {
                        return result
                    }
                }
                if Self.isAmbiguous(outcome) { ambiguous = true }
                return nil
            },
            afterBackoff: { outcome, attempt throws(OBSWorkflowError) -> RestoreResult? in
                // Read before sending again: the unanswered attempt may have taken effect.
                guard Self.isAmbiguous(outcome) else { return nil }
                return try? await confirmResumed(since: firstSend, attempts: attempt)
            },
            whenOutOfAttempts: { _, attempt throws(OBSWorkflowError) -> RestoreResult? in
                // An earlier or this last send may still have taken effect.
                guard ambiguous else { return nil }
                return try? await confirmResumed(since: firstSend, attempts: attempt)
            })
    }

    /// The restore record in a 2xx answer: a JSON object with the execution's URN or the
    /// time it was restored. Anything else is not an answer to a restore.
    static func restoreRecord(_ answer: HTTPAnswer) -> RestoredExecution? {
        guard let object = (try? JSONParser.parse(answer.body))?.objectValue else { return nil }
        let record = RestoredExecution(json: object)
        guard record.executionURN?.isEmpty == false || record.restoredAt != nil else { return nil }
        return record
    }

    /// Reads the execution; returns a result when it shows our restore took effect.
    private func confirmResumed(since firstSend: Int, attempts: Int) async throws(OBSWorkflowError) -> RestoreResult? {
        let info = try await read()
        guard Self.showsResumed(info, since: firstSend) else { return nil }
        let restored = RestoredExecution(
            executionURN: info.executionURN, restoredAt: info.restoredAt, executionName: info.executionName ?? name)
        return RestoreResult(restored: restored, confirmation: .confirmedByReading(info), attempts: attempts)
    }

    /// Clock difference allowed between this machine and the service when comparing
    /// `restored_at` with the time of our first send.
    static let restoredAtTolerance = 30_000

    /// Whether an execution read after an unanswered restore shows that the restore happened.
    /// `restored_at` (OBS) is decisive when the service reports it; DWR reports no restore
    /// time, but its `last_update_time` moves when anything happens to the execution, and a
    /// FAILED execution nobody resumed does not change — so an update after our first send
    /// counts (no tolerance but the service's whole-second resolution: a failure well before
    /// it must not pass for a resume, and one in the same second errs towards never
    /// resuming twice).
    /// Otherwise a running or succeeded execution (it was FAILED when we were asked to
    /// resume it) counts.
    static func showsResumed(_ info: ExecutionInfo, since firstSend: Int) -> Bool {
        if let restoredAt = info.restoredAt.flatMap(WireDate.parseISO8601) {
            return restoredAt >= firstSend - restoredAtTolerance
        }
        if let updated = info.json.string("last_update_time").flatMap(WireDate.parseISO8601),
            updated >= firstSend - firstSend % 1000
        {
            return true
        }
        return info.state == .running || info.state == .success
    }

    /// No answer, or a 5xx that may come after the service acted.
    static func isAmbiguous(_ outcome: AttemptOutcome) -> Bool {
        switch outcome {
        case .failed(let failure): return failure.isAmbiguous
        case .answered(let answer): return [500, 502, 504].contains(answer.status)
        }
    }
}
