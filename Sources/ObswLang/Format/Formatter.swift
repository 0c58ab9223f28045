/// `obsw fmt`: one canonical layout for a script, with no options.
///
/// The layout is made from the tokens as the parser read them, not from the tree, so every
/// token keeps its spelling (strings, numbers, words as written) and every comment stays
/// where it was. What changes is only the space between tokens:
///
/// - indentation: four spaces a level, by the brackets open at the line's start (a line
///   that starts by closing one sits with the line that opened it); a line that continues
///   an expression (after a binary operator, `=` or `\`) one level further;
/// - between tokens of an expression: one space around a binary operator and `=`, after a
///   comma, none before a comma or a closing `)`/`]` and none after an opening one; other
///   runs of blanks become one space, and tokens written together stay together (`f(x)`
///   calls, `f (x)` passes a list; in a command's arguments `a-b` is one word);
/// - lines: no trailing blanks, blank lines kept as paragraph breaks but at most one in a
///   row and none at the start or end of a file or block, LF line ends, one final newline;
///   a comment after code two spaces after it, and aligned with the comments after code
///   on the lines around it.
///
/// Before it answers, the formatter parses its own output: a layout whose tree differs from
/// the input's is never returned (`changesMeaning`), so a formatting bug cannot change what
/// a script does.
public enum Formatter {
    public enum Outcome: Sendable {
        case formatted(String)
        /// The file does not parse: it is left as it is.
        case invalid([Diagnostic])
        /// The layout would not parse to the same tree (a bug in obsw): left as it is.
        case changesMeaning
    }

    public static let indentWidth = 4

    public static func format(_ file: SourceFile, fileID: Int32, catalog: any CommandCatalog, knownNames: Set<String>) -> Outcome {
        var parser = Parser(file: file, fileID: fileID, catalog: catalog, knownNames: knownNames)
        let (program, diagnostics, tokens) = parser.parseProgramLaidOut()
        if diagnostics.contains(where: { $0.severity == .error }) { return .invalid(diagnostics) }
        var printer = Printer(bytes: file.bytes)
        guard let text = printer.print(tokens) else { return .changesMeaning }
        let again = SourceFile(name: file.name, text: text)
        var check = Parser(file: again, fileID: fileID, catalog: catalog, knownNames: knownNames)
        let (reparsed, problems) = check.parseProgram()
        guard !problems.contains(where: { $0.severity == .error }), ASTDump.program(reparsed) == ASTDump.program(program) else {
            return .changesMeaning
        }
        return .formatted(text)
    }
}

