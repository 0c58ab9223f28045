import ObswJSON
import ObswLang
import OBSWorkflow
@testable import ObswTerminal
import ObswText
import Testing

/// Text from outside reaches TAP, TSV, tables, records, diagnostics and the live line as
/// data: escaped once, on Unicode scalars (`Escape`), so it can neither forge a line nor
/// drive the terminal.
@Suite(.timeLimit(.minutes(5))) struct OutsideTextTests {
    /// An OSC title change, a screen clear, a bare CR, CRLF, DEL and a C1 CSI.
    static let hostile = "exec\u{1b}]0;owned\u{07}\u{1b}[2J\rX\r\nok 2 - forged\u{7f}\u{9b}31m\u{2028}end"

    /// Every scalar a terminal obeys or a line reader splits on.
    func controls(in text: String, allowing allowed: Set<Unicode.Scalar> = []) -> [Unicode.Scalar] {
        text.unicodeScalars.filter { Escape.isControl($0) && !allowed.contains($0) }
    }

    @Test func crlfIsOneCharacterButTwoScalarsAndBothAreEscaped() {
        // The bug: "\r\n" is one Character, so replacing "\n" and "\r" as Characters missed it.
        #expect("a\r\nb".replacing("\n", with: " ").replacing("\r", with: " ") == "a\r\nb")
        #expect(Escape.terminal("a\r\nb") == "a\\r\\nb")
        #expect(Escape.tsvField("a\r\nb\tc\\") == "a\\r\\nb\\tc\\\\")
        #expect(Escape.tapDescription("a\r\nb # SKIP") == "a\\r\\nb \\# SKIP")
        #expect(Escape.yamlString("a\r\n\u{7f}\u{85}\u{9b}\u{2028}\"") == #""a\r\n\u007F\u0085\u009B\u2028\"""#)
    }

    @Test func tapHoldsOnlyTheLinesObswWrote() {
        var out = ""
        let reports = CheckReports(junit: nil, tap: true) { out += $0 }
        let message = "x\r\nBail out!\r\nok 2 - forged"
        reports.record(CheckResult(hard: false, text: "1 == 2", message: message, left: .int(1), right: .int(2)), file: "t.obsw", line: 1)
        _ = reports.finish(suiteName: "t.obsw")
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(!out.unicodeScalars.contains("\r"))
        #expect(!lines.contains { $0.hasPrefix("Bail out!") || $0.hasPrefix("ok ") })
        #expect(lines[1] == #"not ok 1 - x\r\nBail out!\r\nok 2 - forged"#)
        #expect(lines.last(where: { !$0.isEmpty }) == "1..1")
        // DEL and C1 in the YAML block are escaped: YAML readers refuse them raw.
        var yaml = ""
        let second = CheckReports(junit: nil, tap: true) { yaml += $0 }
        second.record(CheckResult(hard: false, text: "t", message: "del\u{7f} csi\u{9b} nel\u{85}"), file: "f", line: 2)
        #expect(yaml.contains(#"note: "del\u007F csi\u009B nel\u0085""#), "\(yaml)")
    }

    @Test func tsvRecordsStayOneLineEach() {
        let value: Value = [
            ["execution_name": .string(Self.hostile), "error": "a\r\nb\u{85}c"],
            ["k\r\ney": "v"],
        ]
        let text = TabSeparated.render(value)
        #expect(text.split(separator: "\n").count == 3)
        #expect(controls(in: text, allowing: ["\n", "\t"]).isEmpty)
        for line in text.split(separator: "\n") { #expect(line.count(where: { $0 == "\t" }) == 2) }
    }

    @Test func tablesAndRecordsShowControlsInsteadOfObeyingThem() {
        let record: Value = ["execution_name": .string(Self.hostile), "execution_state": "FAILED", "k\u{1b}[1m": "v"]
        let table = Display.render(.list([record, record]))
        #expect(controls(in: table, allowing: ["\n"]).isEmpty, "\(table.debugDescription)")
        #expect(table.contains("exec\\u{1b}]0;owned\\u{7}"))
        let shown = Display.render(record)
        #expect(controls(in: shown, allowing: ["\n"]).isEmpty, "\(shown.debugDescription)")
        #expect(shown.contains("\\r\\nok 2 - forged"))
        // A string value keeps its lines but not its controls; a list shows literals.
        #expect(Display.render(.string("two\nlines\u{1b}[2J")) == "two\nlines\\u{1b}[2J")
        #expect(Display.render(.list([.string("\u{1b}c")])) == #"["\u{1b}c"]"#)
    }

    @Test func diagnosticsShowControlsAndKeepTheCaretUnderTheMistake() {
        let sources = SourceMap()
        let file = sources.add(SourceFile(name: "t\u{1b}.obsw", text: "print \"\u{1b}[2J\" + nope\n"))
        let start = Int32(Array("print \"\u{1b}[2J\" + ".utf8).count)
        var diagnostic = Diagnostic(.undeclared, "undeclared \u{1b}]0;x\u{07} \r\nforged", at: Span(file: file, start: start, end: start + 4))
        diagnostic.notes = ["note\u{9b}"]
        let text = DiagnosticRenderer(sources: sources).render(diagnostic)
        #expect(controls(in: text, allowing: ["\n"]).isEmpty, "\(text.debugDescription)")
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("t\\u{1b}.obsw:1:"))
        #expect(lines[1] == "    print \"\\u{1b}[2J\" + nope")
        // The caret sits under `nope` in the line as shown.
        let caret = lines[2].firstIndex(of: "^").map { lines[2].distance(from: lines[2].startIndex, to: $0) }
        #expect(caret == lines[1].distance(from: lines[1].startIndex, to: lines[1].range(of: "nope")!.lowerBound))
        #expect(lines[2].hasSuffix("^~~~"))
    }

    @Test func theLanguageReadsItsOwnLiteralsBack() throws {
        let text = "a\u{1b}[0m\u{0}\r\n$x \"q\" \\ \u{2028}"
        let literal = Escape.languageString(text)
        #expect(literal == #""a\u{1b}[0m\u{0}\r\n\$x \"q\" \\ \u{2028}""#)
        #expect(Value.string(text).literalText == literal)
        let engine = Engine()
        guard case .finished(let value) = engine.run(SourceFile(name: "t", text: literal)) else {
            Issue.record("the literal did not run")
            return
        }
        #expect(value == .string(text))
        #expect(engine.check(SourceFile(name: "bad", text: #"let x = "\u{110000}""#)).map(\.code) == [.invalidEscape])
        #expect(engine.check(SourceFile(name: "bad", text: #"let x = "\u{d800}""#)).map(\.code) == [.invalidEscape])
        #expect(engine.check(SourceFile(name: "bad", text: #"let x = "\u1b""#)).map(\.code) == [.invalidEscape])
    }

    @Test func theLiveLineAndNotesShowControls() {
        #expect(Escape.terminal("resume g: 1/2 — exec\u{1b}[2J") == "resume g: 1/2 — exec\\u{1b}[2J")
        #expect(Escape.terminalLines("two\nlines\r\u{1b}") == "two\nlines\\r\\u{1b}")
        // Plain text is returned as it is.
        #expect(Escape.terminal("résumé — ok") == "résumé — ok")
        // Bidirectional controls reorder what a reader sees; they are shown too.
        #expect(Escape.terminal("a\u{202e}b") == "a\\u{202e}b")
    }

    @Test func shellWordsArePlainOrQuoted() {
        #expect(Escape.languageWord("exec-0002") == "exec-0002")
        #expect(Escape.languageWord("exec-0002;print \"PWNED\"") == #""exec-0002;print \"PWNED\"""#)
        #expect(Escape.languageWord("--dry-run") == #""--dry-run""#)
        #expect(Escape.languageWord("$HOME") == #""\$HOME""#)
        #expect(Escape.languageWord("a b") == #""a b""#)
    }
}
