import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OBSWorkflow
import Synchronization

/// The request context: Hummingbird's core storage plus the connection, so a fault can
/// close it without answering.
struct EmulatorContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Thrown after the connection was closed on purpose; nothing more is written.
struct ConnectionDropped: Error {}

/// Routes every request by its raw target, as the service sees it: the path exactly as
/// sent (signatures cover it), decoded query parameters, and the query flags that tell
/// apart calls sharing a path (`POST /v2/workflows/{name}` creates or starts).
struct Dispatcher: HTTPResponder {
    typealias Context = EmulatorContext

    let store: EmulatorStore
    let authenticator: Authenticator
    let faults: FaultInjector
    let maxBodyBytes: Int
    let clock: @Sendable () -> Int
    /// The project the DWR v3 face serves (`/v3/{project_id}/...`).
    let projectID: String
    let requestIDs = RequestIDs()
    let dwrRequests = RequestCounter()
    /// `--rate-limit`: the restore quota, when one is set.
    let quota: Quota?

    func respond(to request: Request, context: Context) async throws -> Response {
        let maxBodyBytes = self.maxBodyBytes
        let incoming = IncomingRequest(
            method: request.method.rawValue, target: request.uri.string, host: request.head.authority ?? "",
            headers: request.headers.map { ($0.name.rawName, $0.value) },
            readBody: { try await Self.readBody(request, limit: maxBodyBytes) },
            drop: {
                try? await context.channel.close()
                throw ConnectionDropped()
            })
        let face: Answer.Face = incoming.target.hasPrefix(DWRFace.prefix) ? .dwr : .obs
        return try await answer(incoming).response(requestID: requestIDs.next(), face: face)
    }

    /// The answer to one request. Every refusal is an answer; what throws is a dropped
    /// connection (`ConnectionDropped`) or a body that could not be read.
    func answer(_ request: IncomingRequest) async throws -> Answer {
        do {
            return try await handle(request)
        } catch let error as EmulatorError {
            return .error(error)
        }
    }

