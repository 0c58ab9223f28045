/// Everything a call to the Data+ API can fail with.
///
/// The cases separate what a caller decides differently on: the service answered with an
/// error (`service`), no usable answer arrived (`network`, `timeout`), an answer arrived but
/// is not what the API documents (`invalidResponse`), or the call was never made properly
/// (`configuration`, `invalidArgument`, `cancelled`). No case carries a secret.
public enum OBSWorkflowError: Error, Sendable, CustomStringConvertible {
    case service(ServiceError)
    case network(NetworkError)
    case timeout(TimeoutError)
    case invalidResponse(InvalidResponseError)
    case configuration(ConfigurationError)
    case invalidArgument(String)
    case cancelled

    public var description: String {
        switch self {
        case .service(let e): return e.description
        case .network(let e): return e.description
        case .timeout(let e): return e.description
        case .invalidResponse(let e): return e.description
        case .configuration(let e): return e.description
        case .invalidArgument(let message): return message
        case .cancelled: return "cancelled"
        }
    }

    /// The service error, when the service answered with one.
    public var serviceError: ServiceError? {
        if case .service(let e) = self { return e }
        return nil
    }
}

/// The service answered with an error status.
public struct ServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    /// The service's code (`SignatureDoesNotMatch`, `WorkflowNotFound`, `SYS.0011`, ...).
    public var code: String?
    public var message: String?
    public var requestID: String?
    public var hostID: String?
    /// What was being done ("resume execution exec-1").
    public var operation: String
    /// How many times the request was sent.
    public var attempts: Int

    public init(
        status: Int, code: String? = nil, message: String? = nil, requestID: String? = nil, hostID: String? = nil,
        operation: String, attempts: Int = 1
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
        self.hostID = hostID
        self.operation = operation
        self.attempts = attempts
    }

    public var description: String {
        var text = "\(operation): HTTP \(status)"
        if let code { text += " \(code)" }
        if let message, !message.isEmpty { text += ": \(message)" }
        if let requestID { text += " (request id \(requestID))" }
        if attempts > 1 { text += " after \(attempts) attempts" }
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }

    /// What the operator can do about it, for the errors where that is known.
    public var hint: String? {
        switch code {
        case "SignatureDoesNotMatch":
            return "the secret access key does not match the access key id; check OBS_SECRET_ACCESS_KEY or the "
                + "secret_access_key of the profile in use"
        case "InvalidAccessKeyId":
            return "the service does not know this access key id; check OBS_ACCESS_KEY_ID or the profile in use"
        case "RequestTimeTooSkewed":
            return "this machine's clock differs from the service's by more than 15 minutes; fix the clock "
                + "(for example with NTP: timedatectl set-ntp true)"
        case "APIG.0301":
            return "DWR refused the signature: check the access key and secret (HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK or "
                + "the profile in use), the project id, and that this machine's clock is within 15 minutes of the service's"
        case "APIG.0308":
            return "DWR is throttling requests; lower --concurrency or --rps"
        case "AccessDenied" where status == 403:
            return "the credentials are not allowed to do this, or the request carried no valid date"
        default:
            if status == 429 { return "the service is throttling requests; lower --concurrency or --rps" }
            if code == nil, message == nil {
                return "the answer carried no error code; is the endpoint the workflow service (OBS Data+, or DWR with --service dwr)? (obsw config shows which is in use)"
            }
            return nil
        }
    }
}

/// No usable answer: the connection failed or dropped.
public struct NetworkError: Error, Sendable, Hashable, CustomStringConvertible {
    public var operation: String
    public var reason: String
    /// True when the request may have reached the service (the connection dropped after it
    /// was sent), so the service may have acted on it.
    public var mayHaveReachedService: Bool
    public var attempts: Int

    public init(operation: String, reason: String, mayHaveReachedService: Bool, attempts: Int = 1) {
        self.operation = operation
        self.reason = reason
        self.mayHaveReachedService = mayHaveReachedService
        self.attempts = attempts
    }

    public var description: String {
        var text = "\(operation): network error: \(reason)"
        if attempts > 1 { text += " (after \(attempts) attempts)" }
        if mayHaveReachedService { text += "; the request may have been applied" }
        return text
    }
}

/// No answer within the time allowed.
public struct TimeoutError: Error, Sendable, Hashable, CustomStringConvertible {
    public var operation: String
    public var after: Duration
    public var attempts: Int

    public init(operation: String, after: Duration, attempts: Int = 1) {
        self.operation = operation
        self.after = after
        self.attempts = attempts
    }

    public var description: String {
        var text = "\(operation): no answer within \(after.formattedSeconds)"
        if attempts > 1 { text += " (after \(attempts) attempts)" }
        return text
    }
}

/// An answer that does not follow the API: not JSON, or JSON of the wrong shape.
public struct InvalidResponseError: Error, Sendable, Hashable, CustomStringConvertible {
    public var operation: String
    public var status: Int
    public var requestID: String?
    public var reason: String

    public init(operation: String, status: Int, requestID: String? = nil, reason: String) {
        self.operation = operation
        self.status = status
        self.requestID = requestID
        self.reason = reason
    }

    public var description: String {
        var text = "\(operation): unexpected answer (HTTP \(status)): \(reason)"
        if let requestID { text += " (request id \(requestID))" }
        return text
    }

    public var hint: String {
        "is the endpoint the workflow service (OBS Data+, or DWR with --service dwr)? (obsw config shows which is in use)"
    }
}

extension OBSWorkflowError {
    /// The service refused the credentials (or the clock): going on would fail every call
    /// the same way, so bulk work stops at the first one.
    public var isAuthenticationFailure: Bool {
        guard let e = serviceError else { return false }
        return e.status == 401
            || (e.status == 403 && ["SignatureDoesNotMatch", "InvalidAccessKeyId", "RequestTimeTooSkewed", "AccessDenied"].contains(e.code ?? ""))
    }
}
