/// How a service authenticates requests: the transport builds the common headers, the
/// signer adds its own (date, token, project) and the `Authorization` that covers them.
/// Each attempt is signed anew, so a retry carries a fresh date.
public protocol RequestSigner: Sendable {
    /// Adds the authentication headers for sending `request` with `body` to `endpoint`.
    func sign(
        _ request: WorkflowRequest, body: [UInt8], headers: inout [(String, String)], endpoint: Endpoint,
        credentials: Credentials, nowEpochSeconds: Int)
}

/// The OBS header signature of the Data+ v2 API: `Date`, `x-obs-security-token`, a
/// virtual-host `Host` for bucket calls, and `Authorization: OBS AK:signature`.
public struct OBSRequestSigner: RequestSigner {
    public init() {}

    public func sign(
        _ request: WorkflowRequest, body: [UInt8], headers: inout [(String, String)], endpoint: Endpoint,
        credentials: Credentials, nowEpochSeconds: Int
    ) {
        headers.append(("Date", WireDate.rfc1123(epochSeconds: nowEpochSeconds)))
        if let token = credentials.securityToken { headers.append(("x-obs-security-token", token.reveal())) }
        if let bucket = request.bucket { headers.append(("Host", "\(bucket).\(endpoint.hostHeader)")) }
        let stringToSign = OBSSigner.stringToSign(
            method: request.method, path: request.path, query: request.query, headers: headers, bucket: request.bucket)
        headers.append(("Authorization", OBSSigner.authorization(stringToSign: stringToSign, credentials: credentials)))
    }
}

/// `SDK-HMAC-SHA256` as the official Huawei Cloud SDK signs DWR v3 calls: every header
/// present is signed — `Content-Type`, `User-Agent`, `Host` (with the port only when the
/// endpoint names one), `X-Project-Id`, `X-Sdk-Date` and, with temporary credentials,
/// `X-Security-Token`. Headers added after signing (`Accept`) are not.
public struct DWRRequestSigner: RequestSigner {
    public let projectID: String

    public init(projectID: String) { self.projectID = projectID }

    public func sign(
        _ request: WorkflowRequest, body: [UInt8], headers: inout [(String, String)], endpoint: Endpoint,
        credentials: Credentials, nowEpochSeconds: Int
    ) {
        headers.append(("Host", endpoint.hostHeader))
        headers.append(("X-Project-Id", projectID))
        if let token = credentials.securityToken { headers.append(("X-Security-Token", token.reveal())) }
        if !headers.contains(where: { $0.0.lowercased() == "x-sdk-date" }) {
            headers.append(("X-Sdk-Date", WireDate.sdkDate(epochSeconds: nowEpochSeconds)))
        }
        // The request's own path and query are what goes on the wire; both signer and
        // server canonicalise from them.
        if let authorization = DWRSigner.authorization(
            method: request.method, wirePath: request.path, query: request.query, headers: headers, body: body,
            credentials: credentials)
        {
            headers.append(("Authorization", authorization))
        }
    }
}
