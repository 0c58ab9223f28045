import AsyncHTTPClient
import NIOCore
import OBSWorkflow
@testable import OBSWorkflowEmulator
import OBSWTestSupport
import Testing

/// obsw's DWR v3 client against the emulator's v3 face: every operation, the normalised
/// records, complete listings over long windows, the confirm-by-reading rule, and the
/// limits and refusals the face enforces as the service documents them.
@Suite(.timeLimit(.minutes(5))) struct DWRTests {
    static let project = EmulatorConfiguration.demoProjectID

    func withDWR<T>(
        _ configuration: EmulatorConfiguration, retry: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20)),
        _ body: (WorkflowEmulator, DWRWorkflowClient) async throws -> T
    ) async throws -> T {
        let emulator = try await WorkflowEmulator.start(configuration)
        let client = try DWRWorkflowClient(
            settings: TransportSettings(
                endpoint: try Endpoint(parsing: emulator.endpoint), credentials: configuration.credentials[0], retry: retry,
                requestTimeout: .seconds(240)),
            projectID: configuration.projectID)
        return try await afterwards({ try await body(emulator, client) }) {
            await client.shutdown()
            await emulator.stop()
        }
    }

    static func scenario(count: Int, failed: Double, over: Int = Scenario.Seed.defaultSpan) -> EmulatorConfiguration {
        EmulatorConfiguration(scenario: Scenario(graphs: [
            .init(name: "bulk", states: ["fetch", "work"], seed: .init(count: count, failed: failed, failAlways: 0, running: 0, spanMilliseconds: over))
        ]))
    }

    @Test func everyOperationWithNormalisedRecords() async throws {
        try await withDWR(EmulatorConfiguration(speed: 50)) { _, client in
            let graphs = try await client.workflows().collect()
            #expect(graphs.compactMap(\.name) == ["thumbnails", "transcode"])
            let detail = try await client.workflow(named: "thumbnails")
            #expect(detail.definition?["states"] != nil)
            #expect(detail.graphURN?.hasPrefix("urn:fss:") == true)

            let failed = try await client.executions(graph: "thumbnails", state: .failed).collect()
            #expect(!failed.isEmpty)
            for execution in failed {
                #expect(execution.state == .failed)
                #expect(execution.json.string("service_state") == "fail")
            }
            // One that failed in the last state with the plain failure text.
            var picked: (name: String, info: ExecutionInfo)?
            for execution in failed {
                let name = try #require(execution.executionName)
                let info = try await client.execution(graph: "thumbnails", name: name)
                if info.failedStates.first?.error?.contains("simulated failure of publish") == true {
                    picked = (name, info)
                    break
                }
            }
            let (first, info) = try #require(picked, "the demo data has executions failed in publish")
            #expect(info.executionName == first)
            #expect(info.state == .failed)
            #expect(info.json.string("status") == "fail")  // the service's own field stays
            #expect(info.startedAt == info.json.string("begin_time"))
            let failedStates = info.failedStates
            #expect(failedStates.count == 1)
            // Nodes are named by pairing them with the workflow's states in run order.
            #expect(failedStates.first?.name == "publish")
            #expect(info.stateMap["make-thumbnail"]?.status == .success)
            #expect(info.stateMap["publish"]?.status == .failed)
            #expect(info.stateMap["publish"]?.error == failedStates.first?.error)

            let resumed = try await client.restoreExecution(graph: "thumbnails", name: first)
            guard case .answered = resumed.confirmation else { Issue.record("expected an answer"); return }
            #expect(resumed.restored.executionName == first)
            // A second resume of a RUNNING execution: 409 with DWR's error body, parsed.
            let again = await emulatorError { _ = try await client.restoreExecution(graph: "thumbnails", name: first) }
            #expect(again?.serviceError?.status == 409)
            #expect(again?.serviceError?.code == "DWR.0409")
            #expect(again?.serviceError?.message?.contains("not FAILED") == true)
            #expect(again?.serviceError?.requestID?.isEmpty == false)

            let started = try await client.startExecution(graph: "thumbnails", bucket: "demo", object: "photos/new.jpg", inputs: nil)
            let name = try #require(started.executionName)
            let state = try await client.execution(graph: "thumbnails", name: name).state
            #expect(state == .running || state == .success, "\(String(describing: state))")
            let missing = await emulatorError { _ = try await client.execution(graph: "thumbnails", name: "no-such") }
            #expect(missing?.serviceError?.status == 404)
            let templates = await emulatorError { _ = try await client.templates().collect() }
            #expect(templates?.description.contains("--service obs") == true)
        }
    }

    /// 5,000 FAILED executions over 30 days: one query reaches about 1,200, so the window is
    /// split until every slice fits; each comes back once.
    @Test func fiveThousandOverThirtyDaysAllComeBackOnce() async throws {
        try await withDWR(Self.scenario(count: 5000, failed: 1, over: 30 * 86_400_000)) { _, client in
            let since = WallClock.nowMilliseconds() - 31 * 86_400_000
            let all = try await client.executions(graph: "bulk", state: .failed, window: TimeWindow(since: since)).collect()
            #expect(all.count == 5000)
            #expect(Set(all.compactMap(\.executionName)).count == 5000)
            // Without a window, the service's three days.
            let recent = try await client.executions(graph: "bulk", state: .failed).collect()
            let threeDaysAgo = WallClock.nowMilliseconds() - 3 * 86_400_000
            let expected = all.filter { ($0.startedAt.flatMap(WireDate.parseISO8601) ?? 0) >= threeDaysAgo + 2000 }.count
            #expect(recent.count >= expected && recent.count < 1000, "\(recent.count) of \(expected)")
            // A bounded window keeps exactly what started inside it.
            let until = WallClock.nowMilliseconds() - 10 * 86_400_000
            let old = try await client.executions(graph: "bulk", window: TimeWindow(since: since, until: until)).collect()
            let oldExpected = all.filter { ($0.startedAt.flatMap(WireDate.parseISO8601) ?? 0) < until }.count
            #expect(old.count == oldExpected)
        }
    }

    /// A lost answer to `retry` is settled by reading, never by a second retry.
    @Test func aLostRetryAnswerIsConfirmedByReading() async throws {
        var configuration = Self.scenario(count: 40, failed: 1)
        configuration.faults = try FaultSpec(parsing: "restore-drop=1")
        try await withDWR(configuration) { emulator, client in
            let failed = try await client.executions(graph: "bulk", state: .failed).collect()
            #expect(failed.count == 40)
            for execution in failed.prefix(5) {
                let result = try await client.restoreExecution(graph: "bulk", name: execution.executionName ?? "")
                guard case .confirmedByReading = result.confirmation else {
                    Issue.record("expected a confirmation by reading")
                    return
                }
            }
            let restores = try await EmulatorControl.restores(emulator.endpoint)
            #expect(restores.total == 5)
            #expect(restores.counts.count == 5)
            #expect(restores.counts.values.allSatisfy { $0 == 1 })
        }
    }

    /// Without the workflow's states (or with more nodes than states), nodes keep their index.
    @Test func nodesWithoutNamesKeepTheirIndex() {
        let json: JSONObject = [
            "status": "fail", "begin_time": "2025-01-02T03:04:05Z", "end_time": "2025-01-02T03:05:05Z",
            "node_execution_details": [
                ["status": "success", "begin_time": .int(1), "end_time": .int(2), "error_message": ""],
                ["status": "fail", "begin_time": .int(3), "end_time": .int(4), "error_message": "boom"],
            ],
        ]
        for names in [nil, ["only-one"]] as [[String]?] {
            let info = DWRRecords.detail(json, graph: "g", name: "e1", stateNames: names)
            #expect(info.failedStates.map(\.name) == ["node 1"])
            #expect(info.failedStates.first?.error == "boom")
            #expect(info.json["state_map"] == nil)
            #expect(info.state == .failed)
            #expect(info.json.string("service_state") == "fail")
            #expect(info.executionName == "e1")
            #expect(info.startedAt == "2025-01-02T03:04:05Z")
        }
        let named = DWRRecords.detail(json, graph: "g", name: "e1", stateNames: ["a", "b", "c"])
        #expect(named.stateMap.keys.sorted() == ["a", "b", "c"])
        #expect(named.stateMap["c"]?.status == .notRunning)
        #expect(named.stateMap["b"]?.startedAt == WireDate.iso8601(epochMilliseconds: 3))
    }

    // MARK: The face's rules, with hand-made requests

    @Test func limitsAndRefusalsAsTheServiceDocumentsThem() async throws {
        try await withDWR(Self.scenario(count: 300, failed: 0.5)) { emulator, _ in
            let base = "/v3/\(Self.project)/workflowexecutions?graph_name=bulk"
            let full = try await dwrRequest(emulator, "GET", base + "&limit=500")
            #expect(full.status == 200)
            #expect(full.json?.objects("executions").count == 200)  // cut to 200
            #expect(full.json?["is_truncated"] == .bool(true))  // real JSON types
            #expect(full.json?["count"] == .int(300))
            #expect(full.json?["next_offset"] == .int(201))  // counted in records, after the 200 it gave
            let second = try await dwrRequest(emulator, "GET", base + "&limit=200&offset=201")
            #expect(second.json?.objects("executions").count == 100)
            #expect(second.json?["is_truncated"] == .bool(false))
            for (query, field) in [
                ("&offset=1001", "offset"), ("&offset=0", "offset"), ("&limit=0", "limit"), ("&status=FAILED", "status"),
                ("&start_time=2025-01-01", "start_time"), ("&end_time=yesterday", "end_time"),
            ] {
                let answer = try await dwrRequest(emulator, "GET", base + query)
                #expect(answer.status == 400, "\(query)")
                #expect(answer.json?.string("error_code") == "DWR.0400", "\(query)")
                #expect(answer.json?.string("error_msg")?.contains(field) == true, "\(query)")
                #expect(answer.header("X-Request-Id") != nil)
            }
            let noGraph = try await dwrRequest(emulator, "GET", "/v3/\(Self.project)/workflowexecutions")
            #expect(noGraph.status == 400)
            let otherProject = try await dwrRequest(emulator, "GET", "/v3/another/workflowexecutions?graph_name=bulk")
            #expect(otherProject.status == 404)
            // Signatures and the clock.
            let wrongKey = try await dwrRequest(
                emulator, "GET", base,
                credentials: Credentials(accessKeyID: demoKeys.accessKeyID, secretAccessKey: Secret("wrong")))
            #expect(wrongKey.status == 401)
            #expect(wrongKey.json?.string("error_code") == "APIG.0301")
            let unknownKey = try await dwrRequest(
                emulator, "GET", base, credentials: Credentials(accessKeyID: "NOSUCHKEY", secretAccessKey: Secret("x")))
            #expect(unknownKey.status == 401)
            let unsigned = try await dwrRequest(emulator, "GET", base, credentials: nil)
            #expect(unsigned.status == 401)
            let skewed = try await dwrRequest(emulator, "GET", base, dateOffsetSeconds: 16 * 60)
            #expect(skewed.status == 401)
            #expect(skewed.json?.string("error_msg")?.contains("15 minutes") == true)
            let nearlySkewed = try await dwrRequest(emulator, "GET", base, dateOffsetSeconds: -14 * 60)
            #expect(nearlySkewed.status == 200)
            // An OBS-signed request to the v3 face is refused, not served.
            let obsSigned = try await rawRequest(emulator, "GET", base)
            #expect(obsSigned.status == 401)
        }
    }
}

