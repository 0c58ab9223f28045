import ObswLang

/// What a bulk resume did with one target. The bulk engine and the journal work on these;
/// they become language values once, at the command's boundary (`value`).
struct ResumeResult: Sendable {
    enum Outcome: String, Sendable, CaseIterable {
        case resumed, planned, skipped, failed
        case notAttempted = "not_attempted"
    }

    var execution: String
    var outcome: Outcome
    /// When the service restored it (epoch milliseconds).
    var restoredAt: Int?
    var urn: String?
    var reason: String?

    init(_ execution: String, _ outcome: Outcome, reason: String? = nil) {
        self.execution = execution
        self.outcome = outcome
        self.reason = reason
    }

    /// Every result has these fields in this order; results made from it share the storage
    /// of the field names (a resume of 100,000 executions holds 100,000 results).
    static let template: ValueMap = ["execution_name": .null, "outcome": .null, "restored_at": .null, "execution_urn": .null, "reason": .null]

    /// `{execution_name, outcome, restored_at, execution_urn, reason}`.
    var value: Value {
        // Setting a key the template has changes only the values, never the shared keys.
        var record = Self.template
        record["execution_name"] = .string(execution)
        record["outcome"] = .string(outcome.rawValue)
        if let restoredAt { record["restored_at"] = .time(restoredAt) }
        if let urn { record["execution_urn"] = .string(urn) }
        if let reason { record["reason"] = .string(reason) }
        return .map(record)
    }
}

/// How many results had each outcome (progress lines and summaries).
struct ResumeTally: Sendable {
    private(set) var counts: [ResumeResult.Outcome: Int] = [:]

    init() {}

    init(_ results: some Sequence<ResumeResult>) {
        for result in results { add(result.outcome) }
    }

    mutating func add(_ outcome: ResumeResult.Outcome) { counts[outcome, default: 0] += 1 }

    subscript(_ outcome: ResumeResult.Outcome) -> Int { counts[outcome] ?? 0 }

    /// `40 resumed, 4 failed`, in a fixed order.
    var text: String {
        ResumeResult.Outcome.allCases.compactMap { outcome in counts[outcome].map { "\($0) \(outcome.rawValue)" } }
            .joined(separator: ", ")
    }
}
