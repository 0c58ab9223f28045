import ObswText

/// A problem found in source text, with a stable code so tests and tools can match it.
public struct Diagnostic: Error, Sendable, Hashable {
    public enum Severity: String, Sendable { case error, warning, note }

    public var code: DiagnosticCode
    public var message: String
    public var span: Span
    public var severity: Severity = .error
    /// Extra lines shown after the caret ("  left: 3").
    public var notes: [String] = []

    public init(_ code: DiagnosticCode, _ message: String, at span: Span, notes: [String] = []) {
        self.code = code
        self.message = message
        self.span = span
        self.notes = notes
    }

    /// The input stopped before a construct was closed: the shell asks for another line.
    public var isIncompleteInput: Bool { code.isIncompleteInput }
}

/// Stable error codes: OBSW1xx lexical, 2xx syntax, 3xx names and scopes, 4xx runtime.
public enum DiagnosticCode: String, Sendable, Hashable, CaseIterable {
    // Lexical
    case unterminatedString = "OBSW101"
    case invalidEscape = "OBSW102"
    case invalidNumber = "OBSW103"
    case unexpectedCharacter = "OBSW104"
    case invalidUTF8 = "OBSW105"
    case unterminatedInterpolation = "OBSW106"
    case intLiteralTooLarge = "OBSW107"
    // Syntax
    case expected = "OBSW201"
    case unexpectedToken = "OBSW202"
    case unclosedBlock = "OBSW203"
    case unclosedBracket = "OBSW204"
    case nestingTooDeep = "OBSW205"
    case invalidAssignmentTarget = "OBSW206"
    case misplacedElse = "OBSW207"
    case unexpectedEndOfInput = "OBSW208"
    // Names and scopes
    case undeclared = "OBSW301"
    case assignToUndeclared = "OBSW302"
    case breakOutsideLoop = "OBSW304"
    case continueOutsideLoop = "OBSW305"
    case returnOutsideFunction = "OBSW306"
    case unknownCommand = "OBSW307"
    case unknownOption = "OBSW308"
    case missingOptionValue = "OBSW309"
    case wrongArgumentCount = "OBSW310"
    /// A warning: a bare command argument that starts like a variable's field or index.
    case bareWordLooksLikeVariable = "OBSW311"
    /// An option's literal value is not of its type (`--concurrency 0`, `--state BOGUS`).
    case badOptionValue = "OBSW312"
    /// An option given without one it goes with (`--max-refail` without `--canary`), or a
    /// required option missing.
    case missingOption = "OBSW313"
    // Runtime
    case typeError = "OBSW401"
    case nullValue = "OBSW402"
    case intOverflow = "OBSW403"
    case divisionByZero = "OBSW404"
    case badArgument = "OBSW405"
    case recursionTooDeep = "OBSW406"
    case userError = "OBSW407"
    case serviceError = "OBSW408"
    case networkError = "OBSW409"
    case timeout = "OBSW410"
    case interrupted = "OBSW411"
    case sourceFailed = "OBSW413"
    case readBeforeLet = "OBSW414"
    case memoryLimit = "OBSW415"

    var isIncompleteInput: Bool {
        self == .unterminatedString || self == .unclosedBlock || self == .unclosedBracket
            || self == .unterminatedInterpolation || self == .unexpectedEndOfInput
    }
}

/// Formats diagnostics the way compilers and fish do:
///
/// ```
/// deploy.obsw:3:9: error: undeclared variable 'faild' [OBSW301]
///     let n = faild
///             ^~~~~
/// ```
public struct DiagnosticRenderer {
    public let sources: SourceMap
    /// Colours the severity and the caret (a terminal's standard error).
    public let palette: Palette

    public init(sources: SourceMap, palette: Palette = .plain) {
        self.sources = sources
        self.palette = palette
    }

    func severity(_ diagnostic: Diagnostic) -> String {
        palette.paint(diagnostic.severity.rawValue + ":", diagnostic.severity == .error ? .error : .warning)
    }

    /// The most of a source line shown, and of a message: a 10 MB line (or a message quoting
    /// a huge value) is cut around what matters, not echoed whole.
    public static let lineWindow = 160
    public static let messageLimit = 1000

    /// Every part from outside the program — the message (which may quote a service's
    /// error), the notes, the file name, the source line — is shown with its controls
    /// visible (`Escape.terminal`): a diagnostic is text, never terminal commands.
    public func render(_ diagnostic: Diagnostic) -> String {
        let message = Escape.terminal(Self.cut(diagnostic.message))
        let notes = diagnostic.notes.map { "    " + Escape.terminal(Self.cut($0)) }
        guard let file = sources.file(diagnostic.span.file) else {
            return (["\(severity(diagnostic)) \(message) [\(diagnostic.code.rawValue)]"] + notes).joined(separator: "\n")
        }
        let (line, column) = file.location(of: Int(diagnostic.span.start))
        var lines = ["\(Escape.terminal(file.name)):\(line):\(column): \(severity(diagnostic)) \(message) [\(diagnostic.code.rawValue)]"]
        let text = file.line(line)
        if !text.isEmpty || file.bytes.isEmpty == false {
            let (endLine, endColumn) = file.location(of: Int(diagnostic.span.end))
            var characters = Array(text)
            var caret = column - 1
            var width = endLine == line ? max(1, endColumn - column) : max(1, characters.count - column + 1)
            if characters.count > Self.lineWindow {
                // A window of the line around the caret, marked as cut on each side.
                let start = max(0, min(caret - Self.lineWindow / 3, characters.count - Self.lineWindow))
                let end = min(characters.count, start + Self.lineWindow)
                characters = (start > 0 ? ["…"] : []) + Array(characters[start..<end]) + (end < characters.count ? ["…"] : [])
                caret = caret - start + (start > 0 ? 1 : 0)
                width = min(width, characters.count - caret)
            }
            // One cell per character shown (columns count characters); a control shows as
            // its escape, so the caret moves by the width shown.
            let shown: [String] = characters.map { $0 == "\t" ? " " : Escape.terminal(String($0)) }
            let before = shown.prefix(max(0, caret)).reduce(0) { $0 + $1.count }
            let under = shown.dropFirst(max(0, caret)).prefix(max(0, width)).reduce(0) { $0 + $1.count }
            lines.append("    " + shown.joined())
            lines.append(
                "    " + String(repeating: " ", count: before)
                    + palette.paint("^" + String(repeating: "~", count: max(0, under - 1)), .caret))
        }
        lines += notes
        return lines.joined(separator: "\n")
    }

    static func cut(_ text: String) -> String {
        guard text.utf8.count > messageLimit else { return text }
        let kept = text.prefix(messageLimit)
        return kept + "… (\(text.count - kept.count) more characters)"
    }
}
