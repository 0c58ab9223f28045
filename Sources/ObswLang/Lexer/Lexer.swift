import ObswJSON

/// Turns UTF-8 bytes into tokens, on demand, in the mode the parser asks for.
///
/// Two modes, because obsw is half shell: in `.expression` mode `exec-01` is `exec - 01`;
/// in `.argument` mode (a command's arguments) it is one bare word. Interpolation inside
/// double-quoted strings and bare words is found here: the token carries the spans of the
/// embedded code, which the parser then parses as expressions.
public struct Lexer {
    public enum Mode: Sendable { case expression, argument }

    let bytes: [UInt8]
    let fileID: Int32
    let end: Int
    public private(set) var position: Int

    public init(file: SourceFile, fileID: Int32, range: Range<Int>? = nil) {
        bytes = file.bytes
        self.fileID = fileID
        let r = range ?? 0..<file.bytes.count
        position = r.lowerBound
        end = r.upperBound
    }

    /// Moves back to `offset` (the parser re-lexes a peeked token in another mode).
    public mutating func reset(to offset: Int) { position = offset }

    func span(_ start: Int, _ stop: Int) -> Span { Span(file: fileID, start: Int32(start), end: Int32(stop)) }

    func byte(_ i: Int) -> UInt8 { i < end ? bytes[i] : 0 }

    public mutating func next(_ mode: Mode) -> Token {
        let spaced = skipSpaceAndComments()
        var token = lex(mode)
        token.spaceBefore = spaced
        return token
    }

    /// Skips blanks, comments and `\` line continuations; reports whether any were skipped.
    private mutating func skipSpaceAndComments() -> Bool {
        let start = position
        while position < end {
            let b = bytes[position]
            if b == 0x20 || b == 0x09 || b == 0x0D {
                position += 1
            } else if b == UInt8(ascii: "\\"), byte(position + 1) == 0x0A {
                position += 2
            } else if b == UInt8(ascii: "\\"), byte(position + 1) == 0x0D, byte(position + 2) == 0x0A {
                position += 3
            } else if b == UInt8(ascii: "#") {
                while position < end, bytes[position] != 0x0A { position += 1 }
            } else {
                break
            }
        }
        return position > start || start == 0 || (start > 0 && bytes[start - 1] == 0x0A)
    }

    private mutating func lex(_ mode: Mode) -> Token {
        let start = position
        guard position < end else { return Token(kind: .eof, span: span(end, end)) }
        let b = bytes[position]
        func single(_ kind: TokenKind) -> Token {
            position += 1
            return Token(kind: kind, span: span(start, position))
        }
        switch b {
        case 0x0A: return single(.newline)
        case UInt8(ascii: ";"): return single(.semicolon)
        case UInt8(ascii: "("): return single(.leftParen)
        case UInt8(ascii: ")"): return single(.rightParen)
        case UInt8(ascii: "["): return single(.leftBracket)
        case UInt8(ascii: "]"): return single(.rightBracket)
        case UInt8(ascii: "{"): return single(.leftBrace)
        case UInt8(ascii: "}"): return single(.rightBrace)
        case UInt8(ascii: "\""): return lexDoubleQuoted()
        case UInt8(ascii: "'"): return lexSingleQuoted()
        case UInt8(ascii: "$"): return lexDollar(mode)
        default: break
        }
        if mode == .argument {
            if b == UInt8(ascii: "-"), byte(position + 1) == UInt8(ascii: "-"), isIdentifierStart(byte(position + 2)) {
                return lexOption()
            }
            return lexWord()
        }
        if isDigit(b) { return lexNumber() }
        if isIdentifierStart(b) { return lexIdentifier() }
        switch b {
        case UInt8(ascii: ","): return single(.comma)
        case UInt8(ascii: ":"): return single(.colon)
        case UInt8(ascii: "."): return single(.dot)
        case UInt8(ascii: "+"): return single(.plus)
        case UInt8(ascii: "-"): return single(.minus)
        case UInt8(ascii: "*"): return single(.star)
        case UInt8(ascii: "/"): return single(.slash)
        case UInt8(ascii: "%"): return single(.percent)
        case UInt8(ascii: "="):
            if byte(position + 1) == UInt8(ascii: "=") { position += 2; return Token(kind: .equal, span: span(start, position)) }
            return single(.assign)
        case UInt8(ascii: "!"):
            if byte(position + 1) == UInt8(ascii: "=") { position += 2; return Token(kind: .notEqual, span: span(start, position)) }
        case UInt8(ascii: "<"):
            if byte(position + 1) == UInt8(ascii: "=") { position += 2; return Token(kind: .lessEqual, span: span(start, position)) }
            return single(.less)
        case UInt8(ascii: ">"):
            if byte(position + 1) == UInt8(ascii: "=") { position += 2; return Token(kind: .greaterEqual, span: span(start, position)) }
            return single(.greater)
        case UInt8(ascii: "?"):
            if byte(position + 1) == UInt8(ascii: "?") { position += 2; return Token(kind: .coalesce, span: span(start, position)) }
        default: break
        }
        return errorToken(start, .unexpectedCharacter, "unexpected character \(describe(at: start))")
    }