/// A hand-made DWR request, signed (unless `credentials` is nil) as the SDK signs it.
func dwrRequest(
    _ emulator: WorkflowEmulator, _ method: String, _ target: String, body: [UInt8] = [],
    credentials: Credentials? = demoKeys, dateOffsetSeconds: Int = 0
) async throws -> RawAnswer {
    let endpoint = try Endpoint(parsing: emulator.endpoint)
    var headers: [(String, String)] = [
        ("Content-Type", "application/json"), ("User-Agent", "obsw-tests"), ("Host", endpoint.hostHeader),
        ("X-Project-Id", EmulatorConfiguration.demoProjectID),
        ("X-Sdk-Date", WireDate.sdkDate(epochSeconds: WallClock.nowMilliseconds() / 1000 + dateOffsetSeconds)),
    ]
    if let credentials, let (path, query) = SignatureCheck.splitTarget(target),
        let authorization = DWRSigner.authorization(
            method: method, wirePath: path, query: query, headers: headers, body: body, credentials: credentials)
    {
        headers.append(("Authorization", authorization))
    }
    var request = HTTPClientRequest(url: emulator.endpoint + target)
    request.method = .init(rawValue: method)
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if !body.isEmpty || method == "POST" { request.body = .bytes(ByteBuffer(bytes: body)) }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
    var buffer = try await response.body.collect(upTo: 16 << 20)
    return RawAnswer(
        status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
        body: buffer.readBytes(length: buffer.readableBytes) ?? [])
}

