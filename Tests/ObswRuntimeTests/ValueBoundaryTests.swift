import ObswLang
@testable import ObswOperations
import OBSWorkflow
@testable import ObswRuntime
import Testing

/// The operations' typed results and errors become the language's values in one place
/// (`ToValues.swift`); these are the fields runbooks read.
@Suite(.timeLimit(.minutes(5))) struct ValueBoundaryTests {
    @Test func aTriageGroupIsARecord() {
        let group = Triage.Group(state: "fetch", error: "timeout after <n> ms", executions: ["e2", "e3"], sample: "timeout after 30012 ms")
        #expect(
            group.value
                == [
                    "state": "fetch", "error": "timeout after <n> ms", "count": 2, "executions": ["e2", "e3"],
                    "sample": "timeout after 30012 ms",
                ])
    }

    @Test func aResumeResultHasEveryFieldInOneOrder() {
        var result = ResumeResult("e1", .resumed)
        result.restoredAt = 1_764_583_201_000
        guard case .map(let record) = result.value else {
            Issue.record("a result is a record")
            return
        }
        #expect(Array(record.keys) == ["execution_name", "outcome", "restored_at", "execution_urn", "reason"])
        #expect(record["outcome"] == "resumed" && record["restored_at"] == .time(1_764_583_201_000) && record["reason"] == .null)
        #expect(ResumeResult("e2", .notAttempted).value.mapValue?["outcome"] == "not_attempted")
    }

    /// A stopped resume's results travel with its error; the shell puts them in `_`.
    @Test func aStoppedResumeCarriesItsResultsAndItsCanaries() {
        let failure = CanaryFailure(execution: "e1", state: "FAILED", failedState: "publish", error: "boom")
        let stop = ResumeStop.canary(graph: "g", .failedAgain([failure], resumed: 1, maxRefailPercent: 0, rest: 1))
        let error = Errors.script(
            .resumeStopped(stop, results: [ResumeResult("e1", .resumed), ResumeResult("e2", .notAttempted)], summary: "1 resumed"))
        #expect(error.partialResults?.count == 2)
        #expect(error.message.hasSuffix("(1 resumed)"))
        #expect(
            error.details["failed_again"]
                == [["execution_name": "e1", "execution_state": "FAILED", "state": "publish", "error": "boom"]])
        let interrupted = Errors.script(.resumeStopped(.interrupted(graph: "g"), results: [], summary: "0 resumed"))
        #expect(interrupted.kind == .interrupted && interrupted.partialResults == [])
    }

    @Test func theServicesErrorKeepsItsFields() {
        let error = Errors.script(
            OperationError.service(.service(ServiceError(status: 429, code: "APIGW.0308", message: "throttled", requestID: "r1", operation: "x"))))
        #expect(error.kind == .service && error.details["status"] == 429 && error.details["code"] == "APIGW.0308")
        #expect(error.details["request_id"] == "r1")
        #expect(error.message == "APIGW.0308: throttled")
    }
}