    private mutating func errorToken(_ start: Int, _ code: DiagnosticCode, _ message: String, length: Int? = nil) -> Token {
        if position == start { position = min(end, start + (length ?? scalarLength(at: start))) }
        return Token(kind: .error(Diagnostic(code, message, at: span(start, position))), span: span(start, position))
    }

    private func scalarLength(at i: Int) -> Int {
        let b = byte(i)
        if b < 0x80 { return 1 }
        if b >= 0xF0 { return min(4, end - i) }
        if b >= 0xE0 { return min(3, end - i) }
        if b >= 0xC0 { return min(2, end - i) }
        return 1
    }

    private func describe(at i: Int) -> String {
        let n = scalarLength(at: i)
        if let s = String(validating: bytes[i..<min(end, i + n)], as: UTF8.self) { return "'\(s)'" }
        return "byte 0x" + String(bytes[i], radix: 16)
    }

    // MARK: Names and numbers

    private mutating func lexIdentifier(dollarAt: Int? = nil) -> Token {
        let start = position
        while position < end, isIdentifierContinue(bytes[position]) { position += 1 }
        let name = String(decoding: bytes[start..<position], as: UTF8.self)
        let tokenStart = dollarAt ?? start
        if dollarAt == nil, let keyword = Keyword(rawValue: name) {
            return Token(kind: .keyword(keyword), span: span(tokenStart, position), name: name)
        }
        return Token(kind: .identifier, span: span(tokenStart, position), name: name, dollar: dollarAt != nil)
    }