/// `--rate-limit N`: restores above N a second are refused with 429 and Retry-After on both
/// faces; reads are not limited.
@Suite(.timeLimit(.minutes(5))) struct QuotaTests {
    @Test func restoresAboveTheQuotaAreRefusedAsEachFaceDoes() async throws {
        var configuration = EmulatorConfiguration(scenario: Scenario(graphs: [
            .init(name: "bulk", states: ["work"], seed: .init(count: 60, failed: 1, failAlways: 0, running: 0))
        ]))
        configuration.restoreRateLimit = 1
        let emulator = try await WorkflowEmulator.start(configuration)
        let outcome = try await afterwards({ () async throws -> (Int, Int, Duration, RawAnswer?, RawAnswer?) in
            var granted = 0, refused = 0
            var v2Refusal: RawAnswer?, v3Refusal: RawAnswer?
            let started = ContinuousClock.now
            // Restores as fast as they come, alternating faces, until each face has been
            // refused (at one a second, within a few requests however loaded the machine).
            var index = 0
            while (v2Refusal == nil || v3Refusal == nil) && index < 60 {
                index += 1
                let name = EmulatorStore.executionName(index)
                let answer = index % 2 == 0
                    ? try await rawRequest(emulator, "PUT", "/v2/workflowexecutions/\(name)?x-workflow-graph-name=bulk")
                    : try await dwrRequest(emulator, "POST", "/v3/\(EmulatorConfiguration.demoProjectID)/workflows/bulk/workflowexecution/\(name)/retry")
                if answer.status == 200 { granted += 1 }
                if answer.status == 429 {
                    refused += 1
                    if index % 2 == 0 { v2Refusal = answer } else { v3Refusal = answer }
                }
            }
            let elapsed = ContinuousClock.now - started
            // Reads are never limited.
            for _ in 0..<20 {
                #expect(try await rawRequest(emulator, "GET", "/v2/workflowexecutions?x-workflow-graph-name=bulk").status == 200)
            }
            return (granted, refused, elapsed, v2Refusal, v3Refusal)
        }) {
            await emulator.stop()
        }
        let (granted, refused, elapsed, v2, v3) = outcome
        #expect(granted >= 1 && refused >= 2)
        // The bucket holds one restore and refills one a second: never more than that passes.
        #expect(Double(granted) <= 1 + Double(elapsed.components.seconds) + 1, "\(granted) granted in \(elapsed)")
        #expect(v2?.header("Retry-After") == "1" && v2?.code == "SYS.0011", "\(String(describing: v2?.json))")
        // v3 answers as Huawei's API gateway does: the quota stated in the message, no Retry-After.
        #expect(v3?.header("Retry-After") == nil && v3?.json?.string("error_code") == "APIG.0308", "\(String(describing: v3?.json))")
        #expect(
            v3?.json?.string("error_msg") == "The throttling threshold has been reached: policy user over ratelimit,limit:1,time:1 second",
            "\(String(describing: v3?.json))")
    }
}
