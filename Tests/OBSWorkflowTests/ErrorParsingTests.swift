import OBSWTestSupport
@testable import OBSWorkflow
import Testing

@Suite(.timeLimit(.minutes(5))) struct ErrorParsingTests {
    @Test func jsonBodyOverHTTP() async throws {
        let error = try await withServer(handler: { _, _ in
            .json(404, #"{"code":"WorkflowNotFound","message":"workflow nope does not exist","request_id":"req-123"}"#)
        }) { _, client in
            await clientError { _ = try await client.workflow(named: "nope") }
        }
        let service = try #require(error?.serviceError)
        #expect(service.status == 404)
        #expect(service.code == "WorkflowNotFound")
        #expect(service.message == "workflow nope does not exist")
        #expect(service.requestID == "req-123")
        #expect(service.attempts == 1)
        #expect(service.description.contains("get workflow nope: HTTP 404 WorkflowNotFound"))
    }

    @Test func xmlBodyOverHTTP() async throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match &amp; so on</Message>\
            <RequestId>0000017A</RequestId><HostId>host-9</HostId></Error>
            """
        let error = try await withServer(handler: { _, _ in
            .respond(status: 403, headers: [("Content-Type", "application/xml")], body: xml)
        }) { _, client in
            await clientError { _ = try await client.execution(graph: "g", name: "e") }
        }
        let service = try #require(error?.serviceError)
        #expect(service.status == 403)
        #expect(service.code == "SignatureDoesNotMatch")
        #expect(service.message == "The request signature we calculated does not match & so on")
        #expect(service.requestID == "0000017A")
        #expect(service.hostID == "host-9")
        #expect(service.hint?.contains("secret access key") == true)
    }

    @Test func formsAndFallbacks() {
        // JSON with a charset parameter, and the OEF error_code/error_msg spelling.
        let charset = ErrorBody.parse(
            status: 400, headers: [("Content-Type", "application/json;charset=UTF-8")],
            body: Array(#"{"error_code":"SYS.0010","error_msg":"bad limit"}"#.utf8), operation: "op", attempts: 1)
        #expect(charset.code == "SYS.0010" && charset.message == "bad limit")
        // No content type, XML with CDATA.
        let cdata = ErrorBody.parse(
            status: 409, headers: [],
            body: Array("<Error><Code>Conflict</Code><Message><![CDATA[a <b>]]></Message></Error>".utf8),
            operation: "op", attempts: 1)
        #expect(cdata.code == "Conflict" && cdata.message == "a <b>")
        // A proxy's HTML page: code and id come from headers.
        let html = ErrorBody.parse(
            status: 502,
            headers: [("Content-Type", "text/html"), ("x-obs-request-id", "rid-7"), ("x-obs-error-code", "BadGateway")],
            body: Array("<html>Bad gateway</html>".utf8), operation: "op", attempts: 3)
        #expect(html.code == "BadGateway" && html.requestID == "rid-7" && html.message == nil)
        #expect(html.description.contains("after 3 attempts"))
        // Body fields win over headers; X-Request-ID as in the doc samples.
        let both = ErrorBody.parse(
            status: 404, headers: [("X-Request-ID", "hdr")], body: Array(#"{"code":"X"}"#.utf8), operation: "op",
            attempts: 1)
        #expect(both.requestID == "hdr" && both.code == "X")
        // Empty and truncated bodies still give a status.
        let empty = ErrorBody.parse(status: 500, headers: [], body: [], operation: "op", attempts: 1)
        #expect(empty.status == 500 && empty.code == nil)
        let truncated = ErrorBody.parse(
            status: 500, headers: [("Content-Type", "application/json")], body: Array(#"{"code":"Intern"#.utf8),
            operation: "op", attempts: 1)
        #expect(truncated.status == 500 && truncated.code == nil)
    }

    @Test func skewAndKeyHints() {
        #expect(ServiceError(status: 403, code: "RequestTimeTooSkewed", operation: "op").hint?.contains("clock") == true)
        #expect(ServiceError(status: 404, operation: "op").hint?.contains("workflow service") == true)  // no OBS error at all
        #expect(ServiceError(status: 404, code: "WorkflowNotFound", operation: "op").hint == nil)
        #expect(ServiceError(status: 403, code: "InvalidAccessKeyId", operation: "op").hint?.contains("access key id") == true)
        #expect(ServiceError(status: 429, operation: "op").hint?.contains("throttling") == true)
    }

    @Test func successBodyThatIsNotJSONIsAnInvalidResponse() async throws {
        let error = try await withServer(handler: { _, _ in
            .respond(status: 200, headers: [("Content-Type", "text/html")], body: "<html>welcome to nginx</html>")
        }) { _, client in
            await clientError { _ = try await client.workflow(named: "g") }
        }
        guard case .invalidResponse(let e) = error else {
            Issue.record("expected invalidResponse, got \(String(describing: error))")
            return
        }
        #expect(e.description.contains("not JSON"))
        #expect(e.hint.contains("workflow service"))
    }

    @Test func wrongShapeIsAnInvalidResponse() async throws {
        let error = try await withServer(handler: { _, _ in .json(200, "[1,2,3]") }) { _, client in
            await clientError { _ = try await client.execution(graph: "g", name: "e") }
        }
        guard case .invalidResponse = error else {
            Issue.record("expected invalidResponse, got \(String(describing: error))")
            return
        }
    }
}