    private func handle(_ request: IncomingRequest) async throws -> Answer {
        let target = request.target
        guard let (path, query) = SignatureCheck.splitTarget(target) else {
            throw EmulatorError.badRequest("the request target is not valid percent-encoding")
        }
        if path.hasPrefix(Control.prefix) {
            let body = try await request.readBody()
            return try Control(store: store, faults: faults, dwrRequests: dwrRequests, quota: quota)
                .handle(method: request.method, path: path, body: body)
        }
        let method = request.method
        let headers = request.headers
        let host = request.host
        let bucket = path == "/" ? Self.bucket(fromHost: host) : nil

        switch faults.draw(method: method, target: target) {
        case .internalError?: throw EmulatorError(500, "InternalError", "injected fault: internal error")
        case .unavailable?:
            return .error(EmulatorError(503, "ServiceUnavailable", "injected fault: service unavailable"),
                retryAfter: faults.spec.retryAfterSeconds)
        case .throttled?:
            return .error(EmulatorError(429, "SYS.0011", "injected fault: too many requests"),
                retryAfter: faults.spec.retryAfterSeconds)
        case .drop?: try await request.drop()
        case .slow?: try await Task.sleep(for: .milliseconds(faults.spec.slowMilliseconds))
        case .restoreDrop?, nil: break
        }

        let now = clock()
        if path.hasPrefix(DWRFace.prefix) {
            return try await DWRFace(
                store: store, authenticator: authenticator, faults: faults, projectID: projectID, counter: dwrRequests,
                quota: quota)
                .handle(request, path: path, query: query, now: now)
        }
        try authenticator.check(method: method, target: target, headers: headers, bucket: bucket, nowSeconds: now / 1000)
        let body = try await request.readBody()
        func flag(_ name: String) -> Bool { query.contains { $0.name == name } }
        func value(_ name: String) -> String? { query.first(where: { $0.name == name })?.value }

        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // ["", "v2", resource, name?]
        guard segments.count >= 3, segments[0] == "", segments[1] == "v2" else {
            if path == "/", flag(API.triggerPolicy) {
                return try triggerPolicy(method: method, bucket: bucket, body: body)
            }
            throw EmulatorError(404, "NoSuchResource", "no API at \(path)")
        }
        guard segments.count <= 4 else { throw EmulatorError(404, "NoSuchResource", "no API at \(path)") }
        let hasName = segments.count == 4
        guard let name = hasName ? PercentEncoding.decode(segments[3]) : "" else {
            throw EmulatorError.badRequest("the name in the path is not valid percent-encoding")
        }

        switch (segments[2], method) {
        case ("workflowtemplates", "POST") where hasName:
            return .created(try store.createTemplate(name: name, body: try object(body), now: now).json)
        case ("workflowtemplates", "GET") where flag(API.prefix) || name.isEmpty:
            let (start, limit) = try offsetRange(value)
            return .ok(store.listTemplates(prefix: name, start: start, limit: limit).json)
        case ("workflowtemplates", "GET"):
            return .ok(try store.template(name: name).json)
        case ("workflowtemplates", "DELETE") where hasName:
            try store.deleteTemplate(name: name)
            return .noContent

        case ("workflows", "POST") where hasName:
            if flag(API.create) {
                return .created(try store.createWorkflow(name: name, body: try object(body), now: now).json)
            }
            if let template = value(API.templateName) {
                return .created(try store.createWorkflow(name: name, template: template, body: try object(body), now: now).json)
            }
            let start = try object(body)
            guard let bucket = start.string("bucket"), !bucket.isEmpty else {
                throw EmulatorError.badRequest("'bucket' is required to start a workflow")
            }
            guard let objectKey = start.string("object"), !objectKey.isEmpty else {
                throw EmulatorError.badRequest("'object' is required to start a workflow")
            }
            if let inputs = start["inputs"], !inputs.isNull, inputs.objectValue == nil {
                throw EmulatorError.badRequest("'inputs' must be an object")
            }
            return .ok(try store.start(graph: name, bucket: bucket, object: objectKey, inputs: start.object("inputs"), now: now).json)
        case ("workflows", "GET") where flag(API.prefix) || name.isEmpty:
            let (start, limit) = try offsetRange(value)
            return .ok(store.listWorkflows(prefix: name, start: start, limit: limit).json)
        case ("workflows", "GET"):
            return .ok(try store.workflow(name: name).json)
        case ("workflows", "PUT") where hasName:
            return .ok(try store.updateWorkflow(name: name, body: try object(body), now: now).json)
        case ("workflows", "DELETE") where hasName:
            try store.deleteWorkflow(name: name)
            return .noContent

        case ("workflowexecutions", "GET") where !hasName:
            guard let graph = value(API.graphName) else {
                throw EmulatorError.badRequest("x-workflow-graph-name is required")
            }
            let limit = try self.limit(value(API.limit), default: 10)
            let type = try value(API.executionType).map { text throws(EmulatorError) in
                guard ExecutionType.known.map(\.rawValue).contains(text) else {
                    throw .badRequest("x-workflow-execution-type must be APICALL or TRIGGERCAL, not '\(text)'")
                }
                return ExecutionType(rawValue: text)
            }
            let state = try value(API.executionState).map { text throws(EmulatorError) in
                guard ExecutionState.known.map(\.rawValue).contains(text) else {
                    throw .badRequest("x-workflow-execution-state must be RUNNING, SUCCESS or FAILED, not '\(text)'")
                }
                return ExecutionState(rawValue: text)
            }
            return .ok(
                try store.listExecutions(
                    graph: graph, type: type, state: state, marker: value(API.nextMarker), limit: limit, now: now
                ).json)
        case ("workflowexecutions", "GET") where hasName:
            guard let graph = value(API.graphName) else { throw EmulatorError.badRequest("x-workflow-graph-name is required") }
            return .ok(try store.execution(graph: graph, name: name, now: now).responseBody.objectValue!)
        case ("workflowexecutions", "PUT") where hasName:
            guard let graph = value(API.graphName) else { throw EmulatorError.badRequest("x-workflow-graph-name is required") }
            if let quota, !quota.take() { return quota.refusal }
            let restored = try store.restore(graph: graph, name: name, now: now)
            if faults.drawRestoreDrop(target: target) { try await request.drop() }
            return .ok(restored.json)

        case ("workflowtemplates", _), ("workflows", _), ("workflowexecutions", _):
            throw EmulatorError(405, "MethodNotAllowed", "\(method) is not allowed on \(path)")
        default:
            throw EmulatorError(404, "NoSuchResource", "no API at \(path)")
        }
    }

    private func triggerPolicy(method: String, bucket: String?, body: [UInt8]) throws -> Answer {
        guard let bucket else {
            throw EmulatorError.badRequest("trigger policy calls address a bucket: Host must be BUCKET.ENDPOINT")
        }
        switch method {
        case "PUT":
            try store.putTriggerPolicy(bucket: bucket, body: try object(body))
            return .ok([:])
        case "GET": return .ok(try store.triggerPolicy(bucket: bucket).objectValue ?? [:])
        case "DELETE":
            store.deleteTriggerPolicy(bucket: bucket)
            return .noContent
        default: throw EmulatorError(405, "MethodNotAllowed", "\(method) is not allowed on a trigger policy")
        }
    }

    private static func readBody(_ request: Request, limit maxBodyBytes: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await var chunk in request.body {
            guard bytes.count + chunk.readableBytes <= maxBodyBytes else {
                throw EmulatorError(400, "EntityTooLarge", "the request body is larger than \(maxBodyBytes) bytes")
            }
            bytes += chunk.readBytes(length: chunk.readableBytes) ?? []
        }
        return bytes
    }

