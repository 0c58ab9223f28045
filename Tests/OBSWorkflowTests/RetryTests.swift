import OBSWTestSupport
@testable import OBSWorkflow
import Testing

private let workflowBody = #"{"name":"g","created_at":"2020-01-01T00:00:00.000Z","graph_urn":"urn:g","definition":{}}"#
private let startedBody = #"{"execution_urn":"urn:e","started_at":"2020-01-01T00:00:00.000Z","execution_name":"e1"}"#

@Suite(.timeLimit(.minutes(5))) struct RetryTests {
    @Test(arguments: [500, 502, 503, 504, 429])
    func retriesTransientStatusesThenSucceeds(status: Int) async throws {
        let (detail, requests) = try await withServer(handler: { _, n in
            n <= 2 ? .json(status, #"{"code":"Busy","message":"try later"}"#) : .json(200, workflowBody)
        }) { server, client in
            (try await client.workflow(named: "g"), server.requests)
        }
        #expect(detail.name == "g")
        #expect(requests.count == 3)
        // Every attempt is signed anew and carries its own Date.
        #expect(requests.allSatisfy { isSigned($0) })
        #expect(requests.allSatisfy { $0.header("date") != nil })
    }

    @Test func givesUpAfterMaxAttemptsWithTheLastError() async throws {
        let (error, count) = try await withServer(handler: { _, n in
            .json(503, #"{"code":"ServiceUnavailable","message":"attempt \#(n)","request_id":"r\#(n)"}"#)
        }) { server, client in
            (await clientError { _ = try await client.workflow(named: "g") }, server.requests.count)
        }
        #expect(count == 4)
        let service = try #require(error?.serviceError)
        #expect(service.attempts == 4)
        #expect(service.message == "attempt 4")
        #expect(service.requestID == "r4")
    }

    @Test(arguments: [400, 401, 403, 404, 405, 409, 413])
    func neverRetriesOtherClientErrors(status: Int) async throws {
        let (error, count) = try await withServer(handler: { _, _ in .json(status, #"{"code":"No"}"#) }) {
            server, client in
            (await clientError { _ = try await client.workflow(named: "g") }, server.requests.count)
        }
        #expect(count == 1)
        #expect(error?.serviceError?.status == status)
    }

    @Test func honoursRetryAfter() async throws {
        let started = ContinuousClock.now
        let count = try await withServer(handler: { _, n in
            n == 1 ? .json(429, #"{"code":"SYS.0011"}"#, headers: [("Retry-After", "1")]) : .json(200, workflowBody)
        }) { server, client in
            _ = try await client.workflow(named: "g")
            return server.requests.count
        }
        #expect(count == 2)
        // The fast policy alone would wait at most 20 ms; the service asked for a second.
        #expect(ContinuousClock.now - started >= .milliseconds(950))
    }

    @Test func retryAfterLongerThanAllowedEndsRetries() async throws {
        let (error, count) = try await withServer(handler: { _, _ in
            .json(429, #"{"code":"SYS.0011"}"#, headers: [("Retry-After", "3600")])
        }) { server, client in
            (await clientError { _ = try await client.workflow(named: "g") }, server.requests.count)
        }
        #expect(count == 1)
        #expect(error?.serviceError?.status == 429)
    }

    /// Retry-After comes from outside: a value too large for a Duration ends the retries
    /// (as any wait longer than allowed does) instead of trapping the client.
    @Test(arguments: ["1e300", "10000000000000000", "1.7976931348623157e308"])
    func absurdRetryAfterEndsRetriesWithoutATrap(value: String) async throws {
        let (error, count) = try await withServer(handler: { _, _ in
            .json(429, #"{"code":"SYS.0011"}"#, headers: [("Retry-After", value)])
        }) { server, client in
            (await clientError { _ = try await client.workflow(named: "g") }, server.requests.count)
        }
        #expect(count == 1)
        #expect(error?.serviceError?.status == 429)
    }

    @Test func retryAfterDateWithAHugeYearIsIgnored() async throws {
        // Not a date obsw can hold: the usual backoff applies, and the last 429 is reported.
        let (error, count) = try await withServer(handler: { _, _ in
            .json(429, #"{"code":"SYS.0011"}"#, headers: [("Retry-After", "Thu, 01 Mar 300000000000 00:00:00 GMT")])
        }) { server, client in
            (await clientError { _ = try await client.workflow(named: "g") }, server.requests.count)
        }
        #expect(count == 4)
        #expect(error?.serviceError?.status == 429)
        #expect(WireDate.parseRFC1123("Thu, 01 Mar 300000000000 00:00:00 GMT") == nil)
        #expect(WireDate.parseRFC1123("Fri, 31 Dec 9999 23:59:59 GMT") == 253_402_300_799)
        #expect(RetryPolicy.parseRetryAfter("1e300", nowEpochSeconds: 0) == .seconds(86_400 * 365))
    }

    @Test func droppedConnectionIsRetriedForReads() async throws {
        let (detail, count) = try await withServer(handler: { _, n in n == 1 ? .drop : .json(200, workflowBody) }) {
            server, client in
            (try await client.workflow(named: "g"), server.requests.count)
        }
        #expect(detail.name == "g")
        #expect(count == 2)
    }

    @Test func persistentDropIsANetworkError() async throws {
        let error = try await withServer(handler: { _, _ in .drop }) { _, client in
            await clientError { _ = try await client.workflow(named: "g") }
        }
        guard case .network(let e) = error else {
            Issue.record("expected a network error, got \(String(describing: error))")
            return
        }
        #expect(e.attempts == 4)
        #expect(e.mayHaveReachedService)
    }

    @Test func startIsNotRepeatedAfterAnAmbiguousFailure() async throws {
        // A lost answer to a start may mean the execution exists: repeating could start a second.
        for reply in [TestReply.drop, .json(500, #"{"code":"InternalError"}"#)] {
            let (error, count) = try await withServer(handler: { _, _ in reply }) { server, client in
                (await clientError { _ = try await client.startExecution(graph: "g", bucket: "b", object: "o") },
                 server.requests.count)
            }
            #expect(count == 1)
            #expect(error != nil)
        }
    }

    @Test func startIsRepeatedWhenTheServiceCertainlyDidNotAct() async throws {
        for status in [503, 429] {
            let (started, count) = try await withServer(handler: { _, n in
                n == 1 ? .json(status, #"{"code":"Busy"}"#) : .json(200, startedBody)
            }) { server, client in
                (try await client.startExecution(graph: "g", bucket: "b", object: "o"), server.requests.count)
            }
            #expect(started.executionName == "e1")
            #expect(count == 2)
        }
    }

    @Test func timeoutIsDistinctFromNetworkAndServiceErrors() async throws {
        // The server never answers in time. The client gives up after its second timeout,
        // possibly before the server has read that second request: wait for it (bounded) and
        // then check that no third one came.
        let (error, count) = try await withServer(
            retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(5), maxDelay: .milliseconds(5)),
            requestTimeout: .seconds(1),
            handler: { _, _ in .delayed(.seconds(60), .json(200, workflowBody)) }
        ) { server, client in
            (await clientError { _ = try await client.workflow(named: "g") },
             await server.requests(atLeast: 2).count)
        }
        guard case .timeout(let e) = error else {
            Issue.record("expected a timeout, got \(String(describing: error))")
            return
        }
        #expect(e.attempts == 2)
        #expect(count == 2)
        #expect(e.description.contains("no answer within 1s"))
    }

    @Test func refusedConnectionIsANetworkErrorAfterRetries() async throws {
        // A port bound but not listening: refused, and no other test's server can take it
        // meanwhile (a port freed by a stopped server once went to another test's emulator).
        let closed = try RefusingPort()
        let endpoint = closed.endpoint
        let client = try OBSWorkflowClient(
            settings: TransportSettings(endpoint: try Endpoint(parsing: endpoint), credentials: testCredentials, retry: .fast))
        let error = await clientError { _ = try await client.workflow(named: "g") }
        await client.shutdown()
        withExtendedLifetime(closed) {}
        guard case .network(let e) = error else {
            Issue.record("expected a network error, got \(String(describing: error))")
            return
        }
        #expect(!e.mayHaveReachedService)
        #expect(e.attempts == 4)
    }

    @Test func cancellationStopsRetrying() async throws {
        // Cancelled while the client waits out its backoff (30-60 s, so that a test starved of
        // threads for a while still cancels before a second request) after the first answer.
        try await expectCancelledAfterOneRequest(
            retry: RetryPolicy(maxAttempts: 10, baseDelay: .seconds(60), maxDelay: .seconds(60)), handler: { _, _ in .json(503, "{}") },
            cancelOnceAnswered: true)
    }

    @Test func cancellationEndsARequestInFlight() async throws {
        // The server would answer only after a minute; cancelling must not wait for it.
        try await expectCancelledAfterOneRequest(
            retry: .fast, handler: { _, _ in .delayed(.seconds(60), .json(200, "{}")) }, cancelOnceAnswered: false)
    }

    /// Starts a call, cancels it once the server has seen the first request (or, with
    /// `cancelOnceAnswered`, once it has written its answer: the client is then backing off),
    /// and expects a `cancelled` error with no further request sent.
    func expectCancelledAfterOneRequest(
        retry: RetryPolicy, handler: @escaping TestHTTPServer.Handler, cancelOnceAnswered: Bool
    ) async throws {
        try await withServer(retry: retry, handler: handler) { server, client in
            let task = Task { await clientError { _ = try await client.workflow(named: "g") } }
            #expect(await server.requests(atLeast: 1).count == 1)
            if cancelOnceAnswered { #expect(await server.answers(atLeast: 1) == 1) }
            task.cancel()
            let error = await task.value
            guard case .cancelled = error else {
                Issue.record("expected cancelled, got \(String(describing: error))")
                return
            }
            #expect(server.requests.count == 1)
        }
    }

    // MARK: The policy itself

    @Test func backoffStaysWithinBounds() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(200), maxDelay: .seconds(5))
        var generator = SystemRandomNumberGenerator()
        let ceilings: [Duration] = [.milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600),
            .milliseconds(3200), .seconds(5), .seconds(5), .seconds(5)]
        for (index, ceiling) in ceilings.enumerated() {
            let retry = index + 1
            #expect(policy.exponentialDelay(beforeRetry: retry) == ceiling)
            for _ in 0..<200 {
                let delay = policy.delay(beforeRetry: retry, retryAfter: nil, using: &generator)!
                #expect(delay >= ceiling / 2 && delay <= ceiling, "retry \(retry): \(delay)")
            }
        }
        // Huge retry numbers do not overflow.
        #expect(policy.exponentialDelay(beforeRetry: 500) == .seconds(5))
    }

    @Test func retryAfterBounds() {
        let policy = RetryPolicy(baseDelay: .milliseconds(200), maxRetryAfter: .seconds(30))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let delay = policy.delay(beforeRetry: 1, retryAfter: .seconds(2), using: &generator)!
            #expect(delay >= .seconds(2) && delay <= .seconds(2) + .milliseconds(20))
        }
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(31), using: &generator) == nil)
        #expect(RetryPolicy.parseRetryAfter("3", nowEpochSeconds: 0) == .seconds(3))
        #expect(RetryPolicy.parseRetryAfter(" 1.5 ", nowEpochSeconds: 0) == .milliseconds(1500))
        #expect(RetryPolicy.parseRetryAfter("Thu, 27 Aug 2020 12:38:10 GMT", nowEpochSeconds: 1_598_531_880) == .seconds(10))
        #expect(RetryPolicy.parseRetryAfter("soon", nowEpochSeconds: 0) == nil)
        #expect(RetryPolicy.parseRetryAfter("-1", nowEpochSeconds: 0) == nil)
    }

    @Test func whatIsRetryable() {
        let policy = RetryPolicy.default
        func answered(_ status: Int) -> AttemptOutcome { .answered(HTTPAnswer(status: status, headers: [], body: [])) }
        func failed(_ kind: TransportFailure.Kind) -> AttemptOutcome { .failed(TransportFailure(kind: kind, reason: "")) }
        for replay in [WorkflowRequest.Replay.safe, .restore] {
            for status in [429, 500, 502, 503, 504, 599] { #expect(policy.isRetryable(answered(status), replay: replay)) }
            for status in [400, 403, 404, 409, 499] { #expect(!policy.isRetryable(answered(status), replay: replay)) }
            for kind in [TransportFailure.Kind.notSent, .dropped, .timedOut] { #expect(policy.isRetryable(failed(kind), replay: replay)) }
            for kind in [TransportFailure.Kind.permanent, .cancelled] { #expect(!policy.isRetryable(failed(kind), replay: replay)) }
        }
        #expect(policy.isRetryable(answered(503), replay: .unsafe))
        #expect(policy.isRetryable(answered(429), replay: .unsafe))
        #expect(!policy.isRetryable(answered(500), replay: .unsafe))
        #expect(policy.isRetryable(failed(.notSent), replay: .unsafe))
        #expect(!policy.isRetryable(failed(.dropped), replay: .unsafe))
        #expect(!policy.isRetryable(failed(.timedOut), replay: .unsafe))
    }

    @Test func debugOutputRedactsSecrets() {
        let text = HTTPTransport.redacted([
            ("Authorization", "OBS AK1:c2lnbmF0dXJl"), ("x-obs-security-token", "TOKEN"), ("Date", "d"),
        ])
        #expect(!text.contains("c2lnbmF0dXJl") && !text.contains("TOKEN"))
        #expect(text.contains("OBS AK1:<redacted>"))
    }
}
