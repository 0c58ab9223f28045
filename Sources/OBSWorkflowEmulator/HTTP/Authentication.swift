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

extension Authenticator {
    /// Checks a DWR v3 request's SDK-HMAC-SHA256 signature as the API gateway does: a known
    /// access key, an `X-Sdk-Date` within 15 minutes, and the signature over the request as
    /// received (path, query, the headers it names, the body). Every refusal is a 401
    /// `APIG.0301`, its message saying which check failed.
    func checkDWR(method: String, target: String, headers: [(String, String)], body: [UInt8], nowSeconds: Int)
        throws(EmulatorError)
    {
        func refuse(_ why: String) -> EmulatorError {
            EmulatorError(401, "APIG.0301", "Incorrect IAM authentication information: \(why)")
        }
        func header(_ name: String) -> String? { headers.first(where: { $0.0.lowercased() == name })?.1 }
        guard let authorization = header("authorization") else { throw refuse("the request carries no Authorization header") }
        guard let parsed = DWRSigner.parse(authorization: authorization) else {
            throw refuse("the Authorization header is not 'SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...'")
        }
        guard let credentials = keys[parsed.accessKeyID] else { throw refuse("the access key \(parsed.accessKeyID) is unknown") }
        guard parsed.signedHeaders.contains("x-sdk-date"), let dateText = header("x-sdk-date") else {
            throw refuse("X-Sdk-Date is missing or not signed")
        }
        guard let date = WireDate.parseSDKDate(String(dateText.filter { $0 != " " && $0 != "\t" })) else {
            throw refuse("X-Sdk-Date '\(dateText)' is not in the form 20250102T030405Z")
        }
        guard abs(date - nowSeconds) <= Self.allowedSkewSeconds else {
            throw refuse(
                "the request time \(dateText) is more than 15 minutes from the server's (\(WireDate.sdkDate(epochSeconds: nowSeconds)))")
        }
        guard
            DWRSigner.isValid(
                authorization: authorization, method: method, target: target, headers: headers, body: body,
                secret: { $0 == credentials.accessKeyID ? credentials.secretAccessKey : nil })
        else {
            throw refuse("verify aksk signature fail")
        }
    }
}
