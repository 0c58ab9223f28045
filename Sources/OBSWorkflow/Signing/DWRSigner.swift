import Crypto

/// `SDK-HMAC-SHA256`, the signature of Huawei Cloud's API gateway as the official SDK
/// (huaweicloudsdkcore) makes it, byte for byte — the scheme DWR v3 requests carry.
///
/// ```
/// CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n hex(SHA-256(body))
/// StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(SHA-256(CanonicalRequest))
/// Signature        = hex(HMAC-SHA256(secret key, StringToSign))
/// Authorization    = "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b;c, Signature=…"
/// ```
///
/// Every part encodes with the strict rule (only `A-Z a-z 0-9 - _ . ~` kept, upper-case
/// `%XX`); the canonical URI is the wire path decoded, split on `/`, re-encoded per segment
/// and ending in `/`; query pairs are sorted by their raw (decoded) text before encoding.
public enum DWRSigner {
    public static let algorithm = "SDK-HMAC-SHA256"
    /// `SHA-256("")`: the payload hash of a request without a body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The canonical URI of a path as sent (percent-encoded); nil when an escape is malformed.
    /// A `/` sent as `%2F` inside a name becomes a separator here, as in the SDK.
    public static func canonicalURI(wirePath: String) -> String? {
        guard let decoded = PercentEncoding.decode(wirePath) else { return nil }
        let encoded = decoded.split(separator: "/", omittingEmptySubsequences: false)
            .map { PercentEncoding.encode(String($0)) }.joined(separator: "/")
        return encoded.hasSuffix("/") ? encoded : encoded + "/"
    }

    /// Query pairs sorted by raw key then raw value (UTF-8 byte order, as Python sorts
    /// strings), each written `enc(key)=enc(value)`, joined by `&`. This is also the query
    /// string the SDK puts on the wire.
    public static func canonicalQuery(_ items: [QueryItem]) -> String {
        items.sorted { a, b in
            if a.name != b.name { return a.name.utf8.lexicographicallyPrecedes(b.name.utf8) }
            return (a.value ?? "").utf8.lexicographicallyPrecedes((b.value ?? "").utf8)
        }
        .map { PercentEncoding.encode($0.name) + "=" + PercentEncoding.encode($0.value ?? "") }
        .joined(separator: "&")
    }

    /// The signed headers: names lower-cased and sorted, values trimmed; a name holding `_`
    /// is never signed (the SDK skips those).
    public static func canonicalHeaders(_ headers: [(String, String)]) -> [(name: String, value: String)] {
        headers.filter { !$0.0.contains("_") }
            .map { (name: $0.0.lowercased(), value: $0.1.trimmingASCIIWhitespace()) }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    public static func canonicalRequest(
        method: String, canonicalURI: String, canonicalQuery: String, signedHeaders: [(name: String, value: String)],
        payloadHash: String
    ) -> String {
        var text = method.uppercased() + "\n" + canonicalURI + "\n" + canonicalQuery + "\n"
        for header in signedHeaders { text += header.name + ":" + header.value + "\n" }
        text += "\n" + signedHeaders.map(\.name).joined(separator: ";") + "\n" + payloadHash
        return text
    }

    public static func stringToSign(date: String, canonicalRequest: String) -> String {
        algorithm + "\n" + date + "\n" + hex(SHA256.hash(data: Array(canonicalRequest.utf8)))
    }

    public static func signature(stringToSign: String, secretAccessKey: Secret) -> String {
        let key = SymmetricKey(data: Array(secretAccessKey.reveal().utf8))
        return hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    public static func payloadHash(_ body: [UInt8]) -> String {
        body.isEmpty ? emptyPayloadHash : hex(SHA256.hash(data: body))
    }

    /// The `Authorization` value for a request whose headers (all of them signed; `X-Sdk-Date`
    /// among them) are `headers`.
    public static func authorization(
        method: String, wirePath: String, query: [QueryItem], headers: [(String, String)], body: [UInt8],
        credentials: Credentials
    ) -> String? {
        guard let uri = canonicalURI(wirePath: wirePath),
            let date = headers.first(where: { $0.0.lowercased() == "x-sdk-date" })?.1
        else { return nil }
        let signed = canonicalHeaders(headers)
        let request = canonicalRequest(
            method: method, canonicalURI: uri, canonicalQuery: canonicalQuery(query), signedHeaders: signed,
            payloadHash: payloadHash(body))
        let signature = signature(
            stringToSign: stringToSign(date: date.trimmingASCIIWhitespace(), canonicalRequest: request),
            secretAccessKey: credentials.secretAccessKey)
        return "\(algorithm) Access=\(credentials.accessKeyID), SignedHeaders=\(signed.map(\.name).joined(separator: ";")), Signature=\(signature)"
    }

    /// The parts of an `Authorization` header; nil unless it is `SDK-HMAC-SHA256 Access=…,
    /// SignedHeaders=…, Signature=…`.
    public struct Parsed: Sendable, Equatable {
        public var accessKeyID: String
        public var signedHeaders: [String]
        public var signature: String

        public init(accessKeyID: String, signedHeaders: [String], signature: String) {
            self.accessKeyID = accessKeyID
            self.signedHeaders = signedHeaders
            self.signature = signature
        }
    }

    public static func parse(authorization: String) -> Parsed? {
        guard authorization.hasPrefix(algorithm + " ") else { return nil }
        var fields: [String: String] = [:]
        for part in authorization.dropFirst(algorithm.count + 1).split(separator: ",") {
            let trimmed = String(part).trimmingASCIIWhitespace()
            guard let equals = trimmed.firstIndex(of: "=") else { return nil }
            fields[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
        }
        guard let access = fields["Access"], !access.isEmpty, let names = fields["SignedHeaders"], !names.isEmpty,
            let signature = fields["Signature"], !signature.isEmpty
        else { return nil }
        return Parsed(
            accessKeyID: access, signedHeaders: names.split(separator: ";").map(String.init), signature: signature)
    }

    /// The server's check: recomputes the signature from the request as received (the raw
    /// path and query, the headers `SignedHeaders` names, the body) and compares in constant
    /// time. `secret` looks up the secret key of an access key id.
    public static func isValid(
        authorization: String, method: String, target: String, headers: [(String, String)], body: [UInt8],
        secret: (String) -> Secret?
    ) -> Bool {
        guard let parsed = parse(authorization: authorization), let key = secret(parsed.accessKeyID),
            let (path, query) = SignatureCheck.splitTarget(target), let uri = canonicalURI(wirePath: path)
        else { return false }
        var signed: [(name: String, value: String)] = []
        for name in parsed.signedHeaders {
            guard let value = headers.first(where: { $0.0.lowercased() == name })?.1 else { return false }
            signed.append((name, value.trimmingASCIIWhitespace()))
        }
        guard let date = signed.first(where: { $0.name == "x-sdk-date" })?.value else { return false }
        let hash: String
        if body.isEmpty {
            hash = emptyPayloadHash
        } else if let declared = headers.first(where: { $0.0.lowercased() == "x-sdk-content-sha256" })?.1 {
            hash = declared
        } else {
            hash = payloadHash(body)
        }
        let request = canonicalRequest(
            method: method, canonicalURI: uri, canonicalQuery: canonicalQuery(query), signedHeaders: signed,
            payloadHash: hash)
        let expected = signature(stringToSign: stringToSign(date: date, canonicalRequest: request), secretAccessKey: key)
        return OBSSigner.constantTimeEquals(expected, parsed.signature)
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
