import OBSWorkflow
import OBSWorkflowEmulator
import Testing

/// What the emulator refuses, and how: the documented status, a JSON body with
/// `Content-Type: application/json` exactly, a request id — and it keeps serving.
@Suite(.timeLimit(.minutes(5))) struct EmulatorRefusalTests {
    func expectRefusal(_ answer: RawAnswer, _ status: Int, _ code: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(answer.status == status, sourceLocation: sourceLocation)
        #expect(answer.code == code, "\(String(decoding: answer.body, as: UTF8.self))", sourceLocation: sourceLocation)
        #expect(answer.header("content-type") == "application/json", sourceLocation: sourceLocation)
        let requestID = answer.header("x-obs-request-id")
        #expect(requestID != nil && answer.json?.string("request_id") == requestID, sourceLocation: sourceLocation)
        #expect(answer.json?.string("message")?.isEmpty == false, sourceLocation: sourceLocation)
    }

    @Test func badRequestsGetDocumented4xxAndTheServerKeepsServing() async throws {
        try await withEmulator(EmulatorConfiguration(scenario: .demo, maxBodyBytes: 64 * 1024)) { emulator, client in
            let start = "/v2/workflows/thumbnails"
            expectRefusal(try await rawRequest(emulator, "POST", start, body: Array("{\"bucket\": ".utf8)), 400, "MalformedJSON")
            expectRefusal(try await rawRequest(emulator, "POST", start, body: Array("[1,2]".utf8)), 400, "MalformedJSON")
            expectRefusal(try await rawRequest(emulator, "POST", start, body: []), 400, "MalformedJSON")
            expectRefusal(try await rawRequest(emulator, "POST", start, body: Array(#"{"bucket":"b"}"#.utf8)), 400, "InvalidArgument")
            expectRefusal(
                try await rawRequest(emulator, "POST", start, body: Array(#"{"bucket":"b","object":"o","inputs":[1]}"#.utf8)),
                400, "InvalidArgument")
            let huge = Array(("{\"bucket\":\"b\",\"object\":\"" + String(repeating: "x", count: 100_000) + "\"}").utf8)
            expectRefusal(try await rawRequest(emulator, "POST", start, body: huge), 400, "EntityTooLarge")
            expectRefusal(try await rawRequest(emulator, "POST", "/v2/workflows/nope", body: Array(#"{"bucket":"b","object":"o"}"#.utf8)), 404, "WorkflowNotFound")
            expectRefusal(try await rawRequest(emulator, "GET", "/v2/workflows/no-such-graph"), 404, "WorkflowNotFound")
            expectRefusal(try await rawRequest(emulator, "GET", "/v2/workflowexecutions/exec-9999?x-workflow-graph-name=thumbnails"), 404, "ExecutionNotFound")
            expectRefusal(try await rawRequest(emulator, "PUT", "/v2/workflowexecutions/no-such?x-workflow-graph-name=thumbnails"), 404, "ExecutionNotFound")
            for limit in ["0", "1001", "-3", "ten", ""] {
                expectRefusal(
                    try await rawRequest(emulator, "GET", "/v2/workflowexecutions?x-workflow-graph-name=thumbnails&x-workflow-limit=\(limit)"),
                    400, "InvalidArgument")
            }
            expectRefusal(try await rawRequest(emulator, "GET", "/v2/workflows/?x-workflow-prefix&x-workflow-start=-1"), 400, "InvalidArgument")
            expectRefusal(try await rawRequest(emulator, "GET", "/v2/workflowexecutions?x-workflow-graph-name=thumbnails&x-workflow-execution-state=DONE"), 400, "InvalidArgument")
            expectRefusal(try await rawRequest(emulator, "GET", "/v2/workflowexecutions?x-workflow-graph-name=thumbnails&x-workflow-execution-type=CRON"), 400, "InvalidArgument")
            expectRefusal(try await rawRequest(emulator, "GET", "/v2/workflowexecutions"), 400, "InvalidArgument")
            for name in ["-starts-with-dash", "has%20space", "has%2Fslash", String(repeating: "a", count: 65), "%C3%A9t%C3%A9"] {
                expectRefusal(try await rawRequest(emulator, "GET", "/v2/workflows/\(name)"), 400, "InvalidName")
            }
            expectRefusal(
                try await rawRequest(emulator, "POST", "/v2/workflows/bad%20name?x-workflow-create", body: Array(#"{"states":[{"state_name":"a"}]}"#.utf8)),
                400, "InvalidName")
            expectRefusal(try await rawRequest(emulator, "POST", "/v2/workflows/g?x-workflow-create", body: Array(#"{"states":[]}"#.utf8)), 400, "InvalidArgument")
            expectRefusal(try await rawRequest(emulator, "GET", "/v4/anything"), 404, "NoSuchResource")
            expectRefusal(try await rawRequest(emulator, "GET", "/v2/workflows/a/b"), 404, "NoSuchResource")
            expectRefusal(try await rawRequest(emulator, "PATCH", "/v2/workflows/thumbnails"), 405, "MethodNotAllowed")

            // Still serving, state intact.
            #expect(try await client.executions(graph: "thumbnails").collect().count == 320)
        }
    }

    @Test func signatureChecks() async throws {
        try await withEmulator(EmulatorConfiguration(scenario: .demo)) { emulator, _ in
            let target = "/v2/workflows/?x-workflow-prefix"
            #expect(try await rawRequest(emulator, "GET", target).status == 200)
            expectRefusal(try await rawRequest(emulator, "GET", target, credentials: nil), 403, "AccessDenied")
            let wrongSecret = Credentials(accessKeyID: demoKeys.accessKeyID, secretAccessKey: Secret("wrong"))
            let refused = try await rawRequest(emulator, "GET", target, credentials: wrongSecret)
            expectRefusal(refused, 403, "SignatureDoesNotMatch")
            #expect(refused.json?.string("message") == "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
            let unknownKey = Credentials(accessKeyID: "NOSUCHKEY", secretAccessKey: Secret("x"))
            expectRefusal(try await rawRequest(emulator, "GET", target, credentials: unknownKey), 403, "InvalidAccessKeyId")
            expectRefusal(try await rawRequest(emulator, "GET", target, omitDate: true), 403, "AccessDenied")
            expectRefusal(try await rawRequest(emulator, "GET", target, dateOffsetSeconds: 16 * 60), 403, "RequestTimeTooSkewed")
            expectRefusal(try await rawRequest(emulator, "GET", target, dateOffsetSeconds: -16 * 60), 403, "RequestTimeTooSkewed")
            #expect(try await rawRequest(emulator, "GET", target, dateOffsetSeconds: 14 * 60).status == 200)
            // A signed header cannot be changed in flight: the signature covers x-obs-* headers.
            let tampered = try await rawRequest(emulator, "GET", target, extraHeaders: [("x-obs-meta-a", "1")])
            #expect(tampered.status == 200)
        }
    }

    @Test func bothSubresourceRulesAreAccepted() async throws {
        try await withEmulator(EmulatorConfiguration(scenario: .demo)) { emulator, _ in
            let target = "/v2/workflowexecutions?x-workflow-graph-name=thumbnails&x-workflow-next-marker=APICALLexec-0010&x-workflow-limit=5&x-workflow-execution-type=APICALL"
            let (path, query) = SignatureCheck.splitTarget(target)!
            let date = WireDate.rfc1123(epochSeconds: WallClock.nowMilliseconds() / 1000)
            for rule in SubresourceRule.allCases {
                let headers = [("Content-Type", "application/json"), ("Date", date)]
                let text = OBSSigner.stringToSign(method: "GET", path: path, query: query, headers: headers, rule: rule)
                let authorization = OBSSigner.authorization(stringToSign: text, credentials: demoKeys)
                let answer = try await rawRequest(
                    emulator, "GET", target, credentials: nil, omitDate: true,
                    extraHeaders: [("Date", date), ("Authorization", authorization)])
                #expect(answer.status == 200, "\(rule)")
                #expect(answer.json?.int("count") == 5)
            }
        }
    }

    @Test func temporaryCredentialsWithXObsDate() async throws {
        try await withEmulator(EmulatorConfiguration(scenario: .demo)) { emulator, _ in
            let date = WireDate.rfc1123(epochSeconds: WallClock.nowMilliseconds() / 1000)
            let headers = [("Content-Type", "application/json"), ("x-obs-date", date), ("x-obs-security-token", "TOKEN")]
            let text = OBSSigner.stringToSign(method: "GET", path: "/v2/workflows/thumbnails", query: [], headers: headers)
            let answer = try await rawRequest(
                emulator, "GET", "/v2/workflows/thumbnails", credentials: nil, omitDate: true,
                extraHeaders: [("x-obs-date", date), ("x-obs-security-token", "TOKEN"),
                    ("Authorization", OBSSigner.authorization(stringToSign: text, credentials: demoKeys))])
            #expect(answer.status == 200)
        }
    }
}
