import AsyncHTTPClient
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Settings of the connection to the service.
public struct TransportSettings: Sendable {
    public var endpoint: Endpoint
    public var credentials: Credentials
    public var retry: RetryPolicy
    /// Time allowed for one attempt, from send to the last byte of the answer.
    public var requestTimeout: Duration
    public var connectTimeout: Duration
    /// Connections kept open to the endpoint; bulk resume runs up to this many calls at once.
    public var maxConnections: Int
    /// Answers larger than this are refused (a list page of 1,000 executions is ~400 KB).
    public var maxResponseBytes: Int
    /// Allows plain http to an endpoint that is not loopback, where traffic can be read.
    public var allowInsecureHTTP: Bool
    public var userAgent: String
    /// How requests are authenticated (the OBS signature unless a service says otherwise).
    public var signer: any RequestSigner

    public init(
        endpoint: Endpoint, credentials: Credentials, signer: any RequestSigner = OBSRequestSigner(),
        retry: RetryPolicy = .default,
        requestTimeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(10), maxConnections: Int = 64,
        maxResponseBytes: Int = 32 << 20, allowInsecureHTTP: Bool = false, userAgent: String = "obsw/0.1"
    ) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.signer = signer
        self.retry = retry
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.maxConnections = maxConnections
        self.maxResponseBytes = maxResponseBytes
        self.allowInsecureHTTP = allowInsecureHTTP
        self.userAgent = userAgent
    }
}

/// Signs and sends requests over one shared, pooled HTTP client.
///
/// `attempt` sends once; `send` repeats under the retry policy, signing each attempt anew
/// (fresh `Date`), and turns the final outcome into a response or a typed error.
public final class HTTPTransport: Sendable {
    public let settings: TransportSettings
    private let client: HTTPClient
    private let logger: Logger
    /// The pace of a bulk call's requests (`paced(by:)`); nil sends as fast as asked.
    private let pacing: Pacing?

    public init(settings: TransportSettings, logger: Logger = Logger(label: "obsw.client")) throws(ConfigurationError) {
        if settings.endpoint.scheme == .http, !settings.endpoint.isLoopback, !settings.allowInsecureHTTP {
            throw .insecureEndpoint(settings.endpoint.url)
        }
        self.settings = settings
        self.logger = logger
        pacing = nil
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(
                connect: .nanoseconds(Int64(settings.connectTimeout.nanoseconds)),
                read: .nanoseconds(Int64(settings.requestTimeout.nanoseconds))),
            connectionPool: .init(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: settings.maxConnections))
        // Our retry policy decides about repeats; the pool must not hide a refused connection
        // behind its own retries until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        // No tracing: even the default no-op tracer made AsyncHTTPClient build a span and
        // its attributes for every request (~3 % of a bulk resume's CPU).
        configuration.tracing.tracer = nil
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    private init(sharing transport: HTTPTransport, pacing: Pacing) {
        settings = transport.settings
        client = transport.client
        logger = transport.logger
        self.pacing = pacing
    }

    /// The same connections, with each attempt paced by `pacing` (shared by the workers of
    /// one bulk call). Shut down the transport it came from, not this view.
    public func paced(by pacing: Pacing) -> HTTPTransport {
        HTTPTransport(sharing: self, pacing: pacing)
    }

    /// Closes the pooled connections. Call once, when done with the transport.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Sends with retries; an answer with status < 300 is returned, anything else thrown.
    public func send(_ request: WorkflowRequest, retry: RetryPolicy? = nil) async throws(OBSWorkflowError) -> HTTPAnswer {
        try await send(request, retry: retry) { outcome, _ throws(OBSWorkflowError) in
            if case .answered(let answer) = outcome, answer.status < 300 { return answer }
            return nil
        }
    }

