/// Parses obsw source into a `Program`, collecting diagnostics instead of stopping at the
/// first: after an error it skips to the end of the statement (panic mode), so one mistake
/// gives one error. Every loop must consume input (`progress`), and nesting deeper than
/// `maximumDepth` is an error, so no input can hang it or overflow the stack.
///
/// The grammar, by rule (each parse function repeats its own line):
///
/// ```
/// program    → statement* EOF
/// statement  → let | if | for | while | fn | try | return | throw | check | exit | source
///            | break | continue | block | assignment | command | expression
/// ```
public struct Parser {
    public static let maximumDepth = 200

    let file: SourceFile
    let fileID: Int32
    var lexer: Lexer
    let catalog: any CommandCatalog
    /// Names declared in enclosing scopes: a statement starting with one is an expression,
    /// with another name a command.
    var scopes: [[String: NameKind]]
    /// Blocks open around the current statement: a `}` ends a statement only inside one.
    var blockDepth = 0
    var diagnostics: [Diagnostic] = []
    var depth = 0
    /// Set when an error was reported for the current statement; cleared at its end.
    var panicking = false
    var aborted = false

    /// The next token, lexed in `peekedMode`.
    var peeked: Token?
    var peekedMode: Lexer.Mode = .expression
    /// Where the lexer stood before it read `peeked`: a re-lex starts there, not at the
    /// token's span (an error token's span is the error's, which may start inside it).
    var peekedFrom = 0
    var previousEnd: Int32 = 0
    /// For `obsw fmt`: when set, every token the parse consumes (newlines aside), in order.
    var layout: [LaidOutToken]?

    public init(
        file: SourceFile, fileID: Int32, catalog: any CommandCatalog, knownNames: Set<String> = [],
        range: Range<Int>? = nil
    ) {
        self.file = file
        self.fileID = fileID
        self.catalog = catalog
        self.lexer = Lexer(file: file, fileID: fileID, range: range)
        self.scopes = [Dictionary(uniqueKeysWithValues: knownNames.map { ($0, NameKind.variable) })]
    }

    /// Parses everything; the program is usable only when `diagnostics` is empty.
    public mutating func parseProgram() -> (Program, [Diagnostic]) {
        var statements: [Stmt] = []
        skipSeparators()
        while !check(.eof), !aborted {
            let start = cursor
            let statement = parseStatement()
            if let statement { statements.append(statement) }
            endStatement(after: statement)
            if cursor == start, !check(.eof) {
                advance()  // progress guard: never loop on the same token
            }
        }
        return (Program(statements: statements, file: fileID), diagnostics)
    }

    /// Parses everything and says how each token was read: the formatter's input.
    public mutating func parseProgramLaidOut() -> (Program, [Diagnostic], [LaidOutToken]) {
        layout = []
        let (program, diagnostics) = parseProgram()
        defer { layout = nil }
        return (program, diagnostics, layout ?? [])
    }

    // MARK: Tokens

    /// Where the next unconsumed token starts: loops compare it to prove they made progress.
    var cursor: Int { peeked.map { Int($0.span.start) } ?? lexer.position }

    mutating func peek(_ mode: Lexer.Mode = .expression) -> Token {
        if let token = peeked {
            if peekedMode == mode { return token }
            lexer.reset(to: peekedFrom)
            // Blanks before the token are gone; the flag must survive the re-lex.
            var again = lexer.next(mode)
            again.spaceBefore = token.spaceBefore
            peeked = again
            peekedMode = mode
            return again
        }
        peekedFrom = lexer.position
        let token = lexer.next(mode)
        peeked = token
        peekedMode = mode
        return token
    }

    @discardableResult
    mutating func advance(_ mode: Lexer.Mode = .expression) -> Token {
        let token = peek(mode)
        peeked = nil
        previousEnd = token.span.end
        if case .error(let diagnostic) = token.kind { report(diagnostic) }
        if layout != nil, !Self.same(token.kind, .newline) { layout!.append(LaidOutToken(token: token, mode: mode)) }
        return token
    }

    mutating func check(_ kind: TokenKind, _ mode: Lexer.Mode = .expression) -> Bool {
        Self.same(peek(mode).kind, kind)
    }

    mutating func check(_ keyword: Keyword) -> Bool {
        if case .keyword(let k) = peek().kind { return k == keyword }
        return false
    }

    mutating func match(_ kind: TokenKind) -> Bool {
        guard check(kind) else { return false }
        advance()
        return true
    }

    mutating func match(_ keyword: Keyword) -> Bool {
        guard check(keyword) else { return false }
        advance()
        return true
    }

    /// Consumes `kind` or reports what was expected.
    @discardableResult
    mutating func expect(_ kind: TokenKind, _ what: String) -> Token? {
        if check(kind) { return advance() }
        error(expected: what)
        return nil
    }

    /// Same kind of token, payload aside (keywords must match).
    static func same(_ a: TokenKind, _ b: TokenKind) -> Bool {
        switch (a, b) {
        // Kinds with a value: the kind decides, not the value.
        case (.int, .int), (.float, .float), (.duration, .duration), (.string, .string), (.word, .word), (.option, .option),
            (.error, .error):
            return true
        case (.int, _), (.float, _), (.duration, _), (.string, _), (.word, _), (.option, _), (.error, _):
            return false
        // Punctuation, identifiers and keywords (which must match): plain equality.
        default:
            return a == b
        }
    }

