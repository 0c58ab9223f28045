/// When and how long to wait before sending a request again.
///
/// Retried: network errors, timeouts, 5xx and 429 — for requests that are safe to repeat.
/// Never retried: other 4xx (the request itself is wrong; repeating it cannot help).
/// Requests that are not safe to repeat (start, create) are retried only when the service
/// certainly did not act: the connection was refused, or it answered 429 or 503.
///
/// Delays grow exponentially from `baseDelay`, capped at `maxDelay`, with "equal jitter":
/// the wait before retry *n* is uniform in [d/2, d] where d = min(maxDelay, baseDelay·2^(n-1)),
/// so clients that failed together do not retry together. A `Retry-After` from the service
/// is honoured (plus a little jitter); one longer than `maxRetryAfter` ends the retries.
public struct RetryPolicy: Sendable, Hashable {
    /// Sends in total, the first included.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    public var maxRetryAfter: Duration

    public init(
        maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(5),
        maxRetryAfter: Duration = .seconds(60)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    public static let `default` = RetryPolicy()
    public static let never = RetryPolicy(maxAttempts: 1)
    /// For bulk work during an incident (throttling, dropped connections): more attempts,
    /// shorter waits, so one unlucky call among thousands does not fail the batch.
    public static let bulk = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(2))

    /// The policy for bulk work: `bulk`, unless retries were switched off altogether.
    public var forBulkWork: RetryPolicy { maxAttempts <= 1 ? self : .bulk }

    /// Whether an attempt that ended this way may be repeated.
    public func isRetryable(_ outcome: AttemptOutcome, replay: WorkflowRequest.Replay) -> Bool {
        switch outcome {
        case .answered(let response):
            let status = response.status
            switch replay {
            case .safe, .restore: return status == 429 || (500...599).contains(status)
            case .unsafe: return status == 429 || status == 503
            }
        case .failed(let failure):
            switch failure.kind {
            case .notSent: return true
            case .dropped, .timedOut: return replay != .unsafe
            case .cancelled, .permanent: return false
            }
        }
    }

    /// The wait before retry number `retry` (1 for the first retry), or nil when the service
    /// asked for a longer wait than `maxRetryAfter`.
    public func delay(beforeRetry retry: Int, retryAfter: Duration?, using random: inout some RandomNumberGenerator)
        -> Duration?
    {
        if let retryAfter {
            guard retryAfter <= maxRetryAfter else { return nil }
            let jitter = Double.random(in: 0...0.1, using: &random)
            return retryAfter + baseDelay * jitter
        }
        let ceiling = exponentialDelay(beforeRetry: retry)
        return ceiling * Double.random(in: 0.5...1.0, using: &random)
    }

    /// d = min(maxDelay, baseDelay·2^(retry-1)): the upper bound of the wait before `retry`.
    public func exponentialDelay(beforeRetry retry: Int) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        let grown = baseDelay * (1 << exponent)
        return min(grown, maxDelay)
    }

    /// Reads a `Retry-After` value: delta seconds (`2`, `1.5`) or an HTTP date.
    public static func parseRetryAfter(_ value: String, nowEpochSeconds: Int) -> Duration? {
        let text = value.trimmingASCIIWhitespace()
        if let seconds = Double(text), seconds.isFinite, seconds >= 0 {
            // A number from outside: cap it before converting (1e300 would trap). Anything past
            // a day is far beyond what retries wait for, and ends them (`maxRetryAfter`).
            return .milliseconds(Int64(min(seconds, 86_400 * 365) * 1000))
        }
        if let date = WireDate.parseRFC1123(text) {
            return .seconds(max(0, date - nowEpochSeconds))
        }
        return nil
    }
}

/// How one send of a request ended.
public enum AttemptOutcome: Sendable {
    /// An HTTP answer arrived (any status).
    case answered(HTTPAnswer)
    /// No answer.
    case failed(TransportFailure)
}

/// An HTTP answer, body read in full.
public struct HTTPAnswer: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first(where: { $0.0.lowercased() == lower })?.1
    }

    /// The request id, from whichever header the service used.
    public var requestID: String? { header("x-obs-request-id") ?? header("x-request-id") }
}

/// Why an attempt got no answer.
public struct TransportFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The request never left (connection refused, DNS failure, connect timeout).
        case notSent
        /// The connection closed after the request was sent: the service may have acted.
        case dropped
        /// No answer in time after the request was sent: the service may have acted.
        case timedOut
        /// TLS or configuration failures that repeating cannot fix.
        case permanent
        case cancelled
    }

    public var kind: Kind
    public var reason: String

    public init(kind: Kind, reason: String) {
        self.kind = kind
        self.reason = reason
    }

    /// The service may have acted on the request although no answer came.
    public var isAmbiguous: Bool { kind == .dropped || kind == .timedOut }
    public var description: String { reason }
}
