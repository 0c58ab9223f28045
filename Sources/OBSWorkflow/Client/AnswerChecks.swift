/// The checks every service client makes of names it sends and answers it reads, one way
/// for both (OBS Data+ and DWR).
protocol AnswerChecks {}

extension AnswerChecks {
    func decode(_ answer: HTTPAnswer, _ request: WorkflowRequest) throws(OBSWorkflowError) -> JSONValue {
        do { return try JSONParser.parse(answer.body) } catch {
            let reason = answer.body.isEmpty ? "the body is empty" : "the body is not JSON (\(error))"
            throw .invalidResponse(
                InvalidResponseError(
                    operation: request.summary, status: answer.status, requestID: answer.requestID, reason: reason))
        }
    }

    /// A listing's items must be a list of records: `{"executions": "not a list"}` (or no
    /// list at all) is an invalid answer, never an empty listing — "nothing to resume" on a
    /// broken answer would be a lie.
    /// - Parameter absentWhenEmpty: the service leaves the list out when it is empty (DWR):
    ///   an answer with a `count` and no list is an empty page.
    func requireList(_ json: JSONObject, _ key: String, operation: String, absentWhenEmpty: Bool = false)
        throws(OBSWorkflowError)
    {
        try requirePagingTypes(json, operation: operation)
        let reason: String
        switch json[key] {
        case .array(let items)? where items.allSatisfy({ $0.objectValue != nil }): return
        case .array?: reason = "the \(key) list holds something that is not a record"
        case nil where absentWhenEmpty && json["count"] != nil, .null? where absentWhenEmpty && json["count"] != nil: return
        case nil: reason = "the answer has no \(key) list"
        case let other?: reason = "\(key) is not a list but \(other.jsonText.prefix(40))"
        }
        throw .invalidResponse(InvalidResponseError(operation: operation, status: 200, reason: reason))
    }

    /// The paging fields of a listing must be of their type when present: a string
    /// `"true"` for `is_truncated`, read as not truncated, would end a listing early and
    /// call it complete.
    func requirePagingTypes(_ json: JSONObject, operation: String) throws(OBSWorkflowError) {
        for (key, expected) in Self.pagingFields {
            guard let value = json[key], value != .null else { continue }
            let fits: Bool
            switch expected {
            case "a boolean": fits = value.boolValue != nil
            case "a whole number": fits = value.intValue != nil
            default: fits = value.stringValue != nil
            }
            if !fits {
                throw .invalidResponse(
                    InvalidResponseError(
                        operation: operation, status: 200,
                        reason: "\(key) is not \(expected) but \(value.jsonText.prefix(40))"))
            }
        }
    }

    static var pagingFields: [(String, String)] {
        [("is_truncated", "a boolean"), ("count", "a whole number"), ("next_offset", "a whole number"),
         ("next_start", "a whole number"), ("next_marker", "a string")]
    }

    /// An empty name would address the list resource instead of one item.
    func validateName(_ name: String, _ what: String) throws(OBSWorkflowError) {
        if name.isEmpty { throw .invalidArgument("the \(what) name is empty") }
    }
}

extension OBSWorkflowClient: AnswerChecks {}
extension DWRWorkflowClient: AnswerChecks {}
