extension Parser {
    // command → NAME argument*
    mutating func parseCommand() -> CommandCall? {
        let name = advance()
        return parseCommandArguments(name: name.name, nameSpan: name.span, insideSubstitution: false)
    }

    // substitution → "$(" NAME argument* ")"
    mutating func parseCommandSubstitution() -> Expr? {
        let open = advance()
        skipNewlines()
        let name = peek()
        guard case .identifier = name.kind, !name.dollar else {
            if check(.eof) {
                report(Diagnostic(.unclosedBracket, "this '$(' is never closed", at: open.span))
            } else {
                error(expected: "a command name after '$('")
            }
            return nil
        }
        advance()
        guard var call = parseCommandArguments(name: name.name, nameSpan: name.span, insideSubstitution: true) else { return nil }
        skipNewlines()
        guard let close = expectClosing(.rightParen, ")", opener: open) else { return nil }
        call.span = open.span.through(close.span)
        return Expr(kind: .command(call), span: call.span)
    }

    // argument → OPTION value? | word | string | "$(" command ")" | "(" expression ")" | list | map
    mutating func parseCommandArguments(name: String, nameSpan: Span, insideSubstitution: Bool) -> CommandCall? {
        let spec = catalog.command(named: name)
        var arguments: [CommandCall.Argument] = []
        while true {
            let token = peek(.argument)
            switch token.kind {
            case .newline where insideSubstitution:
                advance(.argument)  // a substitution may span lines
                continue
            case .newline, .semicolon, .eof, .rightBrace, .rightParen, .rightBracket:
                return CommandCall(name: name, nameSpan: nameSpan, arguments: arguments, span: span(from: nameSpan))
            case .option(let optionName, let inline):
                advance(.argument)
                let takesValue = spec?.option(optionName).map { $0.valueName != nil } ?? (inline != nil)
                var value: Expr?
                if let inline {
                    guard let v = interpolation(inline, span: token.span, keepValue: true) else { return nil }
                    value = literalWord(v)
                } else if takesValue {
                    let next = peek(.argument)
                    if atStatementEndKind(next.kind) || Self.same(next.kind, .option("", nil)) || Self.same(next.kind, .rightParen) {
                        report(Diagnostic(.missingOptionValue, "--\(optionName) needs a value", at: token.span))
                        return nil
                    }
                    guard let v = parseArgument() else { return nil }
                    value = v
                }
                arguments.append(.option(name: optionName, value: value, span: span(from: token.span)))
            default:
                let before = cursor
                guard let value = parseArgument() else { return nil }
                arguments.append(.positional(value))
                if cursor == before { return nil }
            }
        }
    }

    /// One command argument (also the operand of `source`).
    mutating func parseArgument() -> Expr? {
        let token = peek(.argument)
        switch token.kind {
        case .word(let parts):
            advance(.argument)
            // `f(x)` among arguments is a call, as everywhere: a name glued to '('.
            if parts.count == 1, case .text(let name) = parts[0], Self.isIdentifier(name) {
                let next = peek()
                if Self.same(next.kind, .leftParen), !next.spaceBefore {
                    return parsePostfixTail(Expr(kind: .variable(name), span: token.span))
                }
            }
            guard let value = interpolation(parts, span: token.span, keepValue: true) else { return nil }
            return literalWord(value)
        case .string(let parts):
            advance(.argument)
            return interpolation(parts, span: token.span)
        case .dollarParen:
            return parseCommandSubstitution()
        case .leftParen, .leftBracket, .leftBrace:
            return parsePrimary()
        case .error:
            advance(.argument)
            return nil
        case .eof:
            report(Diagnostic(.unexpectedEndOfInput, "expected an argument, but the input ended", at: token.span))
            return nil
        default:
            report(Diagnostic(.expected, "expected an argument, found \(describe(token))", at: token.span))
            return nil
        }
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.utf8.first, first == UInt8(ascii: "_") || (first | 0x20 >= 97 && first | 0x20 <= 122) else { return false }
        return text.utf8.allSatisfy { $0 == UInt8(ascii: "_") || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) || ($0 >= 48 && $0 <= 57) }
    }

    /// A bare word that reads as a number, duration, `true`, `false` or `null` is that value
    /// (`f 1 2` passes numbers); any other word is a string (`exec-0042`, `photos/a.jpg`).
    func literalWord(_ expr: Expr) -> Expr {
        guard case .string(let text) = expr.kind, !text.isEmpty else { return expr }
        switch text {
        case "true": return Expr(kind: .bool(true), span: expr.span)
        case "false": return Expr(kind: .bool(false), span: expr.span)
        case "null": return Expr(kind: .null, span: expr.span)
        default: break
        }
        let negative = text.hasPrefix("-")
        let body = negative ? String(text.dropFirst()) : text
        guard let first = body.utf8.first, first >= 48, first <= 57 else { return expr }
        let scratch = SourceFile(name: "", text: body)
        var lexer = Lexer(file: scratch, fileID: -1)
        let token = lexer.next(.expression)
        guard Int(token.span.end) == scratch.bytes.count else { return expr }
        switch token.kind {
        case .int(let n): return Expr(kind: .int(negative ? -n : n), span: expr.span)
        case .float(let d): return Expr(kind: .float(negative ? -d : d), span: expr.span)
        case .duration(let ms): return Expr(kind: .duration(negative ? -ms : ms), span: expr.span)
        default: return expr
        }
    }
}
