#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Which service an endpoint is, however its address is spelt: scheme, host and port (the
/// port the connection uses, stated or not), and for DWR the project, since one DWR
/// endpoint serves many projects. The resume lock is keyed by it, so
/// `http://localhost:9000` and `http://127.0.0.1:9000` are one service, not two that
/// may each resume the same executions.
public struct ServiceIdentity: Sendable, Hashable {
    public var endpoint: Endpoint
    public var project: String?

    public init(endpoint: Endpoint, project: String? = nil) {
        self.endpoint = endpoint
        self.project = project
    }

    /// The names this service goes by, each a key for a lock: the host as written, and
    /// each address it resolves to now (every loopback address is `loopback`: one
    /// machine). Two spellings of one service share at least one name; a name that cannot
    /// be resolved still has its own.
    public func names() -> [String] {
        let host = endpoint.host.lowercased()
        var hosts: Set<String> = [endpoint.isLoopback ? "loopback" : host]
        for address in Self.addresses(of: host) { hosts.insert(address) }
        let suffix = "_\(endpoint.effectivePort)" + (project.map { "_" + $0 } ?? "")
        return hosts.sorted().map { "\(endpoint.scheme.rawValue)_\($0)\(suffix)" }
    }

    /// The addresses `host` resolves to (numeric, loopback ones as `loopback`); none when
    /// it cannot be resolved.
    static func addresses(of host: String) -> [String] {
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var hints = addrinfo()
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var found: [String] = []
        var next = list
        while let info = next {
            if let address = info.pointee.ai_addr, let text = numeric(address, family: info.pointee.ai_family) {
                found.append(text)
            }
            next = info.pointee.ai_next
        }
        return found
    }

    private static func numeric(_ address: UnsafeMutablePointer<sockaddr>, family: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch family {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 -> String? in
                var raw = ipv4.pointee.sin_addr
                // 127.0.0.0/8, in network byte order: the first byte is 127.
                if withUnsafeBytes(of: &raw, { $0.first }) == 127 { return "loopback" }
                guard inet_ntop(AF_INET, &raw, &buffer, socklen_t(buffer.count)) != nil else { return nil }
                return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6 -> String? in
                var raw = ipv6.pointee.sin6_addr
                let bytes = withUnsafeBytes(of: &raw) { Array($0) }
                // ::1, and 127.x.y.z mapped into IPv6 (::ffff:127.x.y.z).
                if bytes == [UInt8](repeating: 0, count: 15) + [1]
                    || (bytes.prefix(10).allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127)
                {
                    return "loopback"
                }
                guard inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil else { return nil }
                return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        default:
            return nil
        }
    }
}
