import Foundation
import OBSWorkflow
import Testing

/// The sixteen DWR v3 vectors made by the official Huawei Cloud SDK's own signer
/// (docs/reference/dwr/dwr-signing-vectors.json, with the script that made them). Each
/// request is built with our DWR request builders and signed by the transport's DWR signer,
/// so the test covers path, query and body encoding as well as the signature; the server
/// side (the emulator's check) must accept each request exactly as the SDK put it on the wire.
@Suite(.timeLimit(.minutes(5))) struct DWRSignerTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var json: JSONObject
        var id: String { json.string("id") ?? "?" }
        var testDescription: String { id }
        var inputs: JSONObject { json.object("raw_inputs") ?? [:] }
        var signedHeaders: [String] { json.array("signed_headers")?.compactMap(\.stringValue) ?? [] }
        var wireHeaders: [(String, String)] {
            (json.array("headers_on_wire") ?? []).compactMap { pair in
                guard let items = pair.arrayValue, items.count == 2, let name = items[0].stringValue,
                    let value = items[1].stringValue
                else { return nil }
                return (name, value)
            }
        }
        var body: [UInt8] { Array(Data(base64Encoded: json.string("body_b64") ?? "") ?? Data()) }
    }

    static let file: JSONObject = {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/reference/dwr/dwr-signing-vectors.json")
        let bytes = (try? Data(contentsOf: url)).map { Array($0) } ?? []
        return (try? JSONParser.parse(bytes))?.objectValue ?? [:]
    }()

    static let vectors: [Vector] = (file.array("vectors") ?? []).compactMap { $0.objectValue.map(Vector.init(json:)) }
    static let projectID = file.string("project_id") ?? ""
    static let userAgent = "huaweicloud-usdk-python/3.0; obsw-dwr-vectors/1.0"

    static func credentials(withToken: Bool) -> Credentials {
        Credentials(
            accessKeyID: file.string("ak") ?? "", secretAccessKey: Secret(file.string("sk") ?? ""),
            securityToken: withToken ? Secret(file.string("security_token") ?? "") : nil)
    }

    /// Our request for the SDK call the vector records.
    static func request(_ vector: Vector) throws -> WorkflowRequest {
        let inputs = vector.inputs
        let graph = inputs.string("graph_name") ?? ""
        switch vector.json.string("sdk_operation") {
        case "list_workflow_instance":
            return .DWR.listExecutions(
                projectID: projectID, graph: graph, status: inputs.string("status"), startTime: inputs.string("start_time"),
                endTime: inputs.string("end_time"), offset: inputs.int("offset"), limit: inputs.int("limit"))
        case "show_workflow_instance":
            return .DWR.getExecution(projectID: projectID, graph: graph, name: inputs.string("execution_name") ?? "")
        case "restore_workflow_execution":
            return .DWR.retryExecution(projectID: projectID, graph: graph, name: inputs.string("execution_name") ?? "")
        case "async_invoke_api_start_workflow":
            return .DWR.startExecution(projectID: projectID, graph: graph, body: inputs.object("body"))
        case "list_workflows":
            return .DWR.listWorkflows(
                projectID: projectID, prefix: inputs.string("prefix"), offset: inputs.int("offset"), limit: inputs.int("limit"))
        case "show_workflow_info":
            return .DWR.getWorkflow(projectID: projectID, graph: graph)
        case let other:
            Issue.record("unknown operation \(other ?? "nil")")
            throw CancellationError()
        }
    }

    @Test func theFileHoldsAllSixteen() {
        #expect(Self.vectors.count == 16)
        #expect(Set(Self.vectors.map(\.id)).count == 16)
    }

    @Test(arguments: vectors) func vectorReproducesByteForByte(_ vector: Vector) throws {
        let request = try Self.request(vector)
        #expect(request.target == vector.json.string("path_url"))
        #expect(request.bodyBytes == vector.body, "body \(String(decoding: request.bodyBytes, as: UTF8.self))")
        let url = try #require(vector.json.string("url"))
        let origin = String(url[..<(url.firstRange(of: "/v3/")?.lowerBound ?? url.endIndex)])
        let endpoint = try Endpoint(parsing: origin)
        let date = try #require(vector.json.string("x_sdk_date"))
        let now = try #require(WireDate.parseSDKDate(date))
        // V16 is the SDK told to leave Content-Type off a GET.
        var headers: [(String, String)] = vector.signedHeaders.contains("content-type") ? [("Content-Type", "application/json")] : []
        headers.append(("User-Agent", Self.userAgent))
        DWRRequestSigner(projectID: Self.projectID).sign(
            request, body: request.bodyBytes, headers: &headers, endpoint: endpoint,
            credentials: Self.credentials(withToken: vector.signedHeaders.contains("x-security-token")), nowEpochSeconds: now)
        let authorization = headers.first { $0.0 == "Authorization" }?.1
        #expect(authorization == vector.json.string("authorization"))
        // Every signed header went on the wire with the SDK's value.
        for name in vector.signedHeaders {
            let ours = headers.first { $0.0.lowercased() == name }?.1
            let theirs = vector.wireHeaders.first { $0.0.lowercased() == name }?.1
            #expect(ours == theirs, "\(name)")
        }
        // The intermediate strings too, so a mismatch says where.
        let signed = DWRSigner.canonicalHeaders(headers.filter { $0.0 != "Authorization" })
        let canonical = DWRSigner.canonicalRequest(
            method: request.method, canonicalURI: DWRSigner.canonicalURI(wirePath: request.path) ?? "",
            canonicalQuery: DWRSigner.canonicalQuery(request.query), signedHeaders: signed,
            payloadHash: DWRSigner.payloadHash(request.bodyBytes))
        #expect(canonical == vector.json.string("canonical_request"))
        #expect(DWRSigner.stringToSign(date: date, canonicalRequest: canonical) == vector.json.string("string_to_sign"))
    }

    /// The emulator's check accepts each request exactly as the SDK sent it, and refuses it
    /// with another key, another path or another body.
    @Test(arguments: vectors) func serverCheckAcceptsTheSDKsRequestAsSent(_ vector: Vector) throws {
        let authorization = try #require(vector.json.string("authorization"))
        let target = try #require(vector.json.string("path_url"))
        let method = try #require(vector.json.string("method"))
        let key = Self.credentials(withToken: false).secretAccessKey
        func check(_ target: String, body: [UInt8], secret: Secret) -> Bool {
            DWRSigner.isValid(
                authorization: authorization, method: method, target: target, headers: vector.wireHeaders, body: body,
                secret: { $0 == Self.credentials(withToken: false).accessKeyID ? secret : nil })
        }
        #expect(check(target, body: vector.body, secret: key))
        #expect(!check(target, body: vector.body, secret: Secret("another-secret")))
        #expect(!check(target.replacing("/v3/", with: "/v3/x"), body: vector.body, secret: key))
        #expect(!check(target, body: vector.body + Array("x".utf8), secret: key))
    }

    @Test func authorizationHeadersParseAndMalformedOnesDoNot() {
        let parsed = DWRSigner.parse(authorization: "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=abc")
        #expect(parsed == DWRSigner.Parsed(accessKeyID: "AK1", signedHeaders: ["host", "x-sdk-date"], signature: "abc"))
        for bad in ["", "SDK-HMAC-SHA256", "OBS AK:sig", "SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature=a",
            "SDK-HMAC-SHA256 Access=A, Signature=a", "SDK-HMAC-SHA256 Access=A SignedHeaders=host Signature=a"]
        {
            #expect(DWRSigner.parse(authorization: bad) == nil, "\(bad)")
        }
    }

    @Test func sdkDatesRoundTripAndRejectOtherForms() {
        #expect(WireDate.sdkDate(epochSeconds: 1_735_787_045) == "20250102T030405Z")
        #expect(WireDate.parseSDKDate("20250102T030405Z") == 1_735_787_045)
        for bad in ["", "2025-01-02T03:04:05Z", "20250102T030405", "20251302T030405Z", "2025010XT030405Z", "20250102T250405Z"] {
            #expect(WireDate.parseSDKDate(bad) == nil, "\(bad)")
        }
        #expect(WireDate.iso8601Seconds(epochSeconds: 1_735_787_045) == "2025-01-02T03:04:05Z")
    }

    @Test func bodiesAreWrittenAsTheSDKWritesThem() {
        let body: JSONValue = ["bucket": "b", "object": "été 😀\"\\\n", "inputs": ["n": .int(1), "ok": .bool(true)]]
        #expect(
            String(decoding: body.sdkStyleJSONBytes, as: UTF8.self)
                == #"{"bucket": "b", "object": "\u00e9t\u00e9 \ud83d\ude00\"\\\n", "inputs": {"n": 1, "ok": true}}"#)
    }
}
