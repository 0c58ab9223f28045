@testable import ObswLang
import Testing

/// Diagnostics are checked where they point: `1️⃣` in the source marks the expected start of
/// the span (the marker is removed before parsing), as swift-syntax's parser tests do.
func diagnose(_ marked: String) -> (diagnostics: [Diagnostic], expectedOffset: Int?) {
    let marker = "1️⃣"
    let offset = marked.firstRange(of: marker).map { marked.utf8.distance(from: marked.startIndex, to: $0.lowerBound) }
    let text = marked.replacing(marker, with: "")
    let file = SourceFile(name: "t.obsw", text: text)
    var parser = Parser(file: file, fileID: 0, catalog: testCatalog)
    return (parser.parseProgram().1, offset)
}

func expectDiagnostic(
    _ marked: String, _ code: DiagnosticCode, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    let (diagnostics, offset) = diagnose(marked)
    #expect(diagnostics.count == 1, "\(diagnostics.map { "\($0.code.rawValue) \($0.message)" })", sourceLocation: sourceLocation)
    guard let first = diagnostics.first else { return }
    #expect(first.code == code, "\(first.message)", sourceLocation: sourceLocation)
    #expect(first.message.contains(fragment), "\(first.message)", sourceLocation: sourceLocation)
    if let offset { #expect(Int(first.span.start) == offset, "at \(first.span.start)", sourceLocation: sourceLocation) }
}

@Suite(.timeLimit(.minutes(5))) struct DiagnosticTests {
    @Test func lexicalErrors() {
        expectDiagnostic(#"let s = 1️⃣"abc"#, .unterminatedString, "unterminated string")
        expectDiagnostic(#"let s = "a1️⃣\q""#, .invalidEscape, "invalid escape")
        expectDiagnostic("let n = 1️⃣12abc", .invalidNumber, "'abc'")
        expectDiagnostic("let n = 1️⃣5parsecs", .invalidNumber, "unknown duration unit")
        expectDiagnostic("let n = 1️⃣99999999999999999999", .intLiteralTooLarge, "does not fit")
        expectDiagnostic("let n = 1 1️⃣@ 2", .unexpectedCharacter, "unexpected character '@'")
        expectDiagnostic(#"let s = "a 1️⃣${b""#, .unterminatedInterpolation, "unclosed")
    }

    @Test func syntaxErrors() {
        expectDiagnostic("let 1️⃣= 3", .expected, "a variable name")
        expectDiagnostic("let x 1️⃣5", .expected, "'='")
        expectDiagnostic("let x = (1 + 2 1️⃣3)", .expected, "')'")
        expectDiagnostic("1️⃣else { }", .misplacedElse, "without an 'if'")
        expectDiagnostic("let x = 1️⃣)", .expected, "an expression")
        expectDiagnostic("1️⃣1 + 2 = 3", .invalidAssignmentTarget, "cannot assign")
        expectDiagnostic("resume g e 1️⃣--concurrency", .missingOptionValue, "--concurrency needs a value")
        expectDiagnostic("let m = {1️⃣1: 2}", .expected, "a map key")
    }

    @Test func oneMistakeGivesOneErrorAndParsingGoesOn() {
        let (diagnostics, _) = diagnose("let y = 2 2\nprint 1\nlet z = ]\nlet w = 3 +\nprint 2")
        #expect(diagnostics.map(\.code) == [.expected, .expected, .expected], "\(diagnostics.map(\.message))")
        // An unclosed '(' runs on into the next line: still one mistake, one error.
        let (unclosed, _) = diagnose("let x = (1 +\nlet y = 2 2\nprint 1")
        #expect(unclosed.count == 1, "\(unclosed.map(\.message))")
    }

    @Test func incompleteInputIsReportedAsSuch() {
        for text in ["if x {", "for e in xs {\n print 1", "let l = [1, 2", "let m = {a: 1,", #"let s = "abc"#,
            "let x = 1 +", "fn f(a,", "try { }", "let y = $(executions g", #"print "${1 + "#, "print (1 +"]
        {
            let (diagnostics, _) = diagnose(text)
            #expect(diagnostics.count == 1 && diagnostics[0].isIncompleteInput, "\(text): \(diagnostics.map { "\($0.code) \($0.message)" })")
        }
        for text in ["let x = )", "if x { } }", #"print "${1 + }""#, "let = 3"] {
            let (diagnostics, _) = diagnose(text)
            #expect(!diagnostics.isEmpty && !diagnostics[0].isIncompleteInput, "\(text)")
        }
    }

    @Test func deepNestingEndsInACleanError() {
        for text in [String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000),
            String(repeating: "[", count: 100_000), String(repeating: "if true { ", count: 3000),
            "let x = " + String(repeating: "-", count: 10_000) + "1", "let x = " + String(repeating: "not ", count: 10_000) + "1"]
        {
            let (diagnostics, _) = diagnose(text)
            #expect(diagnostics.contains { $0.code == .nestingTooDeep }, "\(diagnostics.prefix(2).map(\.message))")
        }
        // Long but flat input is fine.
        let (flat, _) = diagnose("let x = " + Array(repeating: "1", count: 10_000).joined(separator: " + "))
        #expect(flat.isEmpty)
    }

    @Test func renderedWithLineAndCaret() {
        let sources = SourceMap()
        let file = SourceFile(name: "deploy.obsw", text: "let a = 1\nlet b = (a +\n  é + @)\n")
        let id = sources.add(file)
        var parser = Parser(file: file, fileID: id, catalog: testCatalog)
        let diagnostics = parser.parseProgram().1
        let text = DiagnosticRenderer(sources: sources).render(diagnostics[0])
        #expect(text == """
            deploy.obsw:3:3: error: unexpected character 'é' [OBSW104]
                  é + @)
                  ^
            """)
    }
}