    private func object(_ body: [UInt8]) throws(EmulatorError) -> JSONObject {
        guard !body.isEmpty else { throw .badRequest("the request body is empty; a JSON object is required", code: "MalformedJSON") }
        let value: JSONValue
        do { value = try JSONParser.parse(body) } catch {
            throw .badRequest("the request body is not valid JSON: \(error)", code: "MalformedJSON")
        }
        guard let object = value.objectValue else {
            throw .badRequest("the request body must be a JSON object", code: "MalformedJSON")
        }
        return object
    }

    private func limit(_ text: String?, default fallback: Int) throws(EmulatorError) -> Int {
        guard let text else { return fallback }
        guard let limit = Int(text), API.limitRange.contains(limit) else {
            throw .badRequest("x-workflow-limit must be a whole number from 1 to 1000, not '\(text)'")
        }
        return limit
    }

    /// `x-workflow-start` is the 0-based offset of the first item (the previous page's `next_start`).
    private func offsetRange(_ value: (String) -> String?) throws(EmulatorError) -> (Int, Int) {
        let limit = try self.limit(value(API.limit), default: 10)
        guard let text = value(API.start) else { return (0, limit) }
        guard let start = Int(text), start >= 0 else {
            throw .badRequest("x-workflow-start must be a whole number of 0 or more, not '\(text)'")
        }
        return (start, limit)
    }

    /// `demo-bucket.127.0.0.1:9000` → `demo-bucket`: the bucket is the first label of a
    /// virtual-host name.
    static func bucket(fromHost host: String) -> String? {
        var name = Substring(host)
        if let colon = name.lastIndex(of: ":"), !name.hasSuffix("]") { name = name[..<colon] }
        guard let dot = name.firstIndex(of: ".") else { return nil }
        let bucket = name[..<dot]
        let rest = name[name.index(after: dot)...]
        // An IPv4 address alone has no bucket label.
        if rest.split(separator: ".").count == 3, name.split(separator: ".").allSatisfy({ Int($0) != nil }) { return nil }
        return bucket.isEmpty ? nil : String(bucket)
    }

}

/// One request as the dispatcher sees it, apart from any connection: what was sent, how to
/// read its body (read only after the signature is checked), and how to drop the connection
/// without answering (a fault: closes it, as a failing load balancer would, and throws).
struct IncomingRequest: Sendable {
    var method: String
    /// Path and query exactly as on the request line.
    var target: String
    var host: String
    var headers: [(String, String)]
    var readBody: @Sendable () async throws -> [UInt8]
    var drop: @Sendable () async throws -> Never
}

/// Request ids in the service's style: 32 upper-case hex digits, unique per emulator.
final class RequestIDs: Sendable {
    private let counter = Atomic<Int>(0)

    func next() -> String {
        let n = counter.wrappingAdd(1, ordering: .relaxed).newValue
        let hex = String(n, radix: 16).uppercased()
        return "0000019A" + String(repeating: "0", count: max(0, 24 - hex.count)) + hex
    }
}

/// What a route answers, before it becomes a response.
enum Answer {
    case ok(JSONObject)
    case created(JSONObject)
    case noContent
    case error(EmulatorError, retryAfter: Int? = nil)

    static func error(_ e: EmulatorError) -> Answer { .error(e, retryAfter: nil) }

    /// Which API answers: the OBS Data+ v2 one or DWR v3 (its own error body and request id header).
    enum Face { case obs, dwr }

    func response(requestID: String, face: Face = .obs) -> Response {
        var headers = HTTPFields()
        switch face {
        case .obs:
            headers[HTTPField.Name("x-obs-request-id")!] = requestID
            headers[HTTPField.Name("x-obs-id-2")!] = "obsw-emulator"
        case .dwr:
            headers[HTTPField.Name("X-Request-Id")!] = requestID
        }
        switch self {
        case .ok(let object): return Self.json(.ok, object, headers)
        case .created(let object): return Self.json(.created, object, headers)
        case .noContent: return Response(status: .noContent, headers: headers)
        case .error(let error, let retryAfter):
            if let retryAfter { headers[.retryAfter] = String(retryAfter) }
            let body: JSONObject
            switch face {
            case .obs:
                body = ["code": .string(error.code), "message": .string(error.message), "request_id": .string(requestID)]
            case .dwr:
                body = ["error_code": .string(error.dwrCode), "error_msg": .string(error.message)]
            }
            return Self.json(HTTPResponse.Status(code: error.status), body, headers)
        }
    }

    /// JSON with `Content-Type: application/json` exactly: the Python SDK compares the whole string.
    static func json(_ status: HTTPResponse.Status, _ object: JSONObject, _ headers: HTTPFields) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        let bytes = JSONValue.object(object).jsonBytes
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
