/// What a bulk resume did with one target. The bulk engine and the journal work on these;
/// the language binding makes them values once, at the command's boundary.
public struct ResumeResult: Sendable, Equatable {
    public enum Outcome: String, Sendable, CaseIterable {
        case resumed, planned, skipped, failed
        case notAttempted = "not_attempted"
    }

    // In this order the one-byte fields fill the gap after `restoredAt`'s: a million results
    // are 72 MB, not 80.
    public var execution: String
    /// When the service restored it (epoch milliseconds).
    public var restoredAt: Int?
    public var outcome: Outcome
    var urnText: URNText?
    public var reason: String?

    /// The execution's URN as the service returned it.
    public var urn: String? {
        get {
            switch urnText {
            case .none: nil
            case .own(let text): text
            case .shared(let text): text.text
            }
        }
        set { urnText = newValue.map(URNText.own) }
    }

    /// A resume of a million keeps its URNs in one `SharedTexts` (see `setURN`).
    enum URNText: Sendable, Equatable {
        case own(String)
        case shared(SharedText)
    }

    /// Sets the URN, kept in `texts` beside the others of the same resume.
    public mutating func setURN(_ urn: String?, in texts: SharedTexts) {
        urnText = urn.map { texts.store($0).map(URNText.shared) ?? .own($0) }
    }

    public static func == (a: ResumeResult, b: ResumeResult) -> Bool {
        a.execution == b.execution && a.outcome == b.outcome && a.restoredAt == b.restoredAt && a.urn == b.urn
            && a.reason == b.reason
    }

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

    public init(_ results: ResumeResults) {
        for outcome in results.outcomes { add(outcome) }
    }

    public mutating func add(_ outcome: ResumeResult.Outcome) { counts[outcome, default: 0] += 1 }

    public subscript(_ outcome: ResumeResult.Outcome) -> Int { counts[outcome] ?? 0 }

    /// `40 resumed, 4 failed`, in a fixed order.
    public var text: String {
        ResumeResult.Outcome.allCases.compactMap { outcome in counts[outcome].map { "\($0) \(outcome.rawValue)" } }
            .joined(separator: ", ")
    }
}
