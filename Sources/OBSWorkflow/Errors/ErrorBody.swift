/// Reads the service's error from a failed response, whichever form it took.
///
/// The Data+ ("OEF") endpoints answer JSON `{"code", "message", "request_id"}`, DWR
/// `{"error_code", "error_msg"}` (or the other pairs its SDK reads); generic OBS
/// front ends answer XML `<Error><Code/><Message/><RequestId/><HostId/></Error>`. Headers
/// (`x-obs-error-code`, `x-obs-error-message`, `x-obs-request-id`) fill what the body lacks,
/// so a 5xx from a proxy with an HTML body still yields a status and a request id.
enum ErrorBody {
    static func parse(status: Int, headers: [(String, String)], body: [UInt8], operation: String, attempts: Int)
        -> ServiceError
    {
        func header(_ name: String) -> String? {
            headers.first(where: { $0.0.lowercased() == name })?.1
        }
        var error = ServiceError(status: status, operation: operation, attempts: attempts)
        let contentType = header("content-type")?.lowercased() ?? ""
        let firstByte = body.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 })
        if contentType.contains("json") || firstByte == UInt8(ascii: "{") {
            if var object = try? JSONParser.parse(body).objectValue {
                // DWR (the API gateway) may nest it: {"error": {"code", "message"}}.
                if let nested = object.object("error"), object["code"] == nil, object["error_code"] == nil { object = nested }
                // A code may be a number (DWR documents an integer error_code).
                func text(_ keys: String...) -> String? {
                    for key in keys {
                        if let s = object.string(key) { return s }
                        if let n = object.int(key) { return String(n) }
                    }
                    return nil
                }
                error.code = text("code", "error_code", "errorCode", "Code")
                error.message = text("message", "error_msg", "errorMsg", "Message")
                error.requestID = text("request_id", "RequestId")
                error.hostID = text("hostId", "host_id")
            }
        } else if contentType.contains("xml") || firstByte == UInt8(ascii: "<") {
            let text = String(decoding: body, as: UTF8.self)
            error.code = xmlElement("Code", in: text)
            error.message = xmlElement("Message", in: text)
            error.requestID = xmlElement("RequestId", in: text)
            error.hostID = xmlElement("HostId", in: text)
        }
        error.code = error.code ?? header("x-obs-error-code")
        error.message = error.message ?? header("x-obs-error-message")
        error.requestID = error.requestID ?? header("x-obs-request-id") ?? header("x-request-id")
        error.hostID = error.hostID ?? header("x-obs-id-2")
        return error
    }

    /// The text of the first `<name>…</name>`, entities decoded. The error document is flat
    /// and small, so a scan is enough; a real XML parser would add a dependency for nothing.
    static func xmlElement(_ name: String, in text: String) -> String? {
        guard let open = text.firstRange(of: "<\(name)>"),
            let close = text[open.upperBound...].firstRange(of: "</\(name)>")
        else { return nil }
        var value = String(text[open.upperBound..<close.lowerBound])
        if value.hasPrefix("<![CDATA["), value.hasSuffix("]]>") {
            return String(value.dropFirst(9).dropLast(3))
        }
        for (entity, character) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&apos;", "'"), ("&amp;", "&")] {
            value = value.replacing(entity, with: character)
        }
        return value
    }
}
