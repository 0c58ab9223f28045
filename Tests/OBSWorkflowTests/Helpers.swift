import OBSWTestSupport
import OBSWorkflow
import Testing

let testCredentials = Credentials(
    accessKeyID: "AKTESTKEY0000001", secretAccessKey: Secret("test-secret-key/with+chars="))

extension RetryPolicy {
    /// Real retry logic with millisecond waits, so tests stay quick.
    static let fast = RetryPolicy(
        maxAttempts: 4, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20), maxRetryAfter: .seconds(5))
}

// A generous timeout (the suites' limits are 5 minutes): on a loaded machine — the full suite
// runs dozens of processes beside these — a slow first answer must not turn into a retry
// that the test would then count as a second request.
func makeClient(
    _ server: TestHTTPServer, retry: RetryPolicy = .fast, requestTimeout: Duration = .seconds(240),
    credentials: Credentials = testCredentials
) throws -> OBSWorkflowClient {
    try OBSWorkflowClient(
        settings: TransportSettings(
            endpoint: Endpoint(parsing: server.endpoint), credentials: credentials, retry: retry,
            requestTimeout: requestTimeout))
}

/// Whether the server received a correctly signed request.
func isSigned(_ request: RecordedRequest, bucket: String? = nil, credentials: Credentials = testCredentials) -> Bool {
    guard let authorization = request.header("authorization") else { return false }
    return SignatureCheck.isValid(
        authorization: authorization, method: request.method, target: request.target, headers: request.headers,
        bucket: bucket, credentials: credentials)
}

/// Runs `body` with a started server and a client against it, then shuts both down.
func withServer<T>(
    retry: RetryPolicy = .fast, requestTimeout: Duration = .seconds(240),
    handler: @escaping TestHTTPServer.Handler,
    _ body: (TestHTTPServer, OBSWorkflowClient) async throws -> T
) async throws -> T {
    let server = try await TestHTTPServer.start(handler: handler)
    let client = try makeClient(server, retry: retry, requestTimeout: requestTimeout)
    return try await afterwards({ try await body(server, client) }) {
        await client.shutdown()
        await server.stop()
    }
}

/// Catches the typed error of a client call.
func clientError(_ call: () async throws -> Void) async -> OBSWorkflowError? {
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
