import NIOConcurrencyHelpers
import OBSWTestSupport
@testable import OBSWorkflow
import Testing

/// A restore whose answer is lost must be reported truthfully and never sent again once it
/// took effect. The server here plays the service: it keeps the execution's state and
/// applies restores, while the script decides which answers get lost.
@Suite(.timeLimit(.minutes(5))) struct RestoreTests {
    final class FakeExecution: Sendable {
        struct State {
            var executionState = "FAILED"
            var restoredAt: String?
            var restores = 0
        }
        let state = NIOLockedValueBox(State())

        func info(_ s: State) -> String {
            let restored = s.restoredAt.map { #","restored_at":"\#($0)""# } ?? ""
            return #"{"execution_info":{"execution_name":"e1","execution_urn":"urn:e1","execution_state":"\#(s.executionState)"\#(restored),"state_map":{}}}"#
        }

        /// Applies a PUT the way the service would; returns the answer it would give.
        func applyRestore() -> TestReply {
            state.withLockedValue { s in
                guard s.executionState == "FAILED" else {
                    return .json(409, #"{"code":"ExecutionNotFailed","message":"execution e1 is \#(s.executionState), not FAILED","request_id":"r409"}"#)
                }
                s.executionState = "RUNNING"
                s.restores += 1
                s.restoredAt = WireDate.iso8601(epochMilliseconds: WallClock.nowMilliseconds())
                return .json(200, #"{"execution_urn":"urn:e1","restored_at":"\#(s.restoredAt!)","execution_name":"e1"}"#)
            }
        }

        var restores: Int { state.withLockedValue { $0.restores } }
        func read() -> TestReply { .json(200, state.withLockedValue { info($0) }) }
    }

    /// `script(putNumber)` says what happens to the n-th PUT: nil = answer normally,
    /// "apply-drop" = apply then drop the answer, "drop" = drop without applying, or a status.
    func run(
        execution: FakeExecution = FakeExecution(), script: @escaping @Sendable (Int) -> String?,
        readsShowStale: Bool = false
    ) async throws -> (Result<RestoreResult, OBSWorkflowError>, [RecordedRequest]) {
        let puts = NIOLockedValueBox(0)
        return try await withServer(handler: { request, _ in
            if request.method == "GET" {
                if readsShowStale { return .json(200, execution.info(.init())) }
                return execution.read()
            }
            let n = puts.withLockedValue { $0 += 1; return $0 }
            switch script(n) {
            case nil: return execution.applyRestore()
            case "apply-drop":
                _ = execution.applyRestore()
                return .drop
            case "drop": return .drop
            case "apply-html":
                _ = execution.applyRestore()
                return .respond(status: 200, headers: [("Content-Type", "text/html")], body: "<html>OK</html>")
            case "apply-wrong-shape":
                _ = execution.applyRestore()
                return .json(200, #"{"unexpected":true}"#)
            case "wrong-shape": return .json(200, #"{"unexpected":true}"#)
            case "apply-504":
                _ = execution.applyRestore()
                return .json(504, #"{"code":"GatewayTimeout"}"#)
            case let status?: return .json(Int(status)!, #"{"code":"Transient"}"#)
            }
        }) { server, client in
            let result: Result<RestoreResult, OBSWorkflowError>
            do { result = .success(try await client.restoreExecution(graph: "g", name: "e1")) } catch let error as OBSWorkflowError {
                result = .failure(error)
            }
            return (result, server.requests)
        }
    }

    @Test func plainSuccess() async throws {
        let execution = FakeExecution()
        let (result, requests) = try await run(execution: execution) { _ in nil }
        let restored = try result.get()
        guard case .answered = restored.confirmation else { Issue.record("expected answered"); return }
        #expect(restored.restored.executionName == "e1")
        #expect(restored.restored.restoredAt != nil)
        #expect(requests.map(\.method) == ["PUT"])
        #expect(requests[0].target == "/v2/workflowexecutions/e1?x-workflow-graph-name=g")
        #expect(requests[0].header("content-length") == "0")
        #expect(isSigned(requests[0]))
        #expect(execution.restores == 1)
    }

    /// A 2xx that is not a restore record is ambiguous: settled by reading, never taken at
    /// its face (HTML was once reported failed, a wrong-shaped JSON resumed).
    @Test(arguments: ["apply-html", "apply-wrong-shape"])
    func appliedButAnsweredWithSomethingElseIsConfirmedByReading(_ reply: String) async throws {
        let execution = FakeExecution()
        let (result, requests) = try await run(execution: execution) { n in n == 1 ? reply : nil }
        let restored = try result.get()
        guard case .confirmedByReading = restored.confirmation else { Issue.record("expected confirmation by reading"); return }
        #expect(requests.map(\.method) == ["PUT", "GET"])
        #expect(execution.restores == 1)
    }

    @Test func aWrongShapedAnswerWithNothingAppliedIsNotCalledResumed() async throws {
        let execution = FakeExecution()
        let (result, requests) = try await run(execution: execution) { _ in "wrong-shape" }
        guard case .failure(.invalidResponse(let e)) = result else { Issue.record("expected an invalid answer, got \(result)"); return }
        #expect(e.description.contains("not a restore record"))
        #expect(requests.map(\.method) == ["PUT", "GET"])
        #expect(execution.restores == 0)
    }

    @Test func appliedButAnswerLostIsConfirmedByReadingAndNotResent() async throws {
        let execution = FakeExecution()
        let (result, requests) = try await run(execution: execution) { n in n == 1 ? "apply-drop" : nil }
        let restored = try result.get()
        guard case .confirmedByReading(let info) = restored.confirmation else {
            Issue.record("expected confirmation by reading, got \(restored.confirmation)")
            return
        }
        #expect(info.state == .running)
        #expect(requests.map(\.method) == ["PUT", "GET"])
        #expect(execution.restores == 1)
    }

    @Test func lostBeforeApplyingIsSentAgain() async throws {
        let execution = FakeExecution()
        let (result, requests) = try await run(execution: execution) { n in n == 1 ? "drop" : nil }
        guard case .answered = try result.get().confirmation else { Issue.record("expected answered"); return }
        #expect(requests.map(\.method) == ["PUT", "GET", "PUT"])
        #expect(execution.restores == 1)
    }

    @Test func retryRefusedWith409AfterAmbiguityReadsAndReportsResumed() async throws {
        // The read before the retry is served stale (as from a lagging replica), so the client
        // sends again; the service refuses with 409 since the first restore took effect.
        let execution = FakeExecution()
        let puts = NIOLockedValueBox(0)
        let (result, requests) = try await withServer(handler: { request, _ in
            if request.method == "GET" {
                // Stale on the first read, current afterwards.
                let reads = puts.withLockedValue { $0 }
                return reads < 2 ? .json(200, execution.info(.init())) : execution.read()
            }
            let n = puts.withLockedValue { $0 += 1; return $0 }
            let answer = execution.applyRestore()
            return n == 1 ? .json(504, #"{"code":"GatewayTimeout"}"#) : answer
        }) { server, client in
            (try await client.restoreExecution(graph: "g", name: "e1"), server.requests)
        }
        guard case .confirmedByReading(let info) = result.confirmation else {
            Issue.record("expected confirmation by reading, got \(result.confirmation)")
            return
        }
        #expect(info.state == .running)
        #expect(requests.map(\.method) == ["PUT", "GET", "PUT", "GET"])
        #expect(execution.restores == 1)
        #expect(result.attempts == 2)
    }

    @Test func conflictWithoutAmbiguityIsAServiceError() async throws {
        let execution = FakeExecution()
        execution.state.withLockedValue { $0.executionState = "SUCCESS" }
        let (result, requests) = try await run(execution: execution) { _ in nil }
        guard case .failure(let error) = result, let service = error.serviceError else {
            Issue.record("expected a service error, got \(result)")
            return
        }
        #expect(service.status == 409)
        #expect(service.message?.contains("SUCCESS") == true)
        #expect(service.requestID == "r409")
        #expect(requests.map(\.method) == ["PUT"])  // nothing ambiguous, nothing to read
    }

    @Test func unambiguousTransientErrorsAreRetriedWithoutReading() async throws {
        let execution = FakeExecution()
        let (result, requests) = try await run(execution: execution) { n in n <= 2 ? "503" : nil }
        guard case .answered = try result.get().confirmation else { Issue.record("expected answered"); return }
        #expect(requests.map(\.method) == ["PUT", "PUT", "PUT"])
        #expect(execution.restores == 1)
    }

    @Test func restoredLongAgoByOthersIsNotMistakenForOurs() {
        let now = WallClock.nowMilliseconds()
        func info(_ state: String, restoredAt: Int?) -> ExecutionInfo {
            var json: JSONObject = ["execution_state": .string(state)]
            if let restoredAt { json["restored_at"] = .string(WireDate.iso8601(epochMilliseconds: restoredAt)) }
            return ExecutionInfo(json: json)
        }
        #expect(ConfirmedRestore.showsResumed(info("RUNNING", restoredAt: now), since: now))
        #expect(ConfirmedRestore.showsResumed(info("FAILED", restoredAt: now + 10), since: now))  // resumed, failed again
        #expect(!ConfirmedRestore.showsResumed(info("FAILED", restoredAt: now - 3_600_000), since: now))
        #expect(!ConfirmedRestore.showsResumed(info("RUNNING", restoredAt: now - 3_600_000), since: now))
        #expect(ConfirmedRestore.showsResumed(info("SUCCESS", restoredAt: nil), since: now))
        #expect(!ConfirmedRestore.showsResumed(info("FAILED", restoredAt: nil), since: now))
        // DWR has no restore time; its last_update_time (whole seconds) moves on any change.
        func updated(_ state: String, at time: Int) -> ExecutionInfo {
            ExecutionInfo(json: [
                "execution_state": .string(state), "last_update_time": .string(WireDate.iso8601Seconds(epochSeconds: time / 1000)),
            ])
        }
        #expect(ConfirmedRestore.showsResumed(updated("FAILED", at: now + 1000), since: now))  // resumed, failed again
        #expect(ConfirmedRestore.showsResumed(updated("FAILED", at: now), since: now))
        #expect(!ConfirmedRestore.showsResumed(updated("FAILED", at: now - 5000), since: now))  // failed before we sent
    }

    @Test func appliedOnTheLastAttemptIsConfirmedByReading() async throws {
        // Three throttled sends, then the fourth (the last allowed) applies and loses its answer.
        let execution = FakeExecution()
        let (result, requests) = try await run(execution: execution) { n in n < 4 ? "503" : "apply-drop" }
        guard case .confirmedByReading = try result.get().confirmation else {
            Issue.record("expected confirmation by reading, got \(result)")
            return
        }
        #expect(requests.map(\.method) == ["PUT", "PUT", "PUT", "PUT", "GET"])
        #expect(execution.restores == 1)
    }

    @Test func everyAnswerLostEndsInAnErrorThatSaysItMayHaveApplied() async throws {
        let (result, requests) = try await run(script: { _ in "drop" }, readsShowStale: true)
        guard case .failure(.network(let e)) = result else {
            Issue.record("expected a network error, got \(result)")
            return
        }
        #expect(e.mayHaveReachedService)
        #expect(requests.filter { $0.method == "PUT" }.count == 4)
    }
}
