/// A record the API returns, kept as the JSON object the service sent.
///
/// Typed properties read the API's fields by their own names and answer `nil` for a missing
/// field, a `null` or a value of an unexpected type; unknown fields are kept in `json`, so
/// nothing the service says is lost and the command language can show every field.
/// The emulator builds its answers with the same types, so the two cannot drift.
///
/// Records deliberately do not conform to `CustomStringConvertible`: `description` is an
/// API field of workflows and templates, and must not be shadowed by a printing hook.
public protocol APIRecord: Sendable, Hashable {
    var json: JSONObject { get }
    init(json: JSONObject)
}

extension APIRecord {
    /// Decodes a response body that must be a JSON object.
    public init(body: JSONValue) throws(ResponseShapeError) {
        guard let object = body.objectValue else { throw ResponseShapeError("expected a JSON object") }
        self.init(json: object)
    }
}

/// A response that parsed as JSON but is not the shape the API documents.
public struct ResponseShapeError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A closed-looking set of API string values that stays open: values the service adds later
/// are kept as they come instead of failing to decode.
public protocol WireValue: RawRepresentable<String>, Sendable, Hashable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    init(rawValue: String)
}

extension WireValue {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }
}

/// State of a whole execution: `RUNNING`, `SUCCESS`, `FAILED` on both services; DWR also
/// ends executions as `TIMEOUT` or `CANCELLED` (its `timeout`, `cancel`).
public struct ExecutionState: WireValue {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let running: ExecutionState = "RUNNING"
    public static let success: ExecutionState = "SUCCESS"
    public static let failed: ExecutionState = "FAILED"
    public static let timeout: ExecutionState = "TIMEOUT"
    public static let cancelled: ExecutionState = "CANCELLED"
    public static let known: [ExecutionState] = [.running, .success, .failed, .timeout, .cancelled]

    public var isTerminal: Bool { [.success, .failed, .timeout, .cancelled].contains(self) }
}

/// How an execution was started: by an API call or by a bucket event.
public struct ExecutionType: WireValue {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let apiCall: ExecutionType = "APICALL"
    public static let triggerCall: ExecutionType = "TRIGGERCAL"
    public static let known: [ExecutionType] = [.apiCall, .triggerCall]
}

/// Status of one state within an execution: `NOTRUNNING`, `RUNNING`, `SUCCESS`, `FAILED`.
public struct StateStatus: WireValue {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let notRunning: StateStatus = "NOTRUNNING"
    public static let running: StateStatus = "RUNNING"
    public static let success: StateStatus = "SUCCESS"
    public static let failed: StateStatus = "FAILED"
}

extension JSONObject {
    /// Sets `key` to the string, or to `null` when absent — the API writes empty fields as null.
    mutating func set(_ key: String, _ value: String?) { self[key] = JSONValue(value) }
}
