/// A regular expression from outside — a schema's `pattern`, a scenario's `error_matches`,
/// `--redact` — compiled once.
public struct TextPattern: @unchecked Sendable {
    // `Regex` is immutable once made; it is not marked Sendable in this toolchain.
    /// The expression as written.
    public let text: String
    public let regex: Regex<AnyRegexOutput>

    /// Compiles `text`; the error says why it is not an expression.
    public init(_ text: String) throws {
        self.text = text
        regex = try Regex(text)
    }

    /// Whether the expression finds something in `subject`.
    public func matches(_ subject: String) -> Bool { (try? regex.firstMatch(in: subject)) != nil }
}
