/// Where the Data+ API lives: scheme, host and port, with no path.
///
/// Accepts what operators paste: `https://obs.cn-north-4.myhuaweicloud.com`,
/// `http://127.0.0.1:9000`, or a bare host (`obs.cn-north-4.myhuaweicloud.com`, https
/// assumed). A trailing `/` is ignored; anything else after the host is refused.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public enum Scheme: String, Sendable { case http, https }

    public var scheme: Scheme
    public var host: String
    public var port: Int?

    public init(scheme: Scheme, host: String, port: Int? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    public init(parsing text: String) throws(ConfigurationError) {
        var rest = Substring(text.trimmingASCIIWhitespace())
        guard !rest.isEmpty else { throw .invalidEndpoint(text, "it is empty") }
        var scheme = Scheme.https
        if let range = rest.firstRange(of: "://") {
            let name = rest[..<range.lowerBound].lowercased()
            guard let parsed = Scheme(rawValue: name) else {
                throw .invalidEndpoint(text, "the scheme must be https:// or http://")
            }
            scheme = parsed
            rest = rest[range.upperBound...]
        }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains(where: { "/?#@ \t".contains($0) }) else {
            throw .invalidEndpoint(text, "give only the scheme, host and port, without a path, bucket or user")
        }
        var host = String(rest)
        var port: Int?
        if host.hasPrefix("[") {
            // IPv6 literal: [::1] or [::1]:9000
            guard let close = host.firstIndex(of: "]") else { throw .invalidEndpoint(text, "unclosed '['") }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()) else { throw .invalidEndpoint(text, "the port is not a number") }
                port = p
            } else if !after.isEmpty {
                throw .invalidEndpoint(text, "unexpected text after ']'")
            }
            host = String(host[...close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]) else {
                throw .invalidEndpoint(text, "the port is not a number")
            }
            port = p
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { throw .invalidEndpoint(text, "the host is missing") }
        if let port, !(1...65535).contains(port) { throw .invalidEndpoint(text, "the port must be 1-65535") }
        self.init(scheme: scheme, host: host.lowercased(), port: port)
    }

    /// The port a connection uses.
    public var effectivePort: Int { port ?? (scheme == .https ? 443 : 80) }

    /// `host` or `host:port` as a `Host` header carries it (the port only when not the default).
    public var hostHeader: String {
        if let port, port != (scheme == .https ? 443 : 80) { return "\(host):\(port)" }
        return host
    }

    public var url: String { "\(scheme.rawValue)://\(hostHeader)" }
    public var description: String { url }

    /// Loopback addresses, where plain http cannot be intercepted by anyone else.
    /// `localhost`, `[::1]`, or an IPv4 address in 127.0.0.0/8 — decided on the address
    /// itself: `127.attacker.example` is a name like any other, not loopback.
    public var isLoopback: Bool {
        if host.lowercased() == "localhost" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127"
            && octets.allSatisfy { $0.count <= 3 && !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) && Int($0)! <= 255 }
    }

    /// The region in a standard endpoint name (`obs.cn-north-4.myhuaweicloud.com` or
    /// `dwr-lms.cn-north-9.myhuaweicloud.com` → the region).
    public var impliedRegion: String? {
        let parts = host.split(separator: ".")
        guard parts.count >= 4, ["obs", "dwr", "dwr-lms"].contains(parts[0]), host.hasSuffix(".myhuaweicloud.com") else {
            return nil
        }
        return String(parts[1])
    }

    /// DWR's hosts, from the official SDK's region table: `cn-south-1` is `dwr.`, the others
    /// `dwr-lms.`.
    public static let dwrRegions: [String: String] = [
        "cn-south-1": "dwr.cn-south-1.myhuaweicloud.com",
        "cn-southwest-2": "dwr-lms.cn-southwest-2.myhuaweicloud.com",
        "cn-north-11": "dwr-lms.cn-north-11.myhuaweicloud.com",
        "cn-north-9": "dwr-lms.cn-north-9.myhuaweicloud.com",
        "cn-east-3": "dwr-lms.cn-east-3.myhuaweicloud.com",
    ]

    /// Whether `text` looks like a region (`cn-north-4`): lower-case letters, digits and
    /// `-`. A region becomes part of a host name, so anything else (`@`, `/`, `.`) could
    /// point signed requests at another host.
    public static func isRegionName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 63 && text.first != "-" && text.last != "-"
            && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    /// The DWR endpoint of a region; nil for a region DWR does not serve.
    public static func forDWRRegion(_ region: String) -> Endpoint? {
        dwrRegions[region].map { Endpoint(scheme: .https, host: $0) }
    }

    /// The public endpoint of a region.
    public static func forRegion(_ region: String) -> Endpoint {
        Endpoint(scheme: .https, host: "obs.\(region).myhuaweicloud.com")
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        var s = Substring(self)
        while let first = s.first, first == " " || first == "\t" || first == "\n" || first == "\r" { s = s.dropFirst() }
        while let last = s.last, last == " " || last == "\t" || last == "\n" || last == "\r" { s = s.dropLast() }
        return String(s)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
