import AsyncHTTPClient
import NIOCore
import OBSWorkflow
import OBSWorkflowEmulator
import OBSWTestSupport
import Testing

let demoKeys = EmulatorConfiguration.demoCredentials

/// Runs `body` against a fresh in-process emulator and a client signed with its keys.
func withEmulator<T>(
    _ configuration: EmulatorConfiguration = EmulatorConfiguration(scenario: .empty),
    retry: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20)),
    requestTimeout: Duration = .seconds(240),
    _ body: (WorkflowEmulator, OBSWorkflowClient) async throws -> T
) async throws -> T {
    let emulator = try await WorkflowEmulator.start(configuration)
    let client = try OBSWorkflowClient(
        settings: TransportSettings(
            endpoint: try Endpoint(parsing: emulator.endpoint), credentials: configuration.credentials[0], retry: retry,
            requestTimeout: requestTimeout))
    return try await afterwards({ try await body(emulator, client) }) {
        await client.shutdown()
        await emulator.stop()
    }
}

/// An answer to a hand-made request.
struct RawAnswer {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers.first(where: { $0.0.lowercased() == name.lowercased() })?.1 }
    var json: JSONObject? { (try? JSONParser.parse(body))?.objectValue }
    var code: String? { json?.string("code") }
}

/// Sends exactly what a test says — any body, any headers — signed unless told otherwise,
/// to reach the corners a well-behaved client never visits.
func rawRequest(
    _ emulator: WorkflowEmulator, _ method: String, _ target: String, body: [UInt8]? = nil,
    credentials: Credentials? = demoKeys, dateOffsetSeconds: Int = 0, omitDate: Bool = false,
    extraHeaders: [(String, String)] = []
) async throws -> RawAnswer {
    var headers: [(String, String)] = [("Content-Type", "application/json")] + extraHeaders
    if !omitDate {
        headers.append(("Date", WireDate.rfc1123(epochSeconds: WallClock.nowMilliseconds() / 1000 + dateOffsetSeconds)))
    }
    if let credentials, let (path, query) = SignatureCheck.splitTarget(target) {
        let text = OBSSigner.stringToSign(method: method, path: path, query: query, headers: headers)
        headers.append(("Authorization", OBSSigner.authorization(stringToSign: text, credentials: credentials)))
    }
    var request = HTTPClientRequest(url: emulator.endpoint + target)
    request.method = .init(rawValue: method)
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
    var buffer = try await response.body.collect(upTo: 16 << 20)
    return RawAnswer(
        status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
        body: buffer.readBytes(length: buffer.readableBytes) ?? [])
}

/// A two-state workflow like the demo's `thumbnails`.
func createThumbnails(_ client: OBSWorkflowClient, name: String = "thumbnails") async throws {
    _ = try await client.createWorkflow(
        name: name,
        definition: [
            "description": "test",
            "states": [
                ["state_name": "make-thumbnail", "type": "OPERATION", "start": true, "next_state": "publish"],
                ["state_name": "publish", "type": "OPERATION"],
            ],
        ])
}
