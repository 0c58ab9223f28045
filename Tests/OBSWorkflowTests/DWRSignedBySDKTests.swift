import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OBSWTestSupport
import OBSWorkflow
import Testing

/// obsw's DWR client against a small server of our own that re-signs every request with
/// the official SDK's signer (Tests/Conformance/dwr_signer_server.py): every operation the
/// client uses, names that need encoding, a body with non-ASCII text, temporary
/// credentials, and a listing long enough to page.
@Suite(.timeLimit(.minutes(5))) struct DWRSignedBySDKTests {
    static let project = "0123456789abcdef0123456789abcdef"
    static let credentials = Credentials(
        accessKeyID: "DWRTESTAK0000EXAMPLE", secretAccessKey: Secret("dwrTestSecretKey0000000000000000EXAMPLE0"),
        securityToken: Secret("a-temporary+token/with=chars"))

    @Test func everyRequestIsTheOneTheSDKsSignerMakes() async throws {
        let python = try #require(SDKPython.path, "the official SDKs are not installed: run scripts/setup-sdk (scripts/test does)")
        let script = SDKPython.packageRoot.appendingPathComponent("Tests/Conformance/dwr_signer_server.py")
        let (server, banner) = try await startProgram(
            URL(fileURLWithPath: python),
            [script.path, Self.credentials.accessKeyID, Self.credentials.secretAccessKey.reveal(), Self.project],
            readyWhenOutputHas: "listening on")
        // SIGKILL at once: a test process may hand its children SIGTERM ignored, and this
        // server keeps nothing worth a clean stop.
        defer { end(server, grace: 0) }
        let port = try #require(banner.firstMatch(of: /listening on (\d+)/).map { String($0.1) }, "\(banner)")
        let client = try DWRWorkflowClient(
            settings: TransportSettings(
                endpoint: try Endpoint(parsing: "http://127.0.0.1:\(port)"), credentials: Self.credentials,
                retry: RetryPolicy(maxAttempts: 1), requestTimeout: .seconds(30)),
            projectID: Self.project)
        let report = try await afterwards({ () async throws -> JSONObject in
            let graph = "graph é+ 1"
            let workflows = try await client.workflows().collect()
            #expect(workflows.compactMap(\.name) == [graph, "many"])
            let detail = try await client.workflow(named: graph)
            #expect(detail.stateOrder == ["fetch", "work"])
            let many = try await client.executions(
                graph: "many", state: .failed, window: TimeWindow(since: WallClock.nowMilliseconds() - 7 * 86_400_000)).collect()
            #expect(many.count == 450)
            let name = "run é+/2~"
            let info = try await client.execution(graph: graph, name: name)
            #expect(info.failedStates.map(\.name) == ["work"])
            let resumed = try await client.restoreExecution(graph: graph, name: name)
            #expect(resumed.restored.executionName == name)
            let started = try await client.startExecution(
                graph: graph, bucket: "demo", object: "photos/été 1+1=2~.jpg", inputs: ["quality": "80"])
            #expect(started.executionName == "started-photos/été 1+1=2~.jpg")
            // The check can fail: a request signed with another secret is refused.
            var wrong = Self.credentials
            wrong.secretAccessKey = Secret("not-the-secret")
            let other = try DWRWorkflowClient(
                settings: TransportSettings(
                    endpoint: try Endpoint(parsing: "http://127.0.0.1:\(port)"), credentials: wrong, retry: RetryPolicy(maxAttempts: 1)),
                projectID: Self.project)
            do {
                _ = try await other.workflow(named: graph)
                Issue.record("a wrong secret was accepted")
            } catch let error as OBSWorkflowError {
                #expect(error.serviceError?.status == 401 && error.serviceError?.code == "APIG.0301", "\(error)")
            }
            await other.shutdown()
            return try await Self.report(port: port)
        }) {
            await client.shutdown()
        }
        let verified = report.array("verified")?.compactMap(\.stringValue) ?? []
        let refused = report.array("refused")?.compactMap(\.stringValue) ?? []
        #expect(refused.count == 1 && refused.first?.contains("signature: sent") == true, "only the wrong secret: \(refused)")
        // list workflows, show workflow, three pages, show execution (with the workflow's
        // states, read once and kept: a second show workflow), retry, start.
        #expect(verified.count == 9, "\(verified)")
        #expect(verified.contains { $0.hasPrefix("POST ") && $0.hasSuffix("/workflowexecution/run%20%C3%A9%2B%2F2~/retry") }, "\(verified)")
    }

    static func report(port: String) async throws -> JSONObject {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/-/report")!)
        return try JSONParser.parse(Array(data)).objectValue ?? [:]
    }
}
