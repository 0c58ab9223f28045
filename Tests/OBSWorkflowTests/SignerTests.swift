import Foundation
import OBSWorkflow
import Testing

/// The twelve vectors made by the official Python SDK's signer
/// (docs/reference/signing-vectors.txt). Each request is built with our request builders,
/// so the test covers path and query encoding as well as the signature.
@Suite(.timeLimit(.minutes(5))) struct SignerTests {
    static let credentials = Credentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
    static let date = "Thu, 27 Aug 2020 12:38:10 GMT"
    static let standardHeaders = [("Content-Type", "application/json"), ("Date", date)]

    struct Vector: Sendable, CustomTestStringConvertible {
        var id: String
        var request: WorkflowRequest
        var target: String
        var headers: [(String, String)]
        var stringToSign: String
        var authorization: String
        var testDescription: String { id }
    }

    static let vectors: [Vector] = [
        Vector(
            id: "V1", request: .getExecution(graph: "graph-1", name: "exec-0001"),
            target: "/v2/workflowexecutions/exec-0001?x-workflow-graph-name=graph-1", headers: standardHeaders,
            stringToSign: "GET\n\napplication/json\n\(date)\n/v2/workflowexecutions/exec-0001?x-workflow-graph-name=graph-1",
            authorization: "OBS AKIAIOSFODNN7EXAMPLE:N6WHNXG1JNYysuU+5yZTaZVUVIQ="),
        Vector(
            id: "V2", request: .restoreExecution(graph: "graph-1", name: "exec-0001"),
            target: "/v2/workflowexecutions/exec-0001?x-workflow-graph-name=graph-1", headers: standardHeaders,
            stringToSign: "PUT\n\napplication/json\n\(date)\n/v2/workflowexecutions/exec-0001?x-workflow-graph-name=graph-1",
            authorization: "OBS AKIAIOSFODNN7EXAMPLE:OHv7JH1BBYvkfb6kKMM7Cbkqd3E="),
        Vector(
            id: "V3",
            request: .listExecutions(graph: "graph-1", type: .apiCall, marker: "APICALLexec-0001", limit: 10),
            target:
                "/v2/workflowexecutions?x-workflow-graph-name=graph-1&x-workflow-next-marker=APICALLexec-0001&x-workflow-limit=10&x-workflow-execution-type=APICALL",
            headers: standardHeaders,
            stringToSign:
                "GET\n\napplication/json\n\(date)\n/v2/workflowexecutions?x-workflow-execution-type=APICALL&x-workflow-graph-name=graph-1&x-workflow-limit=10&x-workflow-next-marker=APICALLexec-0001",
            authorization: "OBS AKIAIOSFODNN7EXAMPLE:QCRIfDR80hje13i597hTBnf38KI="),
        Vector(
            id: "V4", request: .startExecution(graph: "graph-1", bucket: "b", object: "o"),
            target: "/v2/workflows/graph-1", headers: standardHeaders,
            stringToSign: "POST\n\napplication/json\n\(date)\n/v2/workflows/graph-1",
            authorization: "OBS AKIAIOSFODNN7EXAMPLE:s03uHRh28aA7bITRiPKAZH5KXbU="),
        Vector(
            id: "V5", request: .createWorkflowFromTemplate(name: "graph-1", template: "tmpl-1", agency: "a"),
            target: "/v2/workflows/graph-1?x-workflow-template-name=tmpl-1", headers: standardHeaders,
            stringToSign: "POST\n\napplication/json\n\(date)\n/v2/workflows/graph-1?x-workflow-template-name=tmpl-1",
            authorization: "OBS AKIAIOSFODNN7EXAMPLE:XWaTDL1g+ikHndcxgKWSo3fGHMU="),
        Vector(
            id: "V6", request: .listWorkflows(), target: "/v2/workflows/?x-workflow-prefix", headers: standardHeaders,
            stringToSign: "GET\n\napplication/json\n\(date)\n/v2/workflows/?x-workflow-prefix",
            authorization: "OBS AKIAIOSFODNN7EXAMPLE:+5R8SqslLRNc82cDbANNzqygypg="),
        Vector(
            id: "V7", request: .listTemplates(prefix: "tm", start: 2, limit: 5),
            target: "/v2/workflowtemplates/tm?x-workflow-prefix&x-workflow-start=2&x-workflow-limit=5",
            headers: standardHeaders,
            stringToSign:
                "GET\n\napplication/json\n\(date)\n/v2/workflowtemplates/tm?x-workflow-limit=5&x-workflow-prefix&x-workflow-start=2",
            authorization: "OBS AKIAIOSFODNN7EXAMPLE:VIBOmuA3RHFmBpI4hwj4TyxDfeQ="),
        Vector(
            id: "V8", request: .deleteTemplate(name: "tmpl-1"), target: "/v2/workflowtemplates/tmpl-1",
            headers: standardHeaders,
            stringToSign: "DELETE\n\napplication/json\n\(date)\n/v2/workflowtemplates/tmpl-1",
            authorization: "OBS AKIAIOSFODNN7EXAMPLE:jqRR9+80O/hD8o4keGzLxqEmCGA="),
        Vector(
            id: "V9", request: .putTriggerPolicy(bucket: "demo-bucket", rules: []), target: "/?obsworkflowtriggerpolicy",
            headers: standardHeaders,
            stringToSign: "PUT\n\napplication/json\n\(date)\n/demo-bucket/?obsworkflowtriggerpolicy",
            authorization: "OBS AKIAIOSFODNN7EXAMPLE:y8l4AS1QFqMh/WApVC+jxgT/tfg="),
        Vector(
            id: "V10", request: .listExecutions(graph: "graph 1", marker: "TRIGGERCALa+b/c=d"),
            target: "/v2/workflowexecutions?x-workflow-graph-name=graph%201&x-workflow-next-marker=TRIGGERCALa%2Bb/c%3Dd",
            headers: standardHeaders,
            stringToSign:
                "GET\n\napplication/json\n\(date)\n/v2/workflowexecutions?x-workflow-graph-name=graph 1&x-workflow-next-marker=TRIGGERCALa+b/c=d",
            authorization: "OBS AKIAIOSFODNN7EXAMPLE:YCXW1mT4RBI+vBAn+uvIhWQRZbM="),
        Vector(
            id: "V11", request: .getExecution(graph: "graph-1", name: "exec-0001"),
            target: "/v2/workflowexecutions/exec-0001?x-workflow-graph-name=graph-1",
            headers: [
                ("Content-Type", "application/json"), ("x-obs-date", date),
                ("x-obs-security-token", "SECURITYTOKENEXAMPLE"),
            ],
            stringToSign:
                "GET\n\napplication/json\n\nx-obs-date:\(date)\nx-obs-security-token:SECURITYTOKENEXAMPLE\n/v2/workflowexecutions/exec-0001?x-workflow-graph-name=graph-1",
            authorization: "OBS AKIAIOSFODNN7EXAMPLE:wSKlAWmWNMywtTDbSyaRMFDz2Sc="),
        Vector(
            id: "V12", request: .getWorkflow(name: "g 1é"), target: "/v2/workflows/g%201%C3%A9", headers: standardHeaders,
            stringToSign: "GET\n\napplication/json\n\(date)\n/v2/workflows/g%201%C3%A9",
            authorization: "OBS AKIAIOSFODNN7EXAMPLE:jB1irNB2x+ZwkJTbmMq4+vtJz3k="),
    ]

    @Test(arguments: vectors)
    func vectorReproducesByteForByte(_ v: Vector) {
        #expect(v.request.target == v.target)
        let text = OBSSigner.stringToSign(
            method: v.request.method, path: v.request.path, query: v.request.query, headers: v.headers,
            bucket: v.request.bucket)
        #expect(text == v.stringToSign)
        #expect(OBSSigner.authorization(stringToSign: text, credentials: Self.credentials) == v.authorization)
    }

    @Test(arguments: vectors)
    func verifierAcceptsVectorAsReceivedOnTheWire(_ v: Vector) {
        #expect(
            SignatureCheck.isValid(
                authorization: v.authorization, method: v.request.method, target: v.target, headers: v.headers,
                bucket: v.request.bucket, credentials: Self.credentials))
        let wrongKey = Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: Secret("other"))
        #expect(
            !SignatureCheck.isValid(
                authorization: v.authorization, method: v.request.method, target: v.target, headers: v.headers,
                bucket: v.request.bucket, credentials: wrongKey))
    }

    /// Guards against a transcription slip above: every string-to-sign in the vector file
    /// (docs/reference/signing-vectors.txt, a copy of the published vectors) signs to the
    /// Authorization written beside it.
    @Test func sharedVectorFileAgrees() throws {
        let path = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/reference/signing-vectors.txt").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var pending: String?
        var checked = 0
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("StringToSign: \"") {
                pending = String(trimmed.dropFirst(15).dropLast()).replacingOccurrences(of: "\\n", with: "\n")
            } else if trimmed.hasPrefix("Authorization: "), let stringToSign = pending {
                #expect(
                    OBSSigner.authorization(stringToSign: stringToSign, credentials: Self.credentials)
                        == String(trimmed.dropFirst(15)))
                checked += 1
            }
        }
        #expect(checked == 12)
        #expect(Set(Self.vectors.map(\.authorization)).count == 12)
    }

    @Test func awsPublishedHMACExample() {
        let text = "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg"
        #expect(
            OBSSigner.signature(stringToSign: text, secretAccessKey: Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
                == "qgk2+6Sv9/oM7G3qLEjTH1a1l1g=")
    }

    @Test func browserRuleLeavesMarkerAndTypeUnsigned() {
        let request = WorkflowRequest.listExecutions(graph: "g", type: .apiCall, marker: "APICALLx")
        let resource = OBSSigner.canonicalResource(path: request.path, query: request.query, rule: .browserSDK)
        #expect(resource == "/v2/workflowexecutions?x-workflow-graph-name=g")
    }

    @Test func namesWithSlashStayOneSegment() {
        #expect(WorkflowRequest.getExecution(graph: "g", name: "a/b").path == "/v2/workflowexecutions/a%2Fb")
        #expect(PercentEncoding.decode("a%2Fb%20%C3%A9") == "a/b é")
        #expect(PercentEncoding.decode("%zz") == nil)
    }

    @Test func httpDatesRoundTrip() {
        #expect(WireDate.rfc1123(epochSeconds: 1_598_531_890) == "Thu, 27 Aug 2020 12:38:10 GMT")
        #expect(WireDate.parseRFC1123("Thu, 27 Aug 2020 12:38:10 GMT") == 1_598_531_890)
        #expect(WireDate.iso8601(epochMilliseconds: 1_587_645_131_131) == "2020-04-23T12:32:11.131Z")
        #expect(WireDate.parseISO8601("2020-04-23T12:32:11.131Z") == 1_587_645_131_131)
        #expect(WireDate.parseISO8601("2020-04-23T12:32:11Z") == 1_587_645_131_000)
        #expect(WireDate.parseISO8601("2020-04-23 nonsense") == nil)
        #expect(WireDate.rfc1123(epochSeconds: 951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
    }

    /// Years before 1000 were written without their zeros (`999-05-01T…`): not ISO 8601,
    /// and obsw's own readers (the DWR face among them) refused what obsw wrote.
    @Test func everyYearIsWrittenAsISO8601Reads() {
        let may999 = WireDate.parseISO8601("0999-05-01T10:20:30.040Z")
        #expect(may999 != nil)
        #expect(WireDate.iso8601(epochMilliseconds: may999!) == "0999-05-01T10:20:30.040Z")
        let seconds = WireDate.parseISO8601("0999-05-01T10:20:30Z")! / 1000
        #expect(WireDate.iso8601Seconds(epochSeconds: seconds) == "0999-05-01T10:20:30Z")
        #expect(WireDate.sdkDate(epochSeconds: seconds) == "09990501T102030Z")
        #expect(WireDate.rfc1123(epochSeconds: seconds).hasSuffix(" May 0999 10:20:30 GMT"))
        let year5 = WireDate.parseISO8601("0005-01-01T00:00:00Z")!
        #expect(WireDate.iso8601Seconds(epochSeconds: year5 / 1000) == "0005-01-01T00:00:00Z")
        for year in [1, 9, 10, 99, 100, 999, 1000, 9999] {
            let text = WireDate.iso8601(epochMilliseconds: WireDate.parseISO8601("\(String(repeating: "0", count: 4 - String(year).count))\(year)-06-15T00:00:00Z")!)
            #expect(WireDate.parseISO8601(text) != nil, "\(text) reads back")
        }
        // Beyond four digits ISO 8601 takes a sign (its expanded form); never a bare year.
        #expect(WireDate.iso8601Seconds(epochSeconds: 253_402_300_800).hasPrefix("+10000-01-01"))
        #expect(WireDate.iso8601Seconds(epochSeconds: -62_198_755_200).hasPrefix("-0001-"))
    }
}
