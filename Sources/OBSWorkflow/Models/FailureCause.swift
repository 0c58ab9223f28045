/// What `triage` groups failures by, and a scenario's `error_group` rule matches: the state
/// that failed and its error text with the parts that differ from run to run masked —
/// times, ids, numbers — so "timed out after 30012 ms on host-17" and "timed out after
/// 30001 ms on host-3" are one cause.
public enum FailureCause {
    /// The masked text of `error` (its first `groupedCharacters`): the cause it names.
    public static func pattern(of error: String) -> String { mask(cut(error)) }

    /// Errors are grouped by their first this many characters: past that, a megabyte of
    /// text (a stack trace, a whole response) costs seconds to mask and says nothing more
    /// about the cause.
    public static let groupedCharacters = 2000

    public static func cut(_ text: String) -> String {
        // Fewer bytes than characters allowed: short, without counting (counting is O(n)).
        guard text.utf8.count > groupedCharacters else { return text }
        let kept = text.unicodeScalars.prefix(groupedCharacters)
        guard kept.endIndex < text.unicodeScalars.endIndex else { return text }
        return String(String.UnicodeScalarView(kept)) + "…"
    }

    /// The error text with what varies between runs of the same cause masked: ISO times,
    /// UUIDs and long hex ids, then numbers.
    public static func mask(_ text: String) -> String {
        var text = text
        for (pattern, mark) in masks { text.replace(pattern.regex, with: mark) }
        return text
    }

    /// Built once: a regex literal is parsed again at each evaluation, which was half the
    /// time of masking (10,000 errors: 6.8 s for a plan's summary).
    static let masks: [(pattern: Pattern, mark: String)] = [
        (Pattern(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?/), "<time>"),
        (Pattern(/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/), "<id>"),
        // A hex run of six or more holding a digit and a letter is an id (request ids, hashes).
        (Pattern(/\b(?=[0-9a-fA-F]*[0-9])(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{6,}\b/), "<id>"),
        (Pattern(/\d+(\.\d+)?/), "<n>"),
    ]

    /// A compiled expression, shared read-only (Regex is not Sendable; matching does not
    /// change it).
    struct Pattern: @unchecked Sendable {
        let regex: Regex<AnyRegexOutput>
        init<Output>(_ regex: Regex<Output>) { self.regex = Regex(regex) }
    }
}
