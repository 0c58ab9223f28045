import OBSWorkflow
import OBSWorkflowEmulator
import ObswJSON
import OBSWTestSupport
import Testing

/// The client core against the embedded emulator: every endpoint, end to end.
@Suite(.timeLimit(.minutes(5))) struct EmulatorAPITests {
    static let fast = EmulatorConfiguration(speed: 10, scenario: .empty)

    @Test func executionsRunFailAndResumeWithoutRerunningSucceededStates() async throws {
        try await withEmulator(Self.fast) { _, client in
            try await createThumbnails(client)
            let ok = try await client.startExecution(graph: "thumbnails", bucket: "demo", object: "photos/ok.jpg")
            let once = try await client.startExecution(graph: "thumbnails", bucket: "demo", object: "photos/fail-once-1.jpg")
            let always = try await client.startExecution(graph: "thumbnails", bucket: "demo", object: "photos/fail-always-1.jpg")
            for started in [ok, once, always] { #expect(started.executionName?.hasPrefix("exec-") == true) }

            #expect(try await eventually {
                try await client.executions(graph: "thumbnails", state: .running).collect().isEmpty
            })
            let failed = try await client.executions(graph: "thumbnails", state: .failed).collect()
            #expect(Set(failed.compactMap(\.executionName)) == [once.executionName!, always.executionName!])

            let before = try await client.execution(graph: "thumbnails", name: once.executionName!)
            #expect(before.stateMap["make-thumbnail"]?.status == .success)
            #expect(before.stateMap["publish"]?.status == .failed)
            #expect(before.stateMap["publish"]?.error?.contains("simulated failure") == true)
            let firstStart = try #require(before.stateMap["make-thumbnail"]?.startedAt)

            let restored = try await client.restoreExecution(graph: "thumbnails", name: once.executionName!)
            guard case .answered = restored.confirmation else { Issue.record("expected an answer"); return }
            #expect(restored.restored.restoredAt != nil)
            #expect(try await eventually {
                try await client.execution(graph: "thumbnails", name: once.executionName!).state == .success
            })
            let after = try await client.execution(graph: "thumbnails", name: once.executionName!)
            #expect(after.stateMap["make-thumbnail"]?.startedAt == firstStart)
            #expect(after.stateMap["publish"]?.status == .success)
            #expect(after.restoredAt == restored.restored.restoredAt)

            // fail-always fails again after a resume; a second resume is allowed and fails again.
            _ = try await client.restoreExecution(graph: "thumbnails", name: always.executionName!)
            #expect(try await eventually {
                try await client.execution(graph: "thumbnails", name: always.executionName!).state == .failed
            })

            // Resuming what is not FAILED: 409 naming its state.
            let error = await emulatorError { _ = try await client.restoreExecution(graph: "thumbnails", name: ok.executionName!) }
            let service = try #require(error?.serviceError)
            #expect(service.status == 409)
            #expect(service.code == "ExecutionNotFailed")
            #expect(service.message?.contains("SUCCESS") == true)
            #expect(service.requestID != nil)
        }
    }

    @Test func slowKeysRunTenTimesLonger() async throws {
        // The service's own times, not when the test looked: a loaded machine (this test once
        // took 166 s in a full run) cannot change what the emulator scheduled.
        try await withEmulator(Self.fast) { _, client in
            try await createThumbnails(client)
            let slow = try await client.startExecution(graph: "thumbnails", bucket: "b", object: "v/slow-1.mp4")
            let quick = try await client.startExecution(graph: "thumbnails", bucket: "b", object: "v/quick.mp4")
            var ran: [Int] = []
            #expect(try await eventually(within: .seconds(120)) {
                ran = []
                for name in [slow.executionName!, quick.executionName!] {
                    let info = try await client.execution(graph: "thumbnails", name: name)
                    guard info.state == .success, let start = info.startedAt.flatMap(WireDate.parseISO8601),
                        let stop = info.stoppedAt.flatMap(WireDate.parseISO8601)
                    else { return false }
                    ran.append(stop - start)
                }
                return true
            })
            if ran.count == 2 { #expect(ran[0] >= 9 * ran[1] && ran[0] <= 11 * ran[1], "slow \(ran[0]) ms, quick \(ran[1]) ms") }
        }
    }

    @Test func markerPaginationWithTypeAndStateFilters() async throws {
        try await withEmulator(Self.fast) { _, client in
            try await createThumbnails(client)
            for i in 0..<25 {
                _ = try await client.startExecution(graph: "thumbnails", bucket: "b", object: i % 5 == 0 ? "fail-always-\(i)" : "ok-\(i)")
            }
            #expect(try await eventually {
                try await client.executions(graph: "thumbnails", state: .running).collect().isEmpty
            })
            let page = try await client.executionPage(graph: "thumbnails", limit: 10)
            #expect(page.executions.count == 10 && page.isTruncated && page.nextMarker == "APICALLexec-0010")
            let all = try await client.executions(graph: "thumbnails", pageSize: 7).collect()
            #expect(all.map(\.executionName!) == (1...25).map { "exec-" + String(format: "%04d", $0) })
            let failed = try await client.executions(graph: "thumbnails", state: .failed, pageSize: 2).collect()
            #expect(failed.count == 5)
            let lastFailedPage = try await client.executionPage(graph: "thumbnails", state: .failed, marker: "APICALLexec-0016", limit: 1)
            #expect(lastFailedPage.executions.map(\.executionName) == ["exec-0021"] && !lastFailedPage.isTruncated)
            #expect(try await client.executions(graph: "thumbnails", type: .triggerCall).collect().isEmpty)
            #expect(try await client.executions(graph: "thumbnails", type: .apiCall).collect().count == 25)
        }
    }

    @Test func templatesAndWorkflowsLifecycle() async throws {
        try await withEmulator(Self.fast) { _, client in
            let states: JSONValue = [
                ["state_name": "probe", "type": "OPERATION", "start": true, "next_state": "pack"],
                ["state_name": "pack", "type": "OPERATION"],
            ]
            _ = try await client.createTemplate(name: "media", description: "two steps", states: states, tags: [["key": "team"]])
            let template = try await client.template(named: "media")
            #expect(template.name == "media" && template.states == states && template.createTime != nil)
            let fromTemplate = try await client.createWorkflow(name: "from-tmpl", fromTemplate: "media", agency: "ag")
            #expect(fromTemplate.graphURN?.hasSuffix(":graph:from-tmpl") == true)
            try await createThumbnails(client)
            let detail = try await client.workflow(named: "from-tmpl")
            #expect(detail.definition?.string("agency") == "ag")
            #expect(detail.definition?.object("states")?.keys.elements == ["probe", "pack"])
            let updated = try await client.updateWorkflow(named: "thumbnails", parameters: ["size": 128], description: "new")
            #expect(updated.lastModified != nil)
            #expect(try await client.workflow(named: "thumbnails").description == "new")
            let names = try await client.workflows(pageSize: 1).collect().compactMap(\.name)
            #expect(names == ["from-tmpl", "thumbnails"])
            #expect(try await client.workflows(prefix: "thumb").collect().count == 1)
            #expect(try await client.templates().collect().compactMap(\.name) == ["media"])

            let duplicate = await emulatorError { try await createThumbnails(client) }
            #expect(duplicate?.serviceError?.status == 409)
            try await client.deleteWorkflow(named: "from-tmpl")
            try await client.deleteTemplate(named: "media")
            let gone = await emulatorError { _ = try await client.workflow(named: "from-tmpl") }
            #expect(gone?.serviceError?.code == "WorkflowNotFound")
            #expect(await emulatorError { _ = try await client.template(named: "media") }?.serviceError?.status == 404)
        }
    }

    @Test func triggerPolicyByBucketHost() async throws {
        try await withEmulator(Self.fast) { _, client in
            let rule = TriggerRule(id: "r1", graphURN: "urn:g", events: ["ObjectCreated:*"], prefix: "in/")
            try await client.putTriggerPolicy(bucket: "media-in", rules: [rule])
            #expect(try await client.triggerPolicy(bucket: "media-in") == [rule])
            try await client.deleteTriggerPolicy(bucket: "media-in")
            #expect(await emulatorError { _ = try await client.triggerPolicy(bucket: "media-in") }?.serviceError?.status == 404)
        }
    }

    @Test func demoScenarioHasSomethingToResume() async throws {
        try await withEmulator(EmulatorConfiguration()) { _, client in
            let graphs = try await client.workflows().collect().compactMap(\.name)
            #expect(graphs == ["thumbnails", "transcode"])
            let all = try await client.executions(graph: "thumbnails").collect()
            #expect(all.count == 320)
            let byState = Dictionary(grouping: all, by: { $0.state! }).mapValues(\.count)
            #expect(byState[.failed, default: 0] >= 20)
            #expect(byState[.running, default: 0] >= 5)
            #expect(byState[.success, default: 0] >= 200)
            let transcode = try await client.executions(graph: "transcode", state: .failed).collect()
            #expect(!transcode.isEmpty)
            let info = try await client.execution(graph: "transcode", name: transcode[0].executionName!)
            #expect(info.stateMap.keys.sorted() == ["package", "probe", "transcode"])
        }
    }
}

func emulatorError(_ call: () async throws -> Void) async -> OBSWorkflowError? {
    do {
        try await call()
        return nil
    } catch let error as OBSWorkflowError {
        return error
    } catch {
        Issue.record("not an OBSWorkflowError: \(error)")
        return nil
    }
}
