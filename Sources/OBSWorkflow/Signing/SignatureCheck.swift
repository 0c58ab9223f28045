/// The server side of signing: recomputes what a request's `Authorization` should be.
/// The emulator uses it to verify clients; tests use it to check what the client sent.
public enum SignatureCheck {
    /// Splits a raw query string into items with decoded values; nil when an escape is malformed.
    public static func parseQuery(_ query: Substring) -> [QueryItem]? {
        guard !query.isEmpty else { return [] }
        var items: [QueryItem] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            if let equals = part.firstIndex(of: "=") {
                guard let name = PercentEncoding.decode(part[..<equals]),
                    let value = PercentEncoding.decode(part[part.index(after: equals)...])
                else { return nil }
                items.append(QueryItem(name, value))
            } else {
                guard let name = PercentEncoding.decode(part) else { return nil }
                items.append(QueryItem(name))
            }
        }
        return items
    }

    /// Splits a request target (`/path?query`) into the path as sent and the decoded query.
    public static func splitTarget(_ target: String) -> (path: String, query: [QueryItem])? {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard let path = parts.first else { return nil }
        guard let query = parseQuery(parts.count == 2 ? parts[1] : "") else { return nil }
        return (String(path), query)
    }

    /// Whether `authorization` is a valid signature of the request under any sub-resource rule
    /// the official SDKs use.
    public static func isValid(
        authorization: String, method: String, target: String, headers: [(String, String)], bucket: String? = nil,
        credentials: Credentials
    ) -> Bool {
        guard let (path, query) = splitTarget(target) else { return false }
        for rule in SubresourceRule.allCases {
            let text = OBSSigner.stringToSign(
                method: method, path: path, query: query, headers: headers, bucket: bucket, rule: rule)
            let expected = OBSSigner.authorization(stringToSign: text, credentials: credentials)
            if OBSSigner.constantTimeEquals(expected, authorization) { return true }
        }
        return false
    }
}
