import OBSWorkflow
@testable import ObswOperations
import Testing

/// Grouping FAILED executions by cause, with what varies from run to run masked.
@Suite(.timeLimit(.minutes(5))) struct TriageTests {
    @Test func whatVariesBetweenRunsIsMasked() {
        #expect(FailureCause.mask("timeout after 30012 ms on host-17") == "timeout after <n> ms on host-<n>")
        #expect(FailureCause.mask("timeout after 30012 ms on host-17") == FailureCause.mask("timeout after 30001 ms on host-3"))
        #expect(FailureCause.mask("failed at 2026-12-03T07:46:57.123Z (retry 2)") == "failed at <time> (retry <n>)")
        #expect(FailureCause.mask("failed at 2026-12-03 07:46:57+08:00") == "failed at <time>")
        #expect(FailureCause.mask("request 0f3a9c2e-1b2d-4e5f-8a9b-0c1d2e3f4a5b refused") == "request <id> refused")
        #expect(FailureCause.mask("HTTP 503 (request d4b2e91f0a7c3b58)") == "HTTP <n> (request <id>)")
        #expect(FailureCause.mask("took 1.5 s") == "took <n> s")
        // Words are not ids, and a text without numbers is itself.
        #expect(FailureCause.mask("deadbeef and facade failed") == "deadbeef and facade failed")
        #expect(FailureCause.mask("States.ActionFailed: no such key") == "States.ActionFailed: no such key")
    }

    func detail(_ state: String, failedIn: String?, error: String?) -> ExecutionInfo {
        var json: JSONObject = ["execution_state": .string(state)]
        if let failedIn { json["failed_states"] = [["name": .string(failedIn), "error": JSONValue(error)]] }
        return ExecutionInfo(json: json)
    }

    @Test func groupsByStateAndMaskedErrorLargestFirst() {
        let details: [(name: String, info: ExecutionInfo)] = [
            ("e1", detail("FAILED", failedIn: "publish", error: "boom 1")),
            ("e2", detail("FAILED", failedIn: "fetch", error: "timeout after 30012 ms on host-17")),
            ("e3", detail("FAILED", failedIn: "fetch", error: "timeout after 30001 ms on host-3")),
            ("e4", detail("SUCCESS", failedIn: nil, error: nil)),
            ("e5", detail("FAILED", failedIn: "publish", error: "timeout after 1 ms on host-1")),  // same text, other state
            ("e6", detail("FAILED", failedIn: nil, error: nil)),
            ("e7", detail("FAILED", failedIn: "fetch", error: "timeout after 29999 ms on host-40")),
        ]
        let (groups, notFailed) = Triage.group(details)
        #expect(notFailed == ["e4"])
        #expect(groups.map(\.state) == ["fetch", "publish", "publish", "(unknown state)"])
        #expect(groups[0].executions == ["e2", "e3", "e7"])
        #expect(groups[0].error == "timeout after <n> ms on host-<n>")
        #expect(groups[0].sample == "timeout after 30012 ms on host-17")
        #expect(groups[1].executions == ["e1"] && groups[2].executions == ["e5"], "ties keep the order first seen")
        #expect(groups[3].error == "(no error text)")
    }
}
