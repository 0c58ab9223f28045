extension Parser {
    // statement → let | if | for | while | fn | try | return | throw | check | exit | source
    //           | break | continue | block | assignment | command | expression
    mutating func parseStatement() -> Stmt? {
        let token = peek()
        guard enter(token.span) else { return nil }
        defer { leave() }
        switch token.kind {
        case .keyword(let keyword):
            switch keyword {
            case .let: return parseLet()
            case .if: return parseIf()
            case .for: return parseFor()
            case .while: return parseWhile()
            case .fn where !isAnonymousFunction(): return parseFunctionStatement()
            case .try: return parseTry()
            case .return: return parseReturn()
            case .throw:
                advance()
                guard let value = parseExpression() else { return nil }
                return Stmt(kind: .throw(value), span: span(from: token.span))
            case .assert, .expect: return parseCheck(hard: keyword == .assert)
            case .exit:
                advance()
                let code = atStatementEnd() ? nil : parseExpression()
                return Stmt(kind: .exit(code), span: span(from: token.span))
            case .source:
                advance()
                guard let path = parseArgument() else { return nil }
                return Stmt(kind: .source(path), span: span(from: token.span))
            case .break:
                advance()
                return Stmt(kind: .break, span: token.span)
            case .continue:
                advance()
                return Stmt(kind: .continue, span: token.span)
            case .elif, .else:
                advance()
                report(Diagnostic(.misplacedElse, "'\(keyword.rawValue)' without an 'if' before it", at: token.span))
                return nil
            default: break
            }
        case .leftBrace where !startsMapLiteral():
            guard let block = parseBlock() else { return nil }
            return Stmt(kind: .block(block), span: block.span)
        case .identifier where !token.dollar:
            return parseNameStatement()
        default: break
        }
        return parseExpressionOrAssignment()
    }

    /// `{}` or `{key: ...}` at the start of a statement is a map, not a block.
    mutating func startsMapLiteral() -> Bool {
        lookAhead { parser in
            parser.advance()
            parser.skipNewlines()
            let key = parser.peek()
            if Self.same(key.kind, .rightBrace) { return true }
            switch key.kind {
            case .identifier, .string, .keyword: break
            default: return false
            }
            parser.advance()
            return parser.check(.colon)
        }
    }

    func atStatementEndKind(_ kind: TokenKind) -> Bool {
        switch kind {
        case .newline, .semicolon, .eof, .rightBrace: return true
        default: return false
        }
    }

    mutating func atStatementEnd() -> Bool { atStatementEndKind(peek().kind) }

    // let → "let" NAME "=" (command | expression)
    mutating func parseLet() -> Stmt? {
        let start = advance().span
        guard let nameToken = expect(.identifier, "a variable name after 'let'") else { return nil }
        guard expect(.assign, "'=' after 'let \(nameToken.name)'") != nil else { return nil }
        skipNewlines()
        guard let value = parseValueOrCommand() else { return nil }
        declare(nameToken.name)
        return Stmt(kind: .let(name: nameToken.name, nameSpan: nameToken.span, value: value), span: span(from: start))
    }

    /// The right-hand side of `let` and `=`: a bare command (`executions $g --state FAILED`)
    /// when it starts with a name that is neither a variable nor a direct call, else an expression.
    mutating func parseValueOrCommand() -> Expr? {
        let token = peek()
        if case .identifier = token.kind, !token.dollar, !isDeclared(token.name), catalog.command(named: token.name) != nil {
            let next = peekSecond()
            let isDirectCall = Self.same(next.kind, .leftParen) && !next.spaceBefore
            if !isDirectCall, let call = parseCommand() {
                return Expr(kind: .command(call), span: call.span)
            }
            if !isDirectCall { return nil }
        }
        return parseExpression()
    }

    // if → "if" expression block ("elif" expression block)* ("else" block)?
    mutating func parseIf() -> Stmt? {
        let start = advance().span
        var branches: [(condition: Expr, body: Block)] = []
        guard let condition = parseExpression(), let body = parseBlock() else { return nil }
        branches.append((condition, body))
        var otherwise: Block?
        while true {
            // `elif`/`else` may follow the closing brace on the next line.
            guard speculate({ parser in
                parser.skipNewlines()
                return parser.check(.elif) || parser.check(.else)
            }) else { break }
            if match(.elif) {
                guard let c = parseExpression(), let b = parseBlock() else { return nil }
                branches.append((c, b))
                continue
            }
            if match(.else) {
                if check(.if) {
                    // `else if` reads as `elif`
                    guard let nested = parseIf() else { return nil }
                    otherwise = Block(statements: [nested], span: nested.span)
                } else {
                    guard let b = parseBlock() else { return nil }
                    otherwise = b
                }
                break
            }
        }
        return Stmt(kind: .if(branches: branches, otherwise: otherwise), span: span(from: start))
    }

    // for → "for" NAME "in" expression block
    mutating func parseFor() -> Stmt? {
        let start = advance().span
        guard let name = expect(.identifier, "a loop variable after 'for'") else { return nil }
        guard match(.in) else {
            error(expected: "'in' after 'for \(name.name)'")
            return nil
        }
        guard let sequence = parseExpression() else { return nil }
        scopes.append([name.name: .variable])
        defer { scopes.removeLast() }
        guard let body = parseBlock(newScope: false) else { return nil }
        return Stmt(kind: .for(name: name.name, nameSpan: name.span, sequence: sequence, body: body), span: span(from: start))
    }

    // while → "while" expression block
    mutating func parseWhile() -> Stmt? {
        let start = advance().span
        guard let condition = parseExpression(), let body = parseBlock() else { return nil }
        return Stmt(kind: .while(condition: condition, body: body), span: span(from: start))
    }

    /// `fn name(` is a declaration; `fn(` an anonymous function expression.
    mutating func isAnonymousFunction() -> Bool {
        lookAhead { parser in
            parser.advance()
            return parser.check(.leftParen)
        }
    }

    // fn → "fn" NAME "(" parameters ")" block
    mutating func parseFunctionStatement() -> Stmt? {
        let start = advance().span
        guard let name = expect(.identifier, "a function name after 'fn'") else { return nil }
        declare(name.name, as: .function)  // declared before the body, so it can call itself
        guard let decl = parseFunctionRest(name: name.name, nameSpan: name.span, start: start) else { return nil }
        return Stmt(kind: .function(decl), span: decl.span)
    }

    // parameters → (NAME ("=" expression)? ("," NAME ("=" expression)?)*)?
    mutating func parseFunctionRest(name: String?, nameSpan: Span, start: Span) -> FunctionDecl? {
        guard expect(.leftParen, "'(' to start the parameter list") != nil else { return nil }
        var parameters: [FunctionDecl.Parameter] = []
        skipNewlines()
        while !check(.rightParen) {
            let before = cursor
            guard let p = expect(.identifier, "a parameter name") else { return nil }
            var defaultValue: Expr?
            if match(.assign) {
                guard let value = parseExpression() else { return nil }
                defaultValue = value
            }
            parameters.append(.init(name: p.name, span: p.span, defaultValue: defaultValue))
            skipNewlines()
            if !match(.comma) { break }
            skipNewlines()
            if cursor == before { break }
        }
        guard expect(.rightParen, "')' to close the parameter list") != nil else { return nil }
        scopes.append(Dictionary(parameters.map { ($0.name, NameKind.variable) }, uniquingKeysWith: { a, _ in a }))
        defer { scopes.removeLast() }
        guard let body = parseBlock(newScope: false) else { return nil }
        return FunctionDecl(name: name, nameSpan: nameSpan, parameters: parameters, body: body, span: span(from: start))
    }

    // try → "try" block "catch" NAME? block
    mutating func parseTry() -> Stmt? {
        let start = advance().span
        guard let body = parseBlock() else { return nil }
        guard speculate({ parser in
            parser.skipNewlines()
            return parser.match(.catch)
        }) else {
            error(expected: "'catch' after the 'try' block")
            return nil
        }
        var errorName: String?
        var errorSpan = Span.none
        if case .identifier = peek().kind {
            let t = advance()
            errorName = t.name
            errorSpan = t.span
        }
        scopes.append(errorName.map { [$0: .variable] } ?? [:])
        defer { scopes.removeLast() }
        guard let handler = parseBlock(newScope: false) else { return nil }
        return Stmt(kind: .try(body: body, errorName: errorName, errorSpan: errorSpan, handler: handler), span: span(from: start))
    }

    // return → "return" expression?
    mutating func parseReturn() -> Stmt? {
        let start = advance().span
        if atStatementEnd() { return Stmt(kind: .return(nil), span: start) }
        guard let value = parseValueOrCommand() else { return nil }
        return Stmt(kind: .return(value), span: span(from: start))
    }

    // check → ("assert" | "expect") expression ("," expression)?
    mutating func parseCheck(hard: Bool) -> Stmt? {
        let start = advance().span
        guard let condition = parseExpression() else { return nil }
        var message: Expr?
        if match(.comma) {
            skipNewlines()
            guard let m = parseExpression() else { return nil }
            message = m
        }
        return Stmt(
            kind: .check(hard: hard, condition: condition, message: message, text: file.text(condition.span)),
            span: span(from: start))
    }

    // block → "{" statement* "}"
    mutating func parseBlock(newScope: Bool = true) -> Block? {
        guard let open = expect(.leftBrace, "'{' to start a block") else { return nil }
        if newScope { scopes.append([:]) }
        blockDepth += 1
        defer {
            if newScope { scopes.removeLast() }
            blockDepth -= 1
        }
        var statements: [Stmt] = []
        skipSeparators()
        while !check(.rightBrace) {
            if check(.eof) {
                report(Diagnostic(.unclosedBlock, "this '{' is never closed", at: open.span))
                return nil
            }
            if aborted { return nil }
            let before = cursor
            let statement = parseStatement()
            if let statement { statements.append(statement) }
            endStatement(after: statement)
            if cursor == before, !check(.rightBrace), !check(.eof) {
                advance()
            }
        }
        advance()
        return Block(statements: statements, span: span(from: open.span))
    }

    /// A statement starting with a bare name: assignment, expression (a declared variable or
    /// a direct call `f(x)`), or a command.
    mutating func parseNameStatement() -> Stmt? {
        let token = peek()
        let next = peekSecond()
        let glued = !next.spaceBefore
        let gluedAccess = glued && (Self.same(next.kind, .leftParen) || Self.same(next.kind, .leftBracket) || Self.same(next.kind, .dot))
        // A variable starts an expression; a function declared with `fn` may be called like a
        // command (`f 1 2`); any other name is a command.
        let isExpression = declaration(token.name) == .variable || Self.same(next.kind, .assign) || gluedAccess
        if isExpression { return parseExpressionOrAssignment() }
        guard let call = parseCommand() else { return nil }
        return Stmt(kind: .command(call), span: call.span)
    }

    // assignment → target "=" (command | expression);  target → NAME ("." NAME | "[" expression "]")*
    mutating func parseExpressionOrAssignment() -> Stmt? {
        guard let expr = parseExpression() else { return nil }
        guard check(.assign) else { return Stmt(kind: .expression(expr), span: expr.span) }
        let equals = advance()
        switch expr.kind {
        case .variable, .field, .index: break
        default:
            report(Diagnostic(.invalidAssignmentTarget, "cannot assign to this expression", at: expr.span.through(equals.span)))
            return nil
        }
        skipNewlines()
        guard let value = parseValueOrCommand() else { return nil }
        return Stmt(kind: .assign(target: expr, value: value), span: expr.span.through(value.span))
    }
}
