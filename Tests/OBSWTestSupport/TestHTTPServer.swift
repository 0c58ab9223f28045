import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A request as the test server received it.
public struct RecordedRequest: Sendable {
    public var method: String
    /// Path and query exactly as on the request line.
    public var target: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first(where: { $0.0.lowercased() == name.lowercased() })?.1
    }

    public var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }
    public var query: String? {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return parts.count == 2 ? String(parts[1]) : nil
    }
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// What the test server does with one request.
public indirect enum TestReply: Sendable {
    case respond(status: Int, headers: [(String, String)] = [], body: String = "")
    /// Closes the connection without answering.
    case drop
    /// Waits, then replies.
    case delayed(Duration, TestReply)

    /// A JSON answer with `Content-Type: application/json`.
    public static func json(_ status: Int, _ body: String, headers: [(String, String)] = []) -> TestReply {
        .respond(status: status, headers: [("Content-Type", "application/json")] + headers, body: body)
    }
}

/// A scriptable HTTP/1.1 server on 127.0.0.1 and an ephemeral port.
public final class TestHTTPServer: Sendable {
    public typealias Handler = @Sendable (RecordedRequest, Int) async -> TestReply

    public let port: Int
    private let channel: any Channel
    private let task: Task<Void, Never>
    private let recorded: NIOLockedValueBox<[RecordedRequest]>
    /// Answers written in full so far.
    private let answered: NIOLockedValueBox<Int>

    /// Starts a server; `handler` gets each request and its 1-based number.
    public static func start(handler: @escaping Handler) async throws -> TestHTTPServer {
        let recorded = NIOLockedValueBox<[RecordedRequest]>([])
        let answered = NIOLockedValueBox(0)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: child)
                }
            }
        let port = server.channel.localAddress?.port ?? 0
        let underlying = server.channel
        let task = Task<Void, Never> {
            try? await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask {
                            await serve(connection, recorded: recorded, answered: answered, handler: handler)
                        }
                    }
                }
            }
        }
        return TestHTTPServer(port: port, channel: underlying, task: task, recorded: recorded, answered: answered)
    }

    private init(
        port: Int, channel: any Channel, task: Task<Void, Never>, recorded: NIOLockedValueBox<[RecordedRequest]>,
        answered: NIOLockedValueBox<Int>
    ) {
        self.port = port
        self.channel = channel
        self.task = task
        self.recorded = recorded
        self.answered = answered
    }

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Every request received so far, in order.
    public var requests: [RecordedRequest] { recorded.withLockedValue { $0 } }

    /// Every request received so far, once there are at least `count` of them or `limit` has
    /// passed. A request the client has sent reaches the server's handler a little later —
    /// on a loaded machine, later than a short client timeout — so a test that counts what
    /// the server saw waits for it instead of reading at once.
    public func requests(atLeast count: Int, within limit: Duration = .seconds(15)) async -> [RecordedRequest] {
        _ = await eventually(within: limit) { requests.count >= count }
        return requests
    }

    /// How many answers were written in full, once there are at least `count` or `limit`
    /// has passed (a condition to wait for, instead of a fixed time).
    public func answers(atLeast count: Int, within limit: Duration = .seconds(15)) async -> Int {
        _ = await eventually(within: limit) { answered.withLockedValue { $0 } >= count }
        return answered.withLockedValue { $0 }
    }

    public func stop() async {
        try? await channel.close()
        task.cancel()
    }
}

private func serve(
    _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>,
    recorded: NIOLockedValueBox<[RecordedRequest]>, answered: NIOLockedValueBox<Int>, handler: @escaping TestHTTPServer.Handler
) async {
    try? await connection.executeThenClose { inbound, outbound in
        var head: HTTPRequestHead?
        var body: [UInt8] = []
        for try await part in inbound {
            switch part {
            case .head(let h):
                head = h
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let h = head else { continue }
                let request = RecordedRequest(
                    method: h.method.rawValue, target: h.uri, headers: h.headers.map { ($0.name, $0.value) },
                    body: body)
                let number = recorded.withLockedValue { list in
                    list.append(request)
                    return list.count
                }
                var reply = await handler(request, number)
                while case .delayed(let wait, let next) = reply {
                    try await Task.sleep(for: wait)
                    reply = next
                }
                guard case .respond(let status, let headers, let text) = reply else { return }  // drop
                var responseHeaders = HTTPHeaders(headers)
                responseHeaders.replaceOrAdd(name: "Content-Length", value: String(text.utf8.count))
                try await outbound.write(
                    .head(HTTPResponseHead(version: h.version, status: .init(statusCode: status), headers: responseHeaders)))
                try await outbound.write(.body(.byteBuffer(ByteBuffer(string: text))))
                try await outbound.write(.end(nil))
                answered.withLockedValue { $0 += 1 }
            }
        }
    }
}

/// A loopback port where nothing listens, held for as long as this value lives: a socket is
/// bound to it but never listens, so a connection there is refused — and, unlike a port
/// freed after a server stopped, no other test can start a server on it meanwhile.
public final class RefusingPort: Sendable {
    public let port: Int
    private let fd: Int32

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RefusingPortError() }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw RefusingPortError()
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    deinit { close(fd) }
}

public struct RefusingPortError: Error {}

/// A scratch directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init() {
        var template = Array("/tmp/obsw-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
    }

    /// Writes a file with the given mode and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String, mode: mode_t = 0o600) -> String {
        let file = "\(path)/\(name)"
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, mode)
        precondition(fd >= 0, "cannot create \(file)")
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        fchmod(fd, mode)
        close(fd)
        return file
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
