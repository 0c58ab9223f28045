/// A bulk resume's results, one per target, kept by field rather than as `ResumeResult`s:
/// an outcome byte, a time, where the URN is in the resume's `SharedTexts`, and a reason
/// numbered among the distinct reasons (a million targets share a handful). About 21 bytes a
/// result beside its name, where a `ResumeResult` is 72. Read and written as `ResumeResult`s.
public struct ResumeResults: Sendable {
    /// The execution of each result.
    public private(set) var names: [String]
    public private(set) var outcomes: [ResumeResult.Outcome]
    /// Epoch milliseconds; `Int.min` when not restored (or not known).
    private var restoredAt: [Int]
    /// Where each URN is in `urnTexts` (offset in the high half, length in the low); `noURN`
    /// when there is none.
    private var urnSpans: [UInt64]
    let urnTexts: SharedTexts
    /// URNs the buffer could not take (past 4 GB), by place.
    private var ownURNs: [Int: String] = [:]
    /// Each result's reason: 0 for none, else its number in `reasons`.
    private var reasonNumbers: [UInt32]
    private var reasons = Reasons()

    private static let noURN = UInt64.max

    /// `names.count` results, each `outcome` for `reason`; URNs set later are kept in `urnTexts`.
    public init(names: [String], outcome: ResumeResult.Outcome, reason: String?, urnTexts: SharedTexts = SharedTexts()) {
        self.names = names
        self.urnTexts = urnTexts
        outcomes = Array(repeating: outcome, count: names.count)
        restoredAt = Array(repeating: Int.min, count: names.count)
        urnSpans = Array(repeating: Self.noURN, count: names.count)
        let number = reasons.number(reason)
        reasonNumbers = Array(repeating: number, count: names.count)
    }

    /// No results yet; URNs kept in `urnTexts`.
    public init(urnTexts: SharedTexts = SharedTexts()) { self.init(names: [], outcome: .notAttempted, reason: nil, urnTexts: urnTexts) }

    public init(_ results: some Sequence<ResumeResult>) {
        self.init()
        for result in results { append(result) }
    }

    public mutating func append(_ result: ResumeResult) {
        names.append(result.execution)
        outcomes.append(result.outcome)
        restoredAt.append(Int.min)
        urnSpans.append(Self.noURN)
        reasonNumbers.append(0)
        self[names.count - 1] = result
    }

    /// The reasons of many results, each distinct one kept once. Texts are compared byte for
    /// byte (Swift's `==` holds é and e + U+0301 equal, and a reason must read back as it was).
    private struct Reasons: Sendable {
        var texts: [String] = []
        var numbers: [String: UInt32] = [:]
        /// Past this many distinct reasons (a message naming each execution) they are kept as
        /// they come: a dictionary of a million would outweigh what it saves.
        static let distinctLimit = 4096

        mutating func number(_ reason: String?) -> UInt32 {
            guard let reason else { return 0 }
            if let number = numbers[reason], texts[Int(number) - 1].utf8.elementsEqual(reason.utf8) { return number }
            texts.append(reason)
            let number = UInt32(texts.count)
            if numbers.count < Self.distinctLimit { numbers[reason] = number }
            return number
        }

        func text(_ number: UInt32) -> String? { number == 0 ? nil : texts[Int(number) - 1] }
    }
}

extension ResumeResults: RandomAccessCollection, MutableCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { names.count }

    public subscript(place: Int) -> ResumeResult {
        get {
            var result = ResumeResult(names[place], outcomes[place], reason: reasons.text(reasonNumbers[place]))
            if restoredAt[place] != Int.min { result.restoredAt = restoredAt[place] }
            let span = urnSpans[place]
            if span != Self.noURN {
                result.urnText = .shared(SharedText(texts: urnTexts, offset: UInt32(span >> 32), length: UInt32(span & 0xFFFF_FFFF)))
            } else if let own = ownURNs[place] {
                result.urnText = .own(own)
            }
            return result
        }
        set {
            // Written only when it differs: the names are most often the resume's own array, and a
            // write would copy a million of them.
            if !names[place].utf8.elementsEqual(newValue.execution.utf8) { names[place] = newValue.execution }
            outcomes[place] = newValue.outcome
            restoredAt[place] = newValue.restoredAt ?? Int.min
            reasonNumbers[place] = reasons.number(newValue.reason)
            ownURNs[place] = nil
            urnSpans[place] = Self.noURN
            switch newValue.urnText {
            case .none: break
            case .shared(let text) where text.texts === urnTexts:
                urnSpans[place] = UInt64(text.offset) << 32 | UInt64(text.length)
            case .shared(let text):
                store(text.text, at: place)
            case .own(let text):
                store(text, at: place)
            }
        }
    }

    private mutating func store(_ urn: String, at place: Int) {
        if let text = urnTexts.store(urn) {
            urnSpans[place] = UInt64(text.offset) << 32 | UInt64(text.length)
        } else {
            ownURNs[place] = urn
        }
    }
}

extension ResumeResults: Equatable {
    public static func == (a: ResumeResults, b: ResumeResults) -> Bool { a.elementsEqual(b) }
}

extension ResumeResults: ExpressibleByArrayLiteral {
    public init(arrayLiteral results: ResumeResult...) { self.init(results) }
}
