/// One piece of a double-quoted string or a bare word: literal text, or code to evaluate
/// (`$name.field`, `$list[0]`, `${expr}`) whose span the parser parses as an expression.
public enum StringPart: Sendable, Hashable {
    case text(String)
    /// `${expr}` or `$(command)`: any expression.
    case code(Span)
    /// `$name.field[0]`: a reference, whose `.field` steps are soft (see `ExprKind.softField`).
    case reference(Span)
}

public enum Keyword: String, Sendable, CaseIterable {
    case `let`, `if`, `elif`, `else`, `for`, `in`, `while`, `break`, `continue`, `fn`, `return`, `try`, `catch`
    case `throw`, `assert`, `expect`, `exit`, `source`, `and`, `or`, `not`, `true`, `false`, `null`
}

public enum TokenKind: Sendable, Hashable {
    case identifier  // `name` or `$name` (see `dollar`)
    case keyword(Keyword)
    case int(Int)
    case float(Double)
    /// Milliseconds.
    case duration(Int)
    /// Double-quoted (with parts) or single-quoted (one text part).
    case string([StringPart])
    /// A bare word in a command's arguments (may hold `$` interpolations).
    case word([StringPart])
    /// `--name`, or `--name=value` with the value as parts.
    case option(String, [StringPart]?)
    case plus, minus, star, slash, percent
    case assign, equal, notEqual, less, lessEqual, greater, greaterEqual, coalesce
    case dot, comma, colon, semicolon, newline
    case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
    /// `$(`: command substitution.
    case dollarParen
    case eof
    case error(Diagnostic)
}

public struct Token: Sendable {
    public var kind: TokenKind
    public var span: Span
    /// The identifier's name (for `.identifier` and keywords).
    public var name: String = ""
    /// Written `$name` rather than `name`.
    public var dollar = false
    /// Whitespace (or a line start) came right before it: `f(x)` calls, `f (x)` passes an argument.
    public var spaceBefore = false
}