    /// The one retry loop: sends, asks `onOutcome` whether an attempt's outcome ends the call
    /// (a result) or not (nil: retry if the policy allows, else fail), and backs off between
    /// attempts. The two other hooks let a call settle an uncertain outcome its own way —
    /// restore reads the execution after an unanswered attempt (`afterBackoff`) and when
    /// attempts run out (`whenOutOfAttempts`) rather than sending blindly again.
    public func send<Result>(
        _ request: WorkflowRequest, retry: RetryPolicy? = nil,
        onOutcome: (AttemptOutcome, _ attempt: Int) async throws(OBSWorkflowError) -> Result?,
        afterBackoff: (AttemptOutcome, _ attempt: Int) async throws(OBSWorkflowError) -> Result? = { _, _ in nil },
        whenOutOfAttempts: (AttemptOutcome, _ attempt: Int) async throws(OBSWorkflowError) -> Result? = { _, _ in nil }
    ) async throws(OBSWorkflowError) -> Result {
        let policy = retry ?? settings.retry
        var generator = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            let outcome: AttemptOutcome
            if let pacer = pacing?.pacer(for: request) {
                let ticket = await pacer.acquire()
                outcome = await self.attempt(request)
                pacer.record(outcome, ticket)
            } else {
                outcome = await self.attempt(request)
            }
            if let result = try await onOutcome(outcome, attempt) { return result }
            guard attempt < policy.maxAttempts, policy.isRetryable(outcome, replay: request.replay),
                let delay = policy.delay(
                    beforeRetry: attempt, retryAfter: retryAfter(outcome), using: &generator)
            else {
                if let result = try await whenOutOfAttempts(outcome, attempt) { return result }
                throw error(for: outcome, request: request, attempts: attempt)
            }
            logger.debug("retrying \(request.summary) in \(delay.formattedSeconds) after attempt \(attempt)")
            try await sleep(for: delay)
            if let result = try await afterBackoff(outcome, attempt) { return result }
            attempt += 1
        }
    }

    /// The `Retry-After` of a 429/503 answer.
    public func retryAfter(_ outcome: AttemptOutcome) -> Duration? {
        guard case .answered(let answer) = outcome, let value = answer.header("retry-after") else { return nil }
        return RetryPolicy.parseRetryAfter(value, nowEpochSeconds: Self.nowEpochSeconds())
    }

    /// Sleeps, or throws `cancelled` if the task is cancelled meanwhile.
    public func sleep(for delay: Duration) async throws(OBSWorkflowError) {
        do { try await Task.sleep(for: delay) } catch { throw .cancelled }
    }

    /// The typed error for an outcome that ends the call.
    public func error(for outcome: AttemptOutcome, request: WorkflowRequest, attempts: Int) -> OBSWorkflowError {
        switch outcome {
        case .answered(let answer):
            return .service(
                ErrorBody.parse(
                    status: answer.status, headers: answer.headers, body: answer.body, operation: request.summary,
                    attempts: attempts))
        case .failed(let failure):
            switch failure.kind {
            case .cancelled: return .cancelled
            case .timedOut: return .timeout(TimeoutError(operation: request.summary, after: settings.requestTimeout, attempts: attempts))
            case .notSent, .permanent:
                return .network(NetworkError(operation: request.summary, reason: failure.reason, mayHaveReachedService: false, attempts: attempts))
            case .dropped:
                return .network(NetworkError(operation: request.summary, reason: failure.reason, mayHaveReachedService: true, attempts: attempts))
            }
        }
    }

    /// Signs and sends once.
    public func attempt(_ request: WorkflowRequest) async -> AttemptOutcome {
        if Task.isCancelled { return .failed(TransportFailure(kind: .cancelled, reason: "cancelled")) }
        let endpoint = settings.endpoint
        let bytes = request.bodyBytes
        var headers: [(String, String)] = [("Content-Type", "application/json"), ("User-Agent", settings.userAgent)]
        settings.signer.sign(
            request, body: bytes, headers: &headers, endpoint: endpoint, credentials: settings.credentials,
            nowEpochSeconds: Self.nowEpochSeconds())
        headers.append(("Accept", "application/json"))
        // PUT and POST always carry a body, empty if need be (Content-Length: 0), as the SDKs send.
        let body: HTTPClient.Body? = bytes.isEmpty && request.method != "PUT" && request.method != "POST" ? nil : .bytes(bytes)

        let started = ContinuousClock.now
        if logger.logLevel <= .debug {
            logger.debug("→ \(request.method) \(endpoint.url)\(request.target) \(Self.redacted(headers))")
        }
        let httpRequest: HTTPClient.Request
        do {
            httpRequest = try HTTPClient.Request(
                url: endpoint.url + request.target, method: HTTPMethod(rawValue: request.method),
                headers: HTTPHeaders(headers), body: body)
        } catch {
            // Never sent, and sending again cannot help.
            return .failed(TransportFailure(kind: .permanent, reason: "cannot build the request: \(error)"))
        }
        do {
            // The future-based call delivers the whole answer in one completion: the
            // streaming API costs several hops between the event loop and the task per
            // request, which dominated the client's CPU in a bulk resume (docs/performance.md).
            let accumulator = ResponseAccumulator(request: httpRequest, maxBodySize: settings.maxResponseBytes)
            let task = client.execute(
                request: httpRequest, delegate: accumulator,
                deadline: .now() + .nanoseconds(Int64(settings.requestTimeout.nanoseconds)))
            let response = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
            var buffer = response.body ?? ByteBuffer()
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            let answer = HTTPAnswer(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: bytes)
            if logger.logLevel <= .debug {
                logger.debug("← \(answer.status) \(request.method) \(request.target) in \((ContinuousClock.now - started).formattedSeconds) request id \(answer.requestID ?? "-")")
            }
            return .answered(answer)
        } catch {
            let failure = Self.classify(error)
            logger.debug("✗ \(request.method) \(request.target): \(failure.reason)")
            return .failed(failure)
        }
    }

    /// Maps AsyncHTTPClient and NIO errors onto "did the request leave, and can we tell".
    static func classify(_ error: any Error) -> TransportFailure {
        if error is CancellationError { return TransportFailure(kind: .cancelled, reason: "cancelled") }
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout: return TransportFailure(kind: .notSent, reason: "timed out connecting")
            case .readTimeout, .deadlineExceeded: return TransportFailure(kind: .timedOut, reason: "no answer in time")
            case .remoteConnectionClosed:
                return TransportFailure(kind: .dropped, reason: "the connection closed before an answer arrived")
            case .cancelled: return TransportFailure(kind: .cancelled, reason: "cancelled")
            case .getConnectionFromPoolTimeout: return TransportFailure(kind: .notSent, reason: "no connection available in time")
            case .tlsHandshakeTimeout: return TransportFailure(kind: .notSent, reason: "timed out in the TLS handshake")
            default: return TransportFailure(kind: .dropped, reason: "\(e)")
            }
        }
        if let e = error as? NIOConnectionError {
            return TransportFailure(kind: .notSent, reason: "cannot connect to \(e.host):\(e.port): \(describeConnectErrors(e))")
        }
        if error is NIOSSLError || error is BoringSSLError {
            return TransportFailure(kind: .permanent, reason: "TLS failed: \(error)")
        }
        if error is NIOTooManyBytesError || error is ResponseAccumulator.ResponseTooBigError {
            return TransportFailure(kind: .permanent, reason: "the answer is larger than maxResponseBytes allows")
        }
        if let e = error as? ChannelError, case .connectTimeout = e {
            return TransportFailure(kind: .notSent, reason: "timed out connecting")
        }
        if let e = error as? IOError {
            // Failures to establish a connection mean the request never left.
            switch e.errnoCode {
            case ECONNREFUSED: return TransportFailure(kind: .notSent, reason: "connection refused")
            case ENETUNREACH, EHOSTUNREACH: return TransportFailure(kind: .notSent, reason: "network unreachable")
            case EADDRNOTAVAIL: return TransportFailure(kind: .notSent, reason: "address not available")
            case ECONNRESET, EPIPE: return TransportFailure(kind: .dropped, reason: "the connection was reset")
            default: return TransportFailure(kind: .dropped, reason: String(cString: strerror(e.errnoCode)))
            }
        }
        return TransportFailure(kind: .dropped, reason: "\(error)")
    }

    private static func describeConnectErrors(_ error: NIOConnectionError) -> String {
        if let dns = error.dnsAAAAError ?? error.dnsAError { return "cannot resolve host (\(dns))" }
        if let first = error.connectionErrors.first { return "\(first.error)" }
        return "connection failed"
    }

    /// Headers for logs: the signature and the security token never appear.
    static func redacted(_ headers: [(String, String)]) -> String {
        headers.map { name, value in
            switch name.lowercased() {
            case "authorization":
                if value.hasPrefix(DWRSigner.algorithm) {
                    let access = value.split(separator: ",").first.map(String.init) ?? DWRSigner.algorithm
                    return "\(name): \(access), <redacted>"
                }
                let keyID = value.split(separator: ":").first.map(String.init) ?? "OBS"
                return "\(name): \(keyID):<redacted>"
            case "x-obs-security-token", "x-security-token": return "\(name): <redacted>"
            default: return "\(name): \(value)"
            }
        }.joined(separator: ", ")
    }

    static func nowEpochSeconds() -> Int { WallClock.nowMilliseconds() / 1000 }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