    /// Looks ahead: `body` may read tokens, and the parser is put back where it was.
    mutating func lookAhead<T>(_ body: (inout Parser) -> T) -> T {
        let saved = (lexer, peeked, peekedMode, peekedFrom, previousEnd, layout)
        defer { (lexer, peeked, peekedMode, peekedFrom, previousEnd, layout) = saved }
        return body(&self)
    }

    /// Reads on with `body`; keeps what it read when it returns true, else puts the parser
    /// back (`elif` after a newline, `not` before `in`).
    mutating func speculate(_ body: (inout Parser) -> Bool) -> Bool {
        let saved = (lexer, peeked, peekedMode, peekedFrom, previousEnd, layout)
        if body(&self) { return true }
        (lexer, peeked, peekedMode, peekedFrom, previousEnd, layout) = saved
        return false
    }

    /// The token after the next one.
    mutating func peekSecond() -> Token {
        lookAhead { parser in
            parser.advance()
            return parser.peek()
        }
    }

    mutating func skipNewlines() {
        while check(.newline) { advance() }
    }

    mutating func skipSeparators() {
        while check(.newline) || check(.semicolon) { advance() }
    }

    func span(from start: Span) -> Span { Span(file: fileID, start: start.start, end: max(start.start, previousEnd)) }

    // MARK: Errors

    mutating func report(_ diagnostic: Diagnostic) {
        guard !panicking else { return }
        panicking = true
        diagnostics.append(diagnostic)
    }

    /// Reports "expected X" at the next token; at the end of input that is incomplete input.
    mutating func error(expected what: String) {
        let token = peek()
        if case .error = token.kind { advance(); return }
        if case .eof = token.kind {
            report(Diagnostic(.unexpectedEndOfInput, "expected \(what), but the input ended", at: token.span))
        } else {
            report(Diagnostic(.expected, "expected \(what), found \(describe(token))", at: token.span))
        }
    }

    func describe(_ token: Token) -> String {
        switch token.kind {
        case .eof: return "end of input"
        case .newline: return "end of line"
        case .identifier: return "'\(token.name)'"
        case .keyword(let k): return "'\(k.rawValue)'"
        default: return "'\(file.text(token.span))'"
        }
    }

    /// After a statement: require a separator, and after an error skip to one. A statement
    /// that ends with the `}` of its own block (`if`, `for`, `while`, `fn`, `try`, a bare
    /// block) needs none, as in Lua, JavaScript and Rust: `if k == 0 { return 0 } return 1`.
    mutating func endStatement(after statement: Stmt?) {
        if panicking {
            synchronize()
            panicking = false
        } else if let statement, Self.endsWithItsBlock(statement), previousEnd == statement.span.end {
            // the closing brace ended it
        } else if !(check(.newline) || check(.semicolon) || check(.eof) || check(.rightBrace)) {
            error(expected: "end of statement")
            synchronize()
            panicking = false
        }
        skipSeparators()
    }

    static func endsWithItsBlock(_ statement: Stmt) -> Bool {
        switch statement.kind {
        case .if, .for, .while, .function, .try, .block: true
        default: false
        }
    }

    /// Skips to the end of the current statement: a newline or `;` outside brackets, or a
    /// `}` that closes the enclosing block (left for the block to consume).
    mutating func synchronize() {
        var nesting = 0
        while true {
            let token = peek(.argument)
            switch token.kind {
            case .eof: return
            case .newline: return
            case .semicolon where nesting == 0: return
            case .leftBrace, .leftParen, .leftBracket, .dollarParen: nesting += 1
            case .rightBrace where nesting == 0 && blockDepth > 0: return  // closes the enclosing block
            case .rightBrace, .rightParen, .rightBracket:
                nesting = max(0, nesting - 1)  // a closer at level 0 is a stray left over from the error
            default: break
            }
            peeked = nil
        }
    }

    // MARK: Scopes

    enum NameKind { case variable, function }

    mutating func declare(_ name: String, as kind: NameKind = .variable) { scopes[scopes.count - 1][name] = kind }

    /// How the innermost declaration of `name` was made, if any.
    func declaration(_ name: String) -> NameKind? {
        for scope in scopes.reversed() { if let kind = scope[name] { return kind } }
        return nil
    }

    func isDeclared(_ name: String) -> Bool { declaration(name) != nil }

    /// Enters one level of nesting; false (with an error) when too deep.
    mutating func enter(_ at: Span) -> Bool {
        depth += 1
        if depth > Self.maximumDepth {
            if !aborted {
                panicking = false
                report(Diagnostic(.nestingTooDeep, "nesting deeper than \(Self.maximumDepth) levels", at: at))
            }
            aborted = true
            return false
        }
        return true
    }

    mutating func leave() { depth -= 1 }
}

/// A token as the parse read it, for `obsw fmt`: the mode decides what spacing may change
/// (in a command's arguments, `a-b` and `a - b` differ), and a binary operator gets a space
/// on each side where a unary `-` gets none.
public struct LaidOutToken: Sendable {
    public let token: Token
    public let mode: Lexer.Mode
    public internal(set) var isBinaryOperator = false
}
