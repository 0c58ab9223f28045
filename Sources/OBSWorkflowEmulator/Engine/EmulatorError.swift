/// An error answer: HTTP status, the service-style code, and a message naming what is wrong.
struct EmulatorError: Error, Sendable {
    var status: Int
    var code: String
    var message: String

    init(_ status: Int, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// The code on the DWR face: its own (`DWR.…`, `APIG.…`), else `DWR.0` and the status
    /// (an injected 429 is the gateway's `APIG.0308`).
    var dwrCode: String {
        if code.hasPrefix("DWR.") || code.hasPrefix("APIG.") { return code }
        if status == 429 { return "APIG.0308" }
        return "DWR.0\(status)"
    }

    static func badRequest(_ message: String, code: String = "InvalidArgument") -> EmulatorError {
        EmulatorError(400, code, message)
    }
    static func workflowNotFound(_ name: String) -> EmulatorError {
        EmulatorError(404, "WorkflowNotFound", "workflow \(name) not found")
    }
    static func templateNotFound(_ name: String) -> EmulatorError {
        EmulatorError(404, "TemplateNotFound", "template \(name) not found")
    }
    static func executionNotFound(_ name: String, graph: String) -> EmulatorError {
        EmulatorError(404, "ExecutionNotFound", "execution \(name) not found in workflow \(graph)")
    }
}

/// The naming rules of the service for workflows and templates: a letter or digit first,
/// then letters, digits, `_` and `-`, at most 64 in all.
enum NameRules {
    static func isValidGraphName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64, isAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// Execution names are made by the service; a lookup only needs a plausible one.
    static func isValidExecutionName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 256 && !name.unicodeScalars.contains { $0.value < 0x20 || $0 == "/" }
    }

    static func requireGraphName(_ name: String, _ what: String = "workflow") throws(EmulatorError) {
        guard isValidGraphName(name) else {
            throw .badRequest(
                "invalid \(what) name '\(name)': use 1-64 letters, digits, '_' or '-', starting with a letter or digit",
                code: "InvalidName")
        }
    }

    private static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
    }
}
