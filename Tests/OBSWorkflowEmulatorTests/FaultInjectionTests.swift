import OBSWorkflow
import OBSWorkflowEmulator
import Testing

@Suite(.timeLimit(.minutes(5))) struct FaultInjectionTests {
    @Test func injectedStatusesAreRetriedByTheClientAndCounted() async throws {
        var configuration = EmulatorConfiguration(scenario: .demo)
        configuration.faults = try FaultSpec(parsing: "500=0.3,503=0.1,429=0.1,retry-after=0,seed=42")
        try await withEmulator(configuration, retry: RetryPolicy(maxAttempts: 12, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))) {
            emulator, client in
            let all = try await client.executions(graph: "thumbnails", pageSize: 10).collect()
            #expect(all.count == 320)
            let status = try await rawRequest(emulator, "GET", "/-/emulator", credentials: nil)
            let injected = try #require(status.json?.object("injected"))
            #expect((injected.int("500") ?? 0) > 0)
            #expect((injected.int("429") ?? 0) > 0)
            let throttled = try await rawRequestUntil(emulator, status: 429)
            #expect(throttled.header("retry-after") == "0")
            #expect(throttled.code == "SYS.0011")
        }
    }

    @Test func droppedConnectionsAndSlowAnswers() async throws {
        var configuration = EmulatorConfiguration(scenario: .demo)
        configuration.faults = try FaultSpec(parsing: "drop=1")
        try await withEmulator(configuration, retry: .never) { emulator, client in
            let error = await emulatorError { _ = try await client.workflow(named: "thumbnails") }
            guard case .network(let e)? = error else { Issue.record("expected a network error, got \(String(describing: error))"); return }
            #expect(e.mayHaveReachedService)
            emulator.setFaults(try FaultSpec(parsing: "slow=1,slow-ms=300"))
            let started = ContinuousClock.now
            _ = try await client.workflow(named: "thumbnails")
            #expect(ContinuousClock.now - started >= .milliseconds(290))
            emulator.setFaults(.none)
            _ = try await client.workflow(named: "thumbnails")
        }
    }

    @Test func restoreAppliedButAnswerDroppedIsResumedExactlyOnce() async throws {
        var configuration = EmulatorConfiguration(speed: 0.2, scenario: .demo)
        configuration.faults = try FaultSpec(parsing: "restore-drop=1")
        try await withEmulator(configuration) { emulator, client in
            let failed = try await client.executions(graph: "thumbnails", state: .failed).collect()
            let targets = failed.prefix(5).compactMap(\.executionName)
            for name in targets {
                let result = try await client.restoreExecution(graph: "thumbnails", name: name)
                guard case .confirmedByReading = result.confirmation else {
                    Issue.record("\(name): expected confirmation by reading, got \(result.confirmation)")
                    continue
                }
            }
            let counters = try await rawRequest(emulator, "GET", "/-/emulator/restores", credentials: nil)
            #expect(counters.json?.int("total") == targets.count)
            let perExecution = counters.json?.objects("executions") ?? []
            #expect(Set(perExecution.compactMap { $0.string("execution_name") }) == Set(targets))
            #expect(perExecution.allSatisfy { $0.int("restores") == 1 })
            let injected = try await rawRequest(emulator, "GET", "/-/emulator/faults", credentials: nil)
            #expect(injected.json?.object("injected")?.int("restore-drop") == targets.count)
        }
    }

    @Test func controlEndpointChangesFaultsAtRunTime() async throws {
        try await withEmulator(EmulatorConfiguration(scenario: .demo), retry: .never) { emulator, client in
            let set = try await rawRequest(emulator, "PUT", "/-/emulator/faults", body: Array(#"{"spec":"503=1,retry-after=7"}"#.utf8), credentials: nil)
            #expect(set.status == 200 && set.json?.string("spec") == "503=1.0,retry-after=7")
            let error = await emulatorError { _ = try await client.workflow(named: "thumbnails") }
            #expect(error?.serviceError?.status == 503)
            let bad = try await rawRequest(emulator, "PUT", "/-/emulator/faults", body: Array(#"{"spec":"oops=1"}"#.utf8), credentials: nil)
            #expect(bad.status == 400 && bad.json?.string("message")?.contains("unknown fault") == true)
            _ = try await rawRequest(emulator, "PUT", "/-/emulator/faults", body: Array(#"{"spec":""}"#.utf8), credentials: nil)
            _ = try await client.workflow(named: "thumbnails")
            #expect(try await rawRequest(emulator, "DELETE", "/-/emulator/restores", credentials: nil).status == 204)
        }
    }
}

/// Repeats a plain request until the emulator answers with `status` (faults are random).
func rawRequestUntil(_ emulator: WorkflowEmulator, status: Int) async throws -> RawAnswer {
    for _ in 0..<500 {
        let answer = try await rawRequest(emulator, "GET", "/v2/workflows/thumbnails")
        if answer.status == status { return answer }
    }
    Issue.record("no \(status) in 500 tries")
    return RawAnswer(status: 0, headers: [], body: [])
}
