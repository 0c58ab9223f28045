import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ObswJSON
#if canImport(Glibc)
import Glibc
#endif

/// What an emulator's control endpoint (`/-/emulator`) says, for tests that check a run
/// against the service's own record of it.
public enum EmulatorControl {
    /// Restores that took effect: the total, and per execution name.
    public static func restores(_ endpoint: String) async throws -> (total: Int, counts: [String: Int]) {
        let json = try await read(endpoint + "/-/emulator/restores")
        var counts: [String: Int] = [:]
        for item in json["executions"]?.arrayValue ?? [] {
            counts[item["execution_name"]?.stringValue ?? "", default: 0] += item["restores"]?.intValue ?? 0
        }
        return (json["total"]?.intValue ?? -1, counts)
    }

    /// Faults injected so far, by kind (`500`, `429`, `drop`, `restore-drop`, ...).
    public static func injected(_ endpoint: String) async throws -> [String: Int] {
        let json = try await read(endpoint + "/-/emulator/faults")
        var counts: [String: Int] = [:]
        for (key, value) in json["injected"]?.objectValue ?? [:] { counts[key] = value.intValue }
        return counts
    }

    /// Blocks the calling thread until the emulator has counted at least `count` restores
    /// that took effect, or `limit` has passed; returns the last total read. For threads of
    /// their own that act on a condition (such as "a restore has happened") rather than after
    /// a fixed time. Plain blocking sockets with timeouts: a URLSession completion that never
    /// came once left such a wait hanging while the run it watched finished.
    @discardableResult
    public static func waitForRestores(_ endpoint: String, atLeast count: Int, within limit: TimeInterval = 30) -> Int {
        let deadline = Date().addingTimeInterval(limit)
        var total = -1
        while Date() < deadline {
            if let body = blockingGet(endpoint, "/-/emulator/restores"), let json = try? JSONParser.parse(body) {
                total = json["total"]?.intValue ?? -1
            }
            if total >= count { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return total
    }

    /// `GET path` over HTTP/1.0 to a loopback `http://127.0.0.1:PORT` endpoint; the body, or
    /// nil on any failure (each socket operation times out after 2 s).
    static func blockingGet(_ endpoint: String, _ path: String) -> [UInt8]? {
        guard let port = endpoint.split(separator: ":").last.flatMap({ UInt16($0) }) else { return nil }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { return nil }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += buffer[0..<n]
            // Done once the head and as many body bytes as it announces have arrived.
            if let split = response.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: response[..<split.lowerBound], as: UTF8.self).lowercased()
                if let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                    let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)),
                    response.count - split.upperBound >= length
                {
                    break
                }
            }
        }
        guard let split = response.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
        return Array(response[split.upperBound...])
    }

    /// `waitForRestores` on a thread of its own, for async tests: blocking a thread of the
    /// concurrency pool would starve what else runs there (an in-process emulator answers
    /// on that pool).
    public static func restoresReached(_ endpoint: String, atLeast count: Int, within limit: TimeInterval = 30) async -> Int {
        await withCheckedContinuation { (done: CheckedContinuation<Int, Never>) in
            Thread { done.resume(returning: waitForRestores(endpoint, atLeast: count, within: limit)) }.start()
        }
    }


    /// The restore quota's record (`--rate-limit`): restores granted and refused, and the
    /// granted ones a second from the first to the last.
    public static func quota(_ endpoint: String) async throws -> (granted: Int, refused: Int, grantedPerSecond: Double) {
        let quota = try await read(endpoint + "/-/emulator")["quota"]
        return (quota?["granted"]?.intValue ?? -1, quota?["refused"]?.intValue ?? -1, quota?["granted_per_second"]?.doubleValue ?? -1)
    }

    static func read(_ url: String) async throws -> JSONValue {
        let (data, _) = try await URLSession.shared.data(from: URL(string: url)!)
        return try JSONParser.parse(Array(data))
    }
}

extension EmulatorControl {
    /// Signed DWR v3 requests the emulator answered, by operation (`show execution`, ...).
    public static func dwrRequests(_ endpoint: String) async throws -> [String: Int] {
        let json = try await read(endpoint + "/-/emulator/dwr-requests")
        var counts: [String: Int] = [:]
        for (key, value) in json.objectValue ?? [:] { counts[key] = value.intValue }
        return counts
    }
}

extension EmulatorControl {
    /// Starts the DWR request counts afresh.
    public static func resetDWRRequests(_ endpoint: String) async throws {
        var request = URLRequest(url: URL(string: endpoint + "/-/emulator/dwr-requests")!)
        request.httpMethod = "DELETE"
        _ = try await URLSession.shared.data(for: request)
    }
}

extension EmulatorControl {
    /// Starts the restore counts afresh.
    public static func resetRestores(_ endpoint: String) async throws {
        var request = URLRequest(url: URL(string: endpoint + "/-/emulator/restores")!)
        request.httpMethod = "DELETE"
        _ = try await URLSession.shared.data(for: request)
    }
}
