import OBSWorkflow

/// Checks the OBS header signature of a request as the service does.
struct Authenticator: Sendable {
    /// Key pairs accepted, by access key id.
    let keys: [String: Credentials]
    /// The service refuses requests whose clock differs by more than this.
    static let allowedSkewSeconds = 15 * 60

    init(credentials: [Credentials]) {
        var keys: [String: Credentials] = [:]
        for c in credentials { keys[c.accessKeyID] = c }
        self.keys = keys
    }

    func check(
        method: String, target: String, headers: [(String, String)], bucket: String?, nowSeconds: Int
    ) throws(EmulatorError) {
        func header(_ name: String) -> String? { headers.first(where: { $0.0.lowercased() == name })?.1 }
        guard let authorization = header("authorization") else {
            throw EmulatorError(403, "AccessDenied", "the request carries no Authorization header")
        }
        guard authorization.hasPrefix("OBS "), let colon = authorization.lastIndex(of: ":") else {
            throw EmulatorError(403, "AccessDenied", "the Authorization header is not 'OBS AccessKeyId:Signature'")
        }
        let accessKey = String(authorization[authorization.index(authorization.startIndex, offsetBy: 4)..<colon])
        guard let credentials = keys[accessKey] else {
            throw EmulatorError(403, "InvalidAccessKeyId", "the access key id \(accessKey) does not exist in our records")
        }
        guard let dateText = header("x-obs-date") ?? header("date") else {
            throw EmulatorError(403, "AccessDenied", "the request carries no Date or x-obs-date header")
        }
        guard let date = WireDate.parseRFC1123(dateText) else {
            throw EmulatorError(403, "AccessDenied", "the date '\(dateText)' is not in RFC 1123 form")
        }
        guard abs(date - nowSeconds) <= Self.allowedSkewSeconds else {
            throw EmulatorError(
                403, "RequestTimeTooSkewed",
                "the difference between the request time (\(dateText)) and the server's time "
                    + "(\(WireDate.rfc1123(epochSeconds: nowSeconds))) is too large")
        }
        guard
            SignatureCheck.isValid(
                authorization: authorization, method: method, target: target, headers: headers, bucket: bucket,
                credentials: credentials)
        else {
            throw EmulatorError(
                403, "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
        }
    }
}
