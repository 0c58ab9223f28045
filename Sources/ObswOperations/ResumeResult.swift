/// What a bulk resume did with one target. The bulk engine and the journal work on these;
/// the language binding makes them values once, at the command's boundary.
public struct ResumeResult: Sendable, Equatable {
    public enum Outcome: String, Sendable, CaseIterable {
        case resumed, planned, skipped, failed
        case notAttempted = "not_attempted"
    }

    public var execution: String
    public var outcome: Outcome
    /// When the service restored it (epoch milliseconds).
    public var restoredAt: Int?
    public var urn: String?
    public var reason: String?

    public init(_ execution: String, _ outcome: Outcome, reason: String? = nil) {
        self.execution = execution
        self.outcome = outcome
        self.reason = reason
    }
}

/// How many results had each outcome (progress lines and summaries).
public struct ResumeTally: Sendable {
    public private(set) var counts: [ResumeResult.Outcome: Int] = [:]

    public init() {}

    public init(_ results: some Sequence<ResumeResult>) {
        for result in results { add(result.outcome) }
    }

    public mutating func add(_ outcome: ResumeResult.Outcome) { counts[outcome, default: 0] += 1 }

    public subscript(_ outcome: ResumeResult.Outcome) -> Int { counts[outcome] ?? 0 }

    /// `40 resumed, 4 failed`, in a fixed order.
    public var text: String {
        ResumeResult.Outcome.allCases.compactMap { outcome in counts[outcome].map { "\($0) \(outcome.rawValue)" } }
            .joined(separator: ", ")
    }
}
