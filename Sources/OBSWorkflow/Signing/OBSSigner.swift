import Crypto

/// One query parameter as sent: `name` alone for a valueless flag (`?x-workflow-prefix`),
/// else `name=value`. Values here are raw (decoded); encoding happens when the URL is built.
public struct QueryItem: Sendable, Hashable {
    public var name: String
    public var value: String?

    public init(_ name: String, _ value: String? = nil) {
        self.name = name
        self.value = value
    }
}

/// Which query parameters count as sub-resources and so enter the string to sign.
///
/// The official SDKs disagree (reference §4.1): the Python and Node.js SDKs sign
/// `x-workflow-execution-type` and `x-workflow-next-marker`, the BrowserJS SDK and the Java v3
/// signer do not. obsw signs like the Python SDK (the twelve vectors come from it); the
/// emulator accepts a signature made under any of these rules.
public enum SubresourceRule: Sendable, CaseIterable {
    case pythonSDK
    case browserSDK

    public func isSubresource(_ name: String) -> Bool {
        let lower = name.lowercased()
        if lower.hasPrefix("x-obs-") { return true }
        switch self {
        case .pythonSDK: return Self.python.contains(lower)
        case .browserSDK: return Self.browser.contains(lower)
        }
    }

    private static let python: Set<String> = [
        "x-workflow-prefix", "x-workflow-start", "x-workflow-limit", "x-workflow-template-name",
        "x-workflow-graph-name", "x-workflow-execution-state", "x-workflow-execution-type",
        "x-workflow-next-marker", "obsworkflowtriggerpolicy",
    ]
    private static let browser: Set<String> = [
        "obsworkflowtriggerpolicy", "x-workflow-limit", "x-workflow-prefix", "x-workflow-start",
        "x-workflow-template-name", "x-workflow-graph-name", "x-workflow-execution-state", "x-workflow-category",
        "x-workflow-create", "template_name", "template_name_prefix", "x-workflow-status", "x-workflow-type",
        "x-workflow-forbid",
    ]
}

/// The OBS header signature ("OBS AK:signature"), byte for byte as the official SDKs make it.
///
/// ```
/// StringToSign = Method \n Content-MD5 \n Content-Type \n Date \n CanonicalizedHeaders CanonicalizedResource
/// Signature    = Base64(HMAC-SHA1(secret key, StringToSign))
/// ```
public enum OBSSigner {
    /// - Parameters:
    ///   - path: the path exactly as sent on the wire (percent-encoded).
    ///   - query: the query parameters with raw values.
    ///   - headers: request headers (any case); `Content-MD5`, `Content-Type`, `Date` and `x-obs-*` are read.
    ///   - bucket: for bucket-scoped (virtual-host) calls, the bucket, signed as `/bucket` + path.
    public static func stringToSign(
        method: String, path: String, query: [QueryItem], headers: [(String, String)], bucket: String? = nil,
        rule: SubresourceRule = .pythonSDK
    ) -> String {
        func header(_ name: String) -> String? {
            headers.first(where: { $0.0.lowercased() == name })?.1
        }
        var obsHeaders: [String: [String]] = [:]
        for (name, value) in headers {
            let lower = name.lowercased()
            guard lower.hasPrefix("x-obs-") else { continue }
            let v = lower.hasPrefix("x-obs-meta-") ? value.trimmingASCIIWhitespace() : value
            obsHeaders[lower, default: []].append(v)
        }
        let date = obsHeaders["x-obs-date"] != nil ? "" : (header("date") ?? "")
        var text = "\(method)\n\(header("content-md5") ?? "")\n\(header("content-type") ?? "")\n\(date)\n"
        for name in obsHeaders.keys.sorted() {
            text += "\(name):\(obsHeaders[name]!.joined(separator: ","))\n"
        }
        text += canonicalResource(path: path, query: query, bucket: bucket, rule: rule)
        return text
    }

    public static func canonicalResource(
        path: String, query: [QueryItem], bucket: String? = nil, rule: SubresourceRule = .pythonSDK
    ) -> String {
        var resource = bucket.map { "/\($0)" + (path.hasPrefix("/") ? path : "/" + path) } ?? path
        let signed = query.filter { rule.isSubresource($0.name) }.sorted { $0.name < $1.name }
        if !signed.isEmpty {
            resource += "?" + signed.map { item in item.value.map { "\(item.name)=\($0)" } ?? item.name }
                .joined(separator: "&")
        }
        return resource
    }

    /// `Base64(HMAC-SHA1(secret, stringToSign))`
    public static func signature(stringToSign: String, secretAccessKey: Secret) -> String {
        let key = SymmetricKey(data: Array(secretAccessKey.reveal().utf8))
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(stringToSign.utf8), using: key)
        return base64(Array(mac))
    }

    /// The `Authorization` header value: `OBS <AccessKeyId>:<Signature>`.
    public static func authorization(stringToSign: String, credentials: Credentials) -> String {
        "OBS \(credentials.accessKeyID):\(signature(stringToSign: stringToSign, secretAccessKey: credentials.secretAccessKey))"
    }

    /// Compares two signatures in time independent of where they differ.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [table[Int(n >> 18 & 63)], table[Int(n >> 12 & 63)], table[Int(n >> 6 & 63)], table[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [table[Int(n >> 18 & 63)], table[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [table[Int(n >> 18 & 63)], table[Int(n >> 12 & 63)], table[Int(n >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
