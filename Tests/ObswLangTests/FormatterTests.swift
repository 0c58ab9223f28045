import ObswLang
import Testing

/// `obsw fmt`'s layout: what it changes (the space between tokens), what it keeps (every
/// token as written, every comment, paragraphs, the adjacency a command's arguments depend
/// on), and that it refuses what does not parse.
@Suite(.timeLimit(.minutes(5))) struct FormatterTests {
    func format(_ text: String) -> String? {
        if case .formatted(let out) = Engine().format(SourceFile(name: "t.obsw", text: text)) { return out }
        return nil
    }

    /// Formats, checks the result is stable, and returns it.
    func canonical(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        guard let once = format(text) else {
            Issue.record("did not format:\n\(text)", sourceLocation: sourceLocation)
            return ""
        }
        #expect(format(once) == once, "formatting twice changed it:\n\(once)", sourceLocation: sourceLocation)
        return once
    }

    @Test func indentsBlocksByFourSpaces() {
        let text = """
            fn f(n) {
            if n>0{
              for i in range(n) {
                    print $i
              }
            } else {
            return 0
            }
            }
            """
        #expect(canonical(text) == """
            fn f(n) {
                if n > 0 {
                    for i in range(n) {
                        print $i
                    }
                } else {
                    return 0
                }
            }

            """)
    }

    @Test func spacesAnExpressionCanonically() {
        #expect(canonical("let x=[1 ,2,3 ]\nlet y=x[0]+ -x[1]*(2-1)\nlet m={\"a\":1}\n")
            == "let x = [1, 2, 3]\nlet y = x[0] + -x[1] * (2 - 1)\nlet m = {\"a\":1}\n")
        #expect(canonical("let ok = 1 not in [2] and not false\n") == "let ok = 1 not in [2] and not false\n")
        #expect(canonical("if(1==1){print 1}\n") == "if (1 == 1) {print 1}\n")
        #expect(canonical("let f = fn(a, b=2) { return a}\n") == "let f = fn(a, b = 2) { return a}\n")
    }

    /// In a command's arguments blanks separate words: `a-b` is one word, `a - b` three.
    @Test func keepsCommandArgumentsAsWritten() {
        #expect(canonical("print a-b    c\n") == "print a-b c\n")
        #expect(canonical("let d = {}\nprint d.state_map[s].error\n") == "let d = {}\nprint d.state_map[s].error\n")
        #expect(canonical("print   \"x\"   --flag=1\n") == "print \"x\" --flag=1\n")
        #expect(canonical("fn f(x) { return x }\nprint f(1) f (2)\n") == "fn f(x) { return x }\nprint f(1) f (2)\n")
    }

    @Test func keepsCommentsAndParagraphs() {
        let text = "#!/usr/bin/env obsw\n\n\n# the first\nlet a = 1   # why\n\n\n\nif a {\n\n  # inside\n  print $a\n\n}\n# last\n\n\n"
        #expect(canonical(text) == "#!/usr/bin/env obsw\n\n# the first\nlet a = 1  # why\n\nif a {\n    # inside\n    print $a\n}\n# last\n")
    }

    /// Comments after code on consecutive lines line up, two spaces after the longest code.
    @Test func alignsCommentsOnConsecutiveLines() {
        #expect(canonical("let a = 1 # one\nlet long_name = 2    # two\nprint 3\nlet b = 4 # alone\n")
            == "let a = 1          # one\nlet long_name = 2  # two\nprint 3\nlet b = 4  # alone\n")
        #expect(canonical("if true {\n  print 1 # a\n}   # b\n") == "if true {\n    print 1  # a\n}            # b\n")
    }

    @Test func continuesALineOneLevelIn() {
        #expect(canonical("let total = 1 +\n2 +\n  3\n") == "let total = 1 +\n    2 +\n    3\n")
        #expect(canonical("let xs = [\n1,\n  2,\n]\n") == "let xs = [\n    1,\n    2,\n]\n")
        #expect(canonical("print a \\\n b\n") == "print a \\\n    b\n")
    }

    /// A lone `\` word keeps a blank before the newline; touching it, it would join the lines.
    @Test func aBackslashWordDoesNotBecomeAContinuation() {
        #expect(canonical("print a \\   \nprint b\n") == "print a \\ \nprint b\n")
    }

    @Test func endsLinesWithOneNewline() {
        #expect(canonical("print 1\r\nprint 2") == "print 1\nprint 2\n")
        #expect(canonical("\tprint 1   \n") == "print 1\n")
        #expect(canonical("") == "")
        #expect(canonical("\n\n# only a comment\n\n") == "# only a comment\n")
    }

    /// Strings, numbers and durations keep their spelling: only blanks between tokens move.
    @Test func keepsEveryTokenAsWritten() {
        let text = "let s = 'it  s'\nlet t = \"a\\tb ${1+2} $s\"\nlet n = 1_000+1.50+1e3\nlet d = 2m\nprint \"multi\n  line\"\n"
        let out = canonical(text)
        #expect(out.contains("let n = 1_000 + 1.50 + 1e3\n"), "\(out)")
        for token in ["'it  s'", "\"a\\tb ${1+2} $s\"", "2m", "\"multi\n  line\""] {
            #expect(out.contains(token), "\(token) in\n\(out)")
        }
    }

    @Test func leavesAFileThatDoesNotParse() {
        guard case .invalid(let diagnostics) = Engine().format(SourceFile(name: "t.obsw", text: "let x = (1 +\nprint 2\n")) else {
            Issue.record("a syntax error was formatted")
            return
        }
        #expect(diagnostics.contains { $0.severity == .error })
    }
}