    /// `42`, `1_000`, `0.5`, `1e3`, and durations `250ms`, `2s`, `5m`, `1h30m`, `1.5s`.
    private mutating func lexNumber() -> Token {
        let start = position
        var totalMilliseconds = 0.0
        var isDuration = false
        while true {
            let numberStart = position
            while position < end, isDigit(bytes[position]) || bytes[position] == UInt8(ascii: "_") { position += 1 }
            var isFloat = false
            if byte(position) == UInt8(ascii: "."), isDigit(byte(position + 1)) {
                isFloat = true
                position += 1
                while position < end, isDigit(bytes[position]) || bytes[position] == UInt8(ascii: "_") { position += 1 }
            }
            if !isDuration, byte(position) == UInt8(ascii: "e") || byte(position) == UInt8(ascii: "E") {
                var p = position + 1
                if byte(p) == UInt8(ascii: "+") || byte(p) == UInt8(ascii: "-") { p += 1 }
                if isDigit(byte(p)) {
                    isFloat = true
                    position = p
                    while position < end, isDigit(bytes[position]) { position += 1 }
                }
            }
            let text = String(decoding: bytes[numberStart..<position], as: UTF8.self).replacing("_", with: "")
            if text.hasSuffix("_") || text.isEmpty {
                return errorToken(start, .invalidNumber, "invalid number")
            }
            // A unit right after the digits makes a duration.
            let unitStart = position
            while position < end, isLetter(bytes[position]) { position += 1 }
            let unit = String(decoding: bytes[unitStart..<position], as: UTF8.self)
            if unit.isEmpty {
                if isDuration { return errorToken(start, .invalidNumber, "a duration part needs a unit (ms, s, m, h)") }
                if isIdentifierContinue(byte(position)) {
                    while position < end, isIdentifierContinue(bytes[position]) { position += 1 }
                    return errorToken(start, .invalidNumber, "invalid number '\(String(decoding: bytes[start..<position], as: UTF8.self))'")
                }
                if isFloat {
                    guard let value = Double(text), value.isFinite else { return errorToken(start, .invalidNumber, "invalid number") }
                    return Token(kind: .float(value), span: span(start, position))
                }
                guard let value = Int(text) else {
                    return errorToken(start, .intLiteralTooLarge, "integer literal \(text) does not fit in 64 bits")
                }
                return Token(kind: .int(value), span: span(start, position))
            }
            guard let factor = DurationText.factor(of: unit) else {
                while position < end, isIdentifierContinue(bytes[position]) { position += 1 }
                return errorToken(start, .invalidNumber, "unknown duration unit '\(unit)' (use ms, s, m, h or d)")
            }
            guard let amount = Double(text) else { return errorToken(start, .invalidNumber, "invalid number") }
            totalMilliseconds += amount * factor
            isDuration = true
            guard isDigit(byte(position)) else { break }
        }
        guard totalMilliseconds.isFinite, abs(totalMilliseconds) < DurationText.limit else {
            return errorToken(start, .intLiteralTooLarge, "duration too large")
        }
        return Token(kind: .duration(Int(totalMilliseconds.rounded())), span: span(start, position))
    }

    // MARK: Strings and interpolation

    /// `'raw text'`: no escapes, no interpolation.
    private mutating func lexSingleQuoted() -> Token {
        let start = position
        position += 1
        let contentStart = position
        while position < end, bytes[position] != UInt8(ascii: "'") { position += 1 }
        guard position < end else {
            return Token(
                kind: .error(Diagnostic(.unterminatedString, "unterminated string", at: span(start, end))),
                span: span(start, end))
        }
        guard let text = String(validating: bytes[contentStart..<position], as: UTF8.self) else {
            position += 1
            return Token(kind: .error(Diagnostic(.invalidUTF8, "string is not valid UTF-8", at: span(start, position))), span: span(start, position))
        }
        position += 1
        return Token(kind: .string([.text(text)]), span: span(start, position))
    }

    private mutating func lexDoubleQuoted() -> Token {
        let start = position
        position += 1
        switch lexParts(until: { $0 == UInt8(ascii: "\"") }, escapes: true) {
        case .failure(let diagnostic):
            if diagnostic.code == .invalidEscape, position < end { position += 1 }  // past the closing quote
            return Token(kind: .error(diagnostic), span: diagnostic.span)
        case .success(let parts):
            guard position < end else {
                return Token(kind: .error(Diagnostic(.unterminatedString, "unterminated string", at: span(start, end))), span: span(start, end))
            }
            position += 1
            return Token(kind: .string(parts), span: span(start, position))
        }
    }

    /// A bare command argument: text up to a blank or one of `;(){}"'`, with `$` interpolation.
    private mutating func lexWord() -> Token {
        let start = position
        switch lexParts(until: Self.endsWord, escapes: false) {
        case .failure(let diagnostic): return Token(kind: .error(diagnostic), span: diagnostic.span)
        case .success(let parts):
            if position == start { return errorToken(start, .unexpectedCharacter, "unexpected character \(describe(at: start))") }
            return Token(kind: .word(parts), span: span(start, position))
        }
    }

