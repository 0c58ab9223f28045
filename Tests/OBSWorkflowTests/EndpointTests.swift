import OBSWTestSupport
import OBSWorkflow
import Testing

/// Each typed call goes out as the API documents it: method, path, query, body, signature.
@Suite(.timeLimit(.minutes(5))) struct EndpointTests {
    @Test func everyCallOnTheWire() async throws {
        let requests = try await withServer(handler: { request, _ in
            switch (request.method, request.path) {
            case ("DELETE", _): return .respond(status: 204)
            case ("PUT", "/"): return .respond(status: 200)
            case ("GET", "/"): return .json(200, #"{"rules":[{"id":"r1","graph_urn":"urn:g","events":["ObjectCreated:*"],"prefix":"in/"}]}"#)
            case ("GET", "/v2/workflowexecutions/e%201"):
                return .json(200, #"{"execution_info":{"execution_name":"e 1","execution_state":"FAILED","isTest":false,"state_map":{"make-thumbnail":{"state_name":"make-thumbnail","status":"FAILED","type":"OPERATION","started_at":"2020-01-01T00:00:00.000Z"}},"unknown_future_field":{"x":1}}}"#)
            default: return .json(200, #"{"template_name":"t","graph_name":"g","execution_name":"e","count":0,"graphs":[],"templates":[],"executions":[],"is_truncated":false}"#)
            }
        }) { server, client in
            _ = try await client.createTemplate(name: "t", description: "d", states: [["type": "END"]])
            _ = try await client.template(named: "t")
            try await client.deleteTemplate(named: "t")
            _ = try await client.templatePage(prefix: "", start: nil, limit: 5)
            _ = try await client.createWorkflow(name: "g", definition: ["description": "d", "states": []])
            _ = try await client.createWorkflow(name: "g2", fromTemplate: "t", agency: "ag", parameters: ["p": 1])
            _ = try await client.workflow(named: "g")
            _ = try await client.updateWorkflow(named: "g", parameters: ["p": 2], description: "new")
            try await client.deleteWorkflow(named: "g")
            _ = try await client.workflowPage()
            _ = try await client.startExecution(graph: "g", bucket: "b", object: "photos/a b.jpg", inputs: ["k": "v"])
            _ = try await client.executionPage(graph: "g", type: .triggerCall, limit: 50)
            let info = try await client.execution(graph: "g", name: "e 1")
            #expect(info.state == .failed)
            #expect(info.stateMap["make-thumbnail"]?.status == .failed)
            #expect(info.json["unknown_future_field"]?["x"] == 1)
            #expect(info.json["isTest"] == false)
            try await client.putTriggerPolicy(
                bucket: "demo-bucket", rules: [TriggerRule(id: "r1", graphURN: "urn:g", events: ["ObjectCreated:*"])])
            let rules = try await client.triggerPolicy(bucket: "demo-bucket")
            #expect(rules.first?.prefix == "in/")
            try await client.deleteTriggerPolicy(bucket: "demo-bucket")
            return server.requests
        }
        let expected: [(String, String)] = [
            ("POST", "/v2/workflowtemplates/t"),
            ("GET", "/v2/workflowtemplates/t"),
            ("DELETE", "/v2/workflowtemplates/t"),
            ("GET", "/v2/workflowtemplates/?x-workflow-prefix&x-workflow-limit=5"),
            ("POST", "/v2/workflows/g?x-workflow-create"),
            ("POST", "/v2/workflows/g2?x-workflow-template-name=t"),
            ("GET", "/v2/workflows/g"),
            ("PUT", "/v2/workflows/g"),
            ("DELETE", "/v2/workflows/g"),
            ("GET", "/v2/workflows/?x-workflow-prefix"),
            ("POST", "/v2/workflows/g"),
            ("GET", "/v2/workflowexecutions?x-workflow-graph-name=g&x-workflow-limit=50&x-workflow-execution-type=TRIGGERCAL"),
            ("GET", "/v2/workflowexecutions/e%201?x-workflow-graph-name=g"),
            ("PUT", "/?obsworkflowtriggerpolicy"),
            ("GET", "/?obsworkflowtriggerpolicy"),
            ("DELETE", "/?obsworkflowtriggerpolicy"),
        ]
        #expect(requests.count == expected.count)
        for (request, (method, target)) in zip(requests, expected) {
            #expect(request.method == method)
            #expect(request.target == target)
            #expect(request.header("content-type") == "application/json")
            let bucket = request.path == "/" ? "demo-bucket" : nil
            #expect(isSigned(request, bucket: bucket), "\(method) \(target)")
        }
        #expect(requests[0].bodyText == #"{"description":"d","states":[{"type":"END"}]}"#)
        #expect(requests[5].bodyText == #"{"agency":"ag","parameters":{"p":1}}"#)
        #expect(requests[10].bodyText == #"{"bucket":"b","object":"photos/a b.jpg","inputs":{"k":"v"}}"#)
        #expect(requests[13].header("host")?.hasPrefix("demo-bucket.127.0.0.1:") == true)
        #expect(requests[13].bodyText.contains(#""rules":[{"id":"r1""#))
    }

    @Test func securityTokenIsSentAndSigned() async throws {
        let credentials = Credentials(
            accessKeyID: "AKTEMP", secretAccessKey: Secret("sk"), securityToken: Secret("session-token"))
        let server = try await TestHTTPServer.start { _, _ in .json(200, #"{"name":"g"}"#) }
        let client = try makeClient(server, credentials: credentials)
        _ = try await client.workflow(named: "g")
        await client.shutdown()
        await server.stop()
        let request = try #require(server.requests.first)
        #expect(request.header("x-obs-security-token") == "session-token")
        #expect(isSigned(request, credentials: credentials))
        let withoutToken = Credentials(accessKeyID: "AKTEMP", secretAccessKey: Secret("sk"))
        var stripped = request
        stripped.headers.removeAll { $0.0.lowercased() == "x-obs-security-token" }
        #expect(!isSigned(stripped, credentials: withoutToken))
    }

    @Test func emptyNamesAreRefusedBeforeSending() async throws {
        let (error, count) = try await withServer(handler: { _, _ in .json(200, "{}") }) { server, client in
            (await clientError { _ = try await client.restoreExecution(graph: "g", name: "") }, server.requests.count)
        }
        guard case .invalidArgument(let message) = error else { Issue.record("expected invalidArgument"); return }
        #expect(message.contains("execution name is empty"))
        #expect(count == 0)
    }
}