/// Lays out the tokens line by line.
private struct Printer {
    let bytes: [UInt8]
    var lines: [String] = []
    /// The line being made, without its indentation; empty until it has a token or comment.
    var line = ""
    var lineIndent = 0
    /// A blank line was seen since the last line with content.
    var blankPending = false
    /// For each bracket open, the indentation of the lines inside it.
    var openIndents: [Int] = []
    /// The next line continues an expression.
    var continues = false
    /// The last token on the current line.
    var previous: LaidOutToken?
    /// The comment after code on the current line, if any.
    var trailingComment: String?
    /// Lines that end in a comment after code: the code (indented) and the comment, so
    /// that runs of them can have their comments aligned.
    var commented: [Int: (code: String, comment: String)] = [:]

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The layout; nil when something between tokens is not blank, comment or newline (then
    /// the tokens do not cover the file, and nothing is guessed).
    mutating func print(_ tokens: [LaidOutToken]) -> String? {
        var end = 0
        for token in tokens {
            if case .eof = token.token.kind { break }
            let start = Int(token.token.span.start)
            guard start >= end, let spaced = layOutGap(end..<start) else { return nil }
            add(token, spaced: spaced)
            end = Int(token.token.span.end)
        }
        guard layOutGap(end..<bytes.count) != nil else { return nil }
        endLine()
        guard !lines.isEmpty else { return "" }
        alignComments()
        return lines.joined(separator: "\n") + "\n"
    }

    /// Newlines, comments and `\` continuations between two tokens; whether blanks were there.
    mutating func layOutGap(_ range: Range<Int>) -> Bool? {
        var i = range.lowerBound
        var spaced = false
        while i < range.upperBound {
            switch bytes[i] {
            case 0x20, 0x09, 0x0D:
                spaced = true
                i += 1
            case 0x0A:
                endLine()
                spaced = false
                i += 1
            case UInt8(ascii: "\\"):
                var next = i + 1
                if next < range.upperBound, bytes[next] == 0x0D { next += 1 }
                guard next < range.upperBound, bytes[next] == 0x0A else { return nil }
                // A `\` alone on a line continues nothing: it is blank, and goes.
                if !line.isEmpty {
                    line += " \\"
                    endLine()
                    continues = true
                }
                spaced = false
                i = next + 1
            case UInt8(ascii: "#"):
                var stop = i
                while stop < range.upperBound, bytes[stop] != 0x0A { stop += 1 }
                var comment = bytes[i..<stop]
                while let last = comment.last, last == 0x20 || last == 0x09 || last == 0x0D { comment = comment.dropLast() }
                addComment(String(decoding: comment, as: UTF8.self))
                i = stop
            default:
                return nil
            }
        }
        return spaced
    }

    mutating func addComment(_ comment: String) {
        if line.isEmpty {
            // A comment inside a continued expression does not end the continuation.
            let continuing = continues
            startLine(indent: (openIndents.last ?? 0) + (continues ? 1 : 0))
            continues = continuing
            line = comment
        } else {
            trailingComment = comment
        }
    }

    mutating func add(_ laid: LaidOutToken, spaced: Bool) {
        let text = String(decoding: bytes[Int(laid.token.span.start)..<Int(laid.token.span.end)], as: UTF8.self)
        if line.isEmpty {
            let indent: Int
            if Self.closes(laid) {
                indent = max(0, (openIndents.last ?? 1) - 1)
            } else {
                indent = (openIndents.last ?? 0) + (continues ? 1 : 0)
            }
            startLine(indent: indent, closing: Self.closes(laid))
            line = text
        } else {
            line += (space(between: previous, laid, spaced: spaced) ? " " : "") + text
        }
        if Self.opens(laid) { openIndents.append(lineIndent + 1) }
        if Self.closes(laid), !openIndents.isEmpty { openIndents.removeLast() }
        previous = laid
    }

    /// A line with content begins: the blank line before it is kept as a paragraph break,
    /// except at the start of the file or a block, and before a closing bracket.
    mutating func startLine(indent: Int, closing: Bool = false) {
        if blankPending, let last = lines.last, !closing, !Self.endsOpening(last) { lines.append("") }
        blankPending = false
        lineIndent = indent
        continues = false
    }

    mutating func endLine() {
        if line.isEmpty {
            if !lines.isEmpty { blankPending = true }
            return
        }
        var code = String(repeating: " ", count: lineIndent * Formatter.indentWidth) + line
        // A word that is a lone `\` must not touch the newline: `\` + newline joins lines.
        if trailingComment == nil, let previous, previous.token.span.end - previous.token.span.start == 1,
            bytes[Int(previous.token.span.start)] == UInt8(ascii: "\\")
        {
            code += " "
        }
        if let comment = trailingComment {
            // A line that holds a multi-line string is not aligned with its neighbours.
            if !code.contains("\n") { commented[lines.count] = (code, comment) }
            lines.append(code + "  " + comment)
        } else {
            lines.append(code)
        }
        if let previous, previous.isBinaryOperator || Self.isAssign(previous) { continues = true }
        line = ""
        previous = nil
        trailingComment = nil
    }

    /// Comments after code on consecutive lines start in one column, two spaces after the
    /// longest code among them (as gofmt does); a line without one ends the run.
    mutating func alignComments() {
        var index = 0
        while index < lines.count {
            guard commented[index] != nil else {
                index += 1
                continue
            }
            var end = index
            while commented[end + 1] != nil { end += 1 }
            if end > index {
                let width = (index...end).map { commented[$0]!.code.count }.max()!
                for i in index...end {
                    let (code, comment) = commented[i]!
                    lines[i] = code + String(repeating: " ", count: width - code.count + 2) + comment
                }
            }
            index = end + 1
        }
    }

    /// Whether a space goes between two tokens on one line. Only an expression's spacing is
    /// made canonical; elsewhere blanks stay blanks (as one space) and glued stays glued.
    func space(between previous: LaidOutToken?, _ current: LaidOutToken, spaced: Bool) -> Bool {
        guard let previous, previous.mode == .expression, current.mode == .expression else { return spaced }
        let before = previous.token.kind, kind = current.token.kind
        if kind == .comma || kind == .rightParen || kind == .rightBracket { return false }
        if before == .leftParen || before == .leftBracket { return false }
        if before == .comma { return true }
        if previous.isBinaryOperator || current.isBinaryOperator { return true }
        if Self.isAssign(previous) || Self.isAssign(current) { return true }
        // `-x`: a unary minus keeps to its operand.
        if before == .minus { return false }
        // `if x {`, `} else {`, `if (a or b)`: a block's brace and a keyword stand apart.
        if kind == .leftBrace, !Self.opens(previous) { return true }
        if before == .rightBrace, case .keyword = kind { return true }
        if case .keyword(let word) = before, Self.spacedKeywords.contains(word), kind == .leftParen || kind == .leftBracket {
            return true
        }
        return spaced
    }

    static func isAssign(_ laid: LaidOutToken) -> Bool { laid.token.kind == .assign }

    static let spacedKeywords: Set<Keyword> = [.if, .elif, .while, .for, .in, .return, .throw, .assert, .expect, .not, .and, .or]

    static func opens(_ laid: LaidOutToken) -> Bool {
        switch laid.token.kind {
        case .leftParen, .leftBracket, .leftBrace, .dollarParen: true
        default: false
        }
    }

    static func closes(_ laid: LaidOutToken) -> Bool {
        switch laid.token.kind {
        case .rightParen, .rightBracket, .rightBrace: true
        default: false
        }
    }

    static func endsOpening(_ line: String) -> Bool {
        guard let last = line.last else { return false }
        return last == "{" || last == "[" || last == "(" || line.hasSuffix("$(")
    }
}