    /// A blank, a line end, `;`, a bracket or a quote ends a bare word. A switch, not a
    /// set: this is asked for every byte of every word.
    private static func endsWord(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ";"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "{"),
            UInt8(ascii: "}"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "]"), UInt8(ascii: "["):
            true
        default: false
        }
    }

    /// `--name` or `--name=value`.
    private mutating func lexOption() -> Token {
        let start = position
        position += 2
        let nameStart = position
        while position < end, isIdentifierContinue(bytes[position]) || bytes[position] == UInt8(ascii: "-") { position += 1 }
        let name = String(decoding: bytes[nameStart..<position], as: UTF8.self)
        guard byte(position) == UInt8(ascii: "=") else { return Token(kind: .option(name, nil), span: span(start, position)) }
        position += 1
        let word = lexWord()
        if case .word(let parts) = word.kind {
            return Token(kind: .option(name, parts), span: span(start, position))
        }
        if case .error = word.kind { return word }
        return Token(kind: .option(name, [.text("")]), span: span(start, position))
    }

    /// `$name` (with `.field` and `[index]` suffixes inside strings and words), `$(`, `${`.
    private mutating func lexDollar(_ mode: Mode) -> Token {
        let start = position
        if byte(position + 1) == UInt8(ascii: "(") {
            position += 2
            return Token(kind: .dollarParen, span: span(start, position))
        }
        if byte(position + 1) == UInt8(ascii: "{") {
            // In code, `${expr}` is a grouping: hand back a paren-like span the parser re-reads.
            switch scanInterpolation(at: start) {
            case .failure(let diagnostic): return Token(kind: .error(diagnostic), span: diagnostic.span)
            case .success(let code):
                return Token(kind: .word([.code(code)]), span: span(start, position))
            }
        }
        if isIdentifierStart(byte(position + 1)) {
            if mode == .argument {
                // In arguments `$x.field` and `exec-$n` are words with interpolation.
                return lexWord()
            }
            position += 1
            return lexIdentifier(dollarAt: start)
        }
        return errorToken(start, .unexpectedCharacter, "'$' must be followed by a name, '(' or '{'")
    }

    /// After `\u`: `{` 1 to 6 hex digits `}` naming a Unicode scalar (not a surrogate).
    /// Consumes what it read; nil when it is not that.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard byte(position) == UInt8(ascii: "{") else { return nil }
        var index = position + 1
        var value: UInt32 = 0
        var digits = 0
        while index < end, digits <= 6, let digit = Self.hexValue(bytes[index]) {
            value = value &* 16 &+ digit
            digits += 1
            index += 1
        }
        guard (1...6).contains(digits), byte(index) == UInt8(ascii: "}") else { return nil }
        position = index + 1
        return Unicode.Scalar(value)
    }

    private static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Reads text and interpolations until `stop` matches (not consumed) or the input ends.
    private mutating func lexParts(until stop: (UInt8) -> Bool, escapes: Bool) -> Result<[StringPart], Diagnostic> {
        var parts: [StringPart] = []
        var text: [UInt8] = []
        // The first bad escape is reported, but the string is read to its end, so one
        // mistake does not swallow the rest of the file.
        var firstError: Diagnostic?
        func flush() -> Diagnostic? {
            guard !text.isEmpty else { return nil }
            guard let s = String(validating: text, as: UTF8.self) else {
                return Diagnostic(.invalidUTF8, "text is not valid UTF-8", at: span(position, position))
            }
            parts.append(.text(s))
            text = []
            return nil
        }
        while position < end, !stop(bytes[position]) {
            let b = bytes[position]
            if escapes, b == UInt8(ascii: "\\") {
                let escStart = position
                guard position + 1 < end else { position = end; break }
                let e = bytes[position + 1]
                position += 2
                switch e {
                case UInt8(ascii: "n"): text.append(0x0A)
                case UInt8(ascii: "t"): text.append(0x09)
                case UInt8(ascii: "r"): text.append(0x0D)
                case UInt8(ascii: "0"): text.append(0x00)
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "$"), UInt8(ascii: "'"): text.append(e)
                case 0x0A: break  // line continuation inside a string
                case UInt8(ascii: "u"):
                    // `\u{1b}`: any scalar by its hex code, as obsw shows controls.
                    if let scalar = unicodeEscape() {
                        text.append(contentsOf: String(scalar).utf8)
                    } else if firstError == nil {
                        firstError = Diagnostic(
                            .invalidEscape, "invalid escape: '\\u' takes a Unicode scalar's hex code in braces, like \\u{1b}",
                            at: span(escStart, position))
                    }
                default:
                    if firstError == nil {
                        firstError = Diagnostic(.invalidEscape, "invalid escape '\\\(Character(Unicode.Scalar(e)))' (use \\n \\t \\\" \\\\ \\$ \\u{1b})", at: span(escStart, position))
                    }
                }
                continue
            }
            if b == UInt8(ascii: "$"), byte(position + 1) == UInt8(ascii: "{") {
                if let d = flush() { return .failure(d) }
                switch scanInterpolation(at: position) {
                case .failure(let d): return .failure(d)
                case .success(let code): parts.append(.code(code))
                }
                continue
            }
            if b == UInt8(ascii: "$"), byte(position + 1) == UInt8(ascii: "(") {
                if let d = flush() { return .failure(d) }
                // `$(cmd ...)` inside a string: the whole `$(...)` is code.
                let codeStart = position
                switch matchClosing(from: position + 2, open: UInt8(ascii: "("), close: UInt8(ascii: ")")) {
                case nil:
                    return .failure(Diagnostic(.unterminatedInterpolation, "unclosed '$(' in string", at: span(codeStart, end)))
                case let close?:
                    position = close + 1
                    parts.append(.code(span(codeStart, position)))
                }
                continue
            }
            if b == UInt8(ascii: "$"), isIdentifierStart(byte(position + 1)) {
                if let d = flush() { return .failure(d) }
                let codeStart = position + 1
                position += 1
                scanReferenceSuffix()
                parts.append(.reference(span(codeStart, position)))
                continue
            }
            text.append(b)
            position += 1
        }
        if let d = firstError ?? flush() { return .failure(d) }
        return .success(parts)
    }

    /// After `$`: a name, then any `.name` and `[...]` that follow directly.
    private mutating func scanReferenceSuffix() {
        while position < end, isIdentifierContinue(bytes[position]) { position += 1 }
        while position < end {
            if bytes[position] == UInt8(ascii: "."), isIdentifierStart(byte(position + 1)) {
                position += 1
                while position < end, isIdentifierContinue(bytes[position]) { position += 1 }
            } else if bytes[position] == UInt8(ascii: "["),
                let close = matchClosing(from: position + 1, open: UInt8(ascii: "["), close: UInt8(ascii: "]"))
            {
                position = close + 1
            } else {
                break
            }
        }
    }

    /// `${ expr }` starting at `at`: returns the span of `expr` and moves past the `}`.
    private mutating func scanInterpolation(at start: Int) -> Result<Span, Diagnostic> {
        guard let close = matchClosing(from: start + 2, open: UInt8(ascii: "{"), close: UInt8(ascii: "}")) else {
            position = end
            return .failure(Diagnostic(.unterminatedInterpolation, "unclosed '${'", at: span(start, end)))
        }
        position = close + 1
        return .success(span(start + 2, close))
    }

    /// The index of the bracket closing one opened just before `from`, skipping nested
    /// brackets and quoted strings; nil when the input ends first.
    private func matchClosing(from: Int, open: UInt8, close: UInt8) -> Int? {
        var depth = 1
        var i = from
        while i < end {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                let quote = b
                i += 1
                while i < end, bytes[i] != quote {
                    if quote == UInt8(ascii: "\""), bytes[i] == UInt8(ascii: "\\") { i += 1 }
                    i += 1
                }
            } else if b == open {
                depth += 1
            } else if b == close {
                depth -= 1
                if depth == 0 { return i }
            }
            i += 1
        }
        return nil
    }

    func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    func isLetter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }
    func isIdentifierStart(_ b: UInt8) -> Bool { isLetter(b) || b == UInt8(ascii: "_") }
    func isIdentifierContinue(_ b: UInt8) -> Bool { isIdentifierStart(b) || isDigit(b) }
}
