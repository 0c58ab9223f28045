extension Parser {
    // expression → or
    mutating func parseExpression() -> Expr? {
        let token = peek()
        guard enter(token.span) else { return nil }
        defer { leave() }
        return parseBinary(0)
    }

    /// Binary operators by precedence, loosest first:
    /// `or` · `and` · comparison (`== != < <= > >= in`, `not in`) · `??` · `+ -` · `* / %`.
    static func binaryOperator(_ token: Token) -> (BinaryOperator, Int)? {
        switch token.kind {
        case .keyword(.or): return (.or, 0)
        case .keyword(.and): return (.and, 1)
        case .equal: return (.equal, 3)
        case .notEqual: return (.notEqual, 3)
        case .less: return (.less, 3)
        case .lessEqual: return (.lessEqual, 3)
        case .greater: return (.greater, 3)
        case .greaterEqual: return (.greaterEqual, 3)
        case .keyword(.in): return (.in, 3)
        case .coalesce: return (.coalesce, 4)
        case .plus: return (.add, 5)
        case .minus: return (.subtract, 5)
        case .star: return (.multiply, 6)
        case .slash: return (.divide, 6)
        case .percent: return (.remainder, 6)
        default: return nil
        }
    }

    // binary → unary (operator unary)*   (precedence climbing; a newline may follow an operator)
    mutating func parseBinary(_ minimum: Int) -> Expr? {
        guard var left = parseUnary() else { return nil }
        var chain = 0
        while true {
            var token = peek()
            var op: BinaryOperator
            var precedence: Int
            if case .keyword(.not) = token.kind {
                // `x not in list`
                guard speculate({ parser in
                    parser.advance()
                    return parser.check(.in)
                }) else { return left }
                token = peek()
                (op, precedence) = (.notIn, 3)
            } else {
                guard let found = Self.binaryOperator(token) else { return left }
                (op, precedence) = found
            }
            guard precedence >= minimum else { return left }
            // `1 + 1 + ...` is a loop here but a tree as deep as it is long, which every later
            // phase walks recursively: cap it like nesting.
            chain += 1
            guard chainWithinLimit(chain, at: token.span) else { return nil }
            advance()
            if layout != nil { markBinaryOperator(twoWords: op == .notIn) }
            skipNewlines()
            guard enter(token.span) else { return nil }
            defer { leave() }
            guard let right = parseBinary(precedence + 1) else { return nil }
            left = Expr(kind: .binary(op, left, right), span: left.span.through(right.span))
        }
    }

    /// The formatter spaces a binary operator (`not in`: both words) on both sides.
    mutating func markBinaryOperator(twoWords: Bool) {
        guard var tokens = layout, let last = tokens.indices.last else { return }
        layout = nil  // let the array be uniquely referenced while it changes
        tokens[last].isBinaryOperator = true
        if twoWords, last > 0 { tokens[last - 1].isBinaryOperator = true }
        layout = tokens
    }

    /// Operators (or `.x`, `[i]`, `(...)`) in a row in one expression, at most.
    static let maximumChain = 10_000

    /// False (with an error, and parsing stops) past `maximumChain`.
    mutating func chainWithinLimit(_ count: Int, at span: Span) -> Bool {
        guard count > Self.maximumChain else { return true }
        if !aborted {
            panicking = false
            report(Diagnostic(.nestingTooDeep, "more than 10000 operators in a row in one expression", at: span))
        }
        aborted = true
        return false
    }

    // unary → ("-" | "not") unary | postfix
    mutating func parseUnary() -> Expr? {
        let token = peek()
        if Self.same(token.kind, .minus) || Self.same(token.kind, .keyword(.not)) {
            advance()
            guard enter(token.span) else { return nil }
            defer { leave() }
            // `not` binds looser than comparison: `not a == b` is `not (a == b)`.
            let isNot = Self.same(token.kind, .keyword(.not))
            guard let operand = isNot ? parseBinary(3) : parseUnary() else { return nil }
            if !isNot, case .int(let n) = operand.kind, n >= 0 {
                return Expr(kind: .int(-n), span: token.span.through(operand.span))
            }
            return Expr(kind: .unary(isNot ? .not : .negate, operand), span: token.span.through(operand.span))
        }
        return parsePostfix()
    }

    // postfix → primary ("." NAME | "[" expression "]" | "[" expression? ":" expression? "]"
    //           | "(" arguments ")")*
    mutating func parsePostfix() -> Expr? {
        guard let expr = parsePrimary() else { return nil }
        return parsePostfixTail(expr)
    }

    /// The `.name`, `[index]` and `(arguments)` that follow an expression directly.
    mutating func parsePostfixTail(_ start: Expr) -> Expr? {
        var expr = start
        var chain = 0
        while true {
            let token = peek()
            chain += 1
            guard chainWithinLimit(chain, at: token.span) else { return nil }
            if Self.same(token.kind, .dot) {
                advance()
                let name = peek()
                switch name.kind {
                case .identifier, .keyword:
                    advance()
                    expr = Expr(kind: .field(expr, name.name), span: expr.span.through(name.span))
                default:
                    error(expected: "a field name after '.'")
                    return nil
                }
            } else if Self.same(token.kind, .leftBracket), !token.spaceBefore {
                advance()
                skipNewlines()
                // `[i]`, or a slice `[a:b]` where either bound may be left out.
                var index: Expr?
                if !check(.colon) {
                    guard let i = parseExpression() else { return nil }
                    index = i
                    skipNewlines()
                }
                if match(.colon) {
                    skipNewlines()
                    var end: Expr?
                    if !check(.rightBracket) {
                        guard let e = parseExpression() else { return nil }
                        end = e
                        skipNewlines()
                    }
                    guard let close = expectClosing(.rightBracket, "]", opener: token) else { return nil }
                    expr = Expr(kind: .slice(expr, index, end), span: expr.span.through(close.span))
                    continue
                }
                guard let close = expectClosing(.rightBracket, "]", opener: token), let index else { return nil }
                expr = Expr(kind: .index(expr, index), span: expr.span.through(close.span))
            } else if Self.same(token.kind, .leftParen), !token.spaceBefore {
                advance()
                guard let (arguments, close) = parseList(closing: .rightParen, ")", opener: token) else { return nil }
                expr = Expr(kind: .call(expr, arguments), span: expr.span.through(close.span))
            } else {
                return expr
            }
        }
    }

    /// Comma-separated expressions up to `closing`; newlines allowed anywhere inside.
    mutating func parseList(closing: TokenKind, _ text: String, opener: Token) -> ([Expr], Token)? {
        var items: [Expr] = []
        skipNewlines()
        while !check(closing) {
            let before = cursor
            guard let item = parseExpression() else { return nil }
            items.append(item)
            skipNewlines()
            if !check(.comma), !check(closing), let hint = commandInExpressionHint(item) {
                report(hint)
                return nil
            }
            if !match(.comma) { break }
            skipNewlines()
            if cursor == before { break }
        }
        guard let close = expectClosing(closing, text, opener: opener) else { return nil }
        return (items, close)
    }

    /// `len(executions transcode)`: a command name where a value belongs, followed by its
    /// arguments. Says how to write it (`$( )`) instead of "expected ')'".
    func commandInExpressionHint(_ item: Expr) -> Diagnostic? {
        guard case .variable(let name) = item.kind, !isDeclared(name), catalog.command(named: name) != nil,
            file.text(item.span) == name  // written bare, not `$name`
        else { return nil }
        // The call as written, up to the bracket that closes it on this line.
        var end = Int(item.span.start), depth = 0
        let bytes = file.bytes
        scan: while end < bytes.count {
            switch bytes[end] {
            case UInt8(ascii: "\n"): break scan
            case UInt8(ascii: "("), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: ")"), UInt8(ascii: "]"):
                if depth == 0 { break scan }
                depth -= 1
            default: break
            }
            end += 1
        }
        let written = String(decoding: bytes[Int(item.span.start)..<end], as: UTF8.self).trimmingWhitespace()
        return Diagnostic(
            .expected, "'\(name)' is a command; to use its result in an expression, write $(\(written))", at: item.span)
    }

    /// The closing bracket, or an error pointing at the opener (incomplete at end of input).
    mutating func expectClosing(_ kind: TokenKind, _ text: String, opener: Token) -> Token? {
        if check(kind) { return advance() }
        if check(.eof) {
            report(Diagnostic(.unclosedBracket, "this '\(file.text(opener.span))' is never closed", at: opener.span))
        } else if file.location(of: Int(peek().span.start)).line > file.location(of: Int(opener.span.start)).line {
            // Ran on into later lines: the opener is where the mistake is.
            report(Diagnostic(.expected, "this '\(file.text(opener.span))' is not closed (expected '\(text)' before \(describe(peek())))", at: opener.span))
        } else {
            error(expected: "'\(text)'")
        }
        return nil
    }

    // primary → literal | NAME | "$" NAME | string | "(" expression ")" | list | map | "fn" function
    //         | "$(" command ")"
    mutating func parsePrimary() -> Expr? {
        let token = peek()
        switch token.kind {
        case .int(let n): advance(); return Expr(kind: .int(n), span: token.span)
        case .float(let d): advance(); return Expr(kind: .float(d), span: token.span)
        case .duration(let ms): advance(); return Expr(kind: .duration(ms), span: token.span)
        case .keyword(.true): advance(); return Expr(kind: .bool(true), span: token.span)
        case .keyword(.false): advance(); return Expr(kind: .bool(false), span: token.span)
        case .keyword(.null): advance(); return Expr(kind: .null, span: token.span)
        case .identifier:
            advance()
            return Expr(kind: .variable(token.name), span: token.span)
        case .string(let parts):
            advance()
            return interpolation(parts, span: token.span)
        case .word(let parts):
            // `${expr}` in code: a grouping.
            advance()
            return interpolation(parts, span: token.span, keepValue: true)
        case .leftParen:
            advance()
            skipNewlines()
            guard let inner = parseExpression() else { return nil }
            skipNewlines()
            guard expectClosing(.rightParen, ")", opener: token) != nil else { return nil }
            return Expr(kind: inner.kind, span: token.span.through(Span(file: fileID, start: previousEnd, end: previousEnd)))
        case .leftBracket:
            return parseListLiteral()
        case .leftBrace:
            return parseMapLiteral()
        case .keyword(.fn):
            let start = advance().span
            guard let decl = parseFunctionRest(name: nil, nameSpan: start, start: start) else { return nil }
            return Expr(kind: .function(decl), span: decl.span)
        case .dollarParen:
            return parseCommandSubstitution()
        case .error:
            advance()
            return nil
        default:
            error(expected: "an expression")
            return nil
        }
    }

    // list → "[" (expression ("," expression)* | expression "for" NAME "in" expression ("if" expression)?) "]"
    mutating func parseListLiteral() -> Expr? {
        let open = advance()
        skipNewlines()
        if check(.rightBracket) {
            let close = advance()
            return Expr(kind: .list([]), span: open.span.through(close.span))
        }
        guard let first = parseExpression() else { return nil }
        skipNewlines()
        if match(.for) {
            guard let name = expect(.identifier, "a variable after 'for'") else { return nil }
            guard match(.in) else {
                error(expected: "'in'")
                return nil
            }
            guard let sequence = parseExpression() else { return nil }
            skipNewlines()
            var condition: Expr?
            if match(.if) {
                guard let c = parseExpression() else { return nil }
                condition = c
                skipNewlines()
            }
            guard let close = expectClosing(.rightBracket, "]", opener: open) else { return nil }
            return Expr(
                kind: .comprehension(element: first, name: name.name, nameSpan: name.span, sequence: sequence, condition: condition),
                span: open.span.through(close.span))
        }
        var items = [first]
        if match(.comma) {
            skipNewlines()
            if !check(.rightBracket) {
                guard let (rest, close) = parseList(closing: .rightBracket, "]", opener: open) else { return nil }
                return Expr(kind: .list(items + rest), span: open.span.through(close.span))
            }
        }
        guard let close = expectClosing(.rightBracket, "]", opener: open) else { return nil }
        items = items + []
        return Expr(kind: .list(items), span: open.span.through(close.span))
    }

    // map → "{" (key ":" expression ("," key ":" expression)*)? "}";  key → NAME | string
    mutating func parseMapLiteral() -> Expr? {
        let open = advance()
        var entries: [(key: String, value: Expr)] = []
        skipNewlines()
        while !check(.rightBrace) {
            let before = cursor
            let keyToken = peek()
            let key: String
            switch keyToken.kind {
            case .identifier, .keyword:
                key = keyToken.name
            case .string(let parts):
                guard parts.allSatisfy({ if case .text = $0 { true } else { false } }) else {
                    report(Diagnostic(.unexpectedToken, "a map key cannot be interpolated", at: keyToken.span))
                    return nil
                }
                key = parts.map { if case .text(let t) = $0 { t } else { "" } }.joined()
            case .eof:
                report(Diagnostic(.unclosedBracket, "this '{' is never closed", at: open.span))
                return nil
            default:
                error(expected: "a map key (a name or a string)")
                return nil
            }
            advance()
            guard expect(.colon, "':' after the map key") != nil else { return nil }
            skipNewlines()
            guard let value = parseExpression() else { return nil }
            entries.append((key, value))
            skipNewlines()
            if !match(.comma) { break }
            skipNewlines()
            if cursor == before { break }
        }
        guard let close = expectClosing(.rightBrace, "}", opener: open) else { return nil }
        return Expr(kind: .map(entries), span: open.span.through(close.span))
    }

    /// Builds a string (or, for `keepValue` with a single code part, the value itself) from
    /// parts, parsing each code span as an expression.
    mutating func interpolation(_ parts: [StringPart], span: Span, keepValue: Bool = false) -> Expr? {
        var result: [InterpolatedPart] = []
        for part in parts {
            switch part {
            case .text(let t): result.append(.text(t))
            case .code(let code):
                guard let expr = parseEmbedded(code) else { return nil }
                result.append(.expr(expr))
            case .reference(let code):
                guard let expr = parseEmbedded(code) else { return nil }
                result.append(.expr(Self.softened(expr)))
            }
        }
        if result.isEmpty { return Expr(kind: .string(""), span: span) }
        if result.count == 1 {
            switch result[0] {
            case .text(let t): return Expr(kind: .string(t), span: span)
            case .expr(let e) where keepValue: return e
            default: break
            }
        }
        return Expr(kind: .interpolated(result), span: span)
    }

    /// Turns the `.field` steps of a reference into soft ones.
    static func softened(_ expr: Expr) -> Expr {
        switch expr.kind {
        case .field(let base, let name): return Expr(kind: .softField(softened(base), name), span: expr.span)
        case .index(let base, let index): return Expr(kind: .index(softened(base), index), span: expr.span)
        default: return expr
        }
    }

    /// Parses the code of an interpolation (`${...}` or `$name.field`) in place, with the
    /// same scopes, so its spans point into the file.
    mutating func parseEmbedded(_ code: Span) -> Expr? {
        var inner = Parser(
            file: file, fileID: fileID, catalog: catalog, knownNames: [], range: Int(code.start)..<Int(code.end))
        inner.scopes = scopes
        inner.depth = depth
        inner.skipNewlines()
        let expr = inner.enter(code) ? inner.parseValueOrCommand() : nil
        if expr != nil {
            inner.skipNewlines()
            if !inner.check(.eof) { inner.error(expected: "the end of the interpolation") }
        }
        if inner.aborted { aborted = true }
        if var first = inner.diagnostics.first {
            // The interpolation itself is closed: running out of input inside it is a plain error.
            if first.isIncompleteInput {
                first = Diagnostic(.expected, "incomplete expression in interpolation", at: code)
            }
            report(first)
            return nil
        }
        return expr
    }
}
