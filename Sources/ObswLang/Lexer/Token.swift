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

extension TokenKind {
    /// Which case this is, payload aside: a cheap equality for the parser's lookahead.
    var tag: Int {
        switch self {
        case .identifier: 0
        case .keyword: 1
        case .int: 2
        case .float: 3
        case .duration: 4
        case .string: 5
        case .word: 6
        case .option: 7
        case .plus: 8
        case .minus: 9
        case .star: 10
        case .slash: 11
        case .percent: 12
        case .assign: 13
        case .equal: 14
        case .notEqual: 15
        case .less: 16
        case .lessEqual: 17
        case .greater: 18
        case .greaterEqual: 19
        case .coalesce: 20
        case .dot: 21
        case .comma: 22
        case .colon: 23
        case .semicolon: 24
        case .newline: 25
        case .leftParen: 26
        case .rightParen: 27
        case .leftBracket: 28
        case .rightBracket: 29
        case .leftBrace: 30
        case .rightBrace: 31
        case .dollarParen: 32
        case .eof: 33
        case .error: 34
        }
    }
}
