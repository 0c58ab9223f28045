@testable import ObswLang
import Testing

let testCatalog = StaticCatalog([
    CommandSpec("print", "print", arguments: ["ARG"], count: 0...Int.max),
    CommandSpec("resume", "resume", arguments: ["GRAPH", "TARGET"], count: 2...Int.max,
        options: [.init("concurrency", value: "N", "c"), .init("dry-run", "d"), .init("max-errors", value: "N", "m")]),
    CommandSpec("executions", "list", arguments: ["GRAPH"], count: 1...1, options: [.init("state", value: "STATE", "s")]),
    CommandSpec("start", "start", arguments: ["GRAPH"], count: 1...1,
        options: [.init("bucket", value: "B", "b"), .init("object", value: "K", "o"), .init("input", value: "K=V", repeatable: true, "i")]),
    CommandSpec("graphs", "graphs", arguments: [], count: 0...1),
])

/// Parses `text`; returns the dump and the diagnostics.
func parse(_ text: String, known: Set<String> = []) -> (String, [Diagnostic]) {
    let file = SourceFile(name: "t.obsw", text: text)
    var parser = Parser(file: file, fileID: 0, catalog: testCatalog, knownNames: known)
    let (program, diagnostics) = parser.parseProgram()
    return (ASTDump.program(program), diagnostics)
}

func dump(_ text: String, known: Set<String> = [], sourceLocation: SourceLocation = #_sourceLocation) -> String {
    let (result, diagnostics) = parse(text, known: known)
    #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))", sourceLocation: sourceLocation)
    return result
}

@Suite(.timeLimit(.minutes(5))) struct ParserTests {
    @Test func expressionsAndPrecedence() {
        #expect(dump("let x = 1 + 2 * 3 - 4 % 5") == "(let x (- (+ 1 (* 2 3)) (% 4 5)))")
        #expect(dump("let x = a ?? b == c and not d or e", known: ["a", "b", "c", "d", "e"])
            == "(let x (or (and (== (?? a b) c) (not d)) e))")
        #expect(dump("let y = -x.f[0](1, 2)", known: ["x"]) == "(let y (- (call ([] (. x f) 0) 1 2)))")
        #expect(dump("let z = 3 in [1, 2] and 'a' not in {a: 1}") == #"(let z (and (in 3 [1 2]) (not in "a" {a: 1})))"#)
        #expect(dump("let d = 1h30m + 250ms - 1.5s") == "(let d (- (+ 5400000ms 250ms) 1500ms))")
        #expect(dump("let n = 1_000 + 1e3 + -7") == "(let n (+ (+ 1000 1000.0) -7))")
    }

    @Test func newlinesInsideBracketsAndAfterOperators() {
        #expect(dump("let x = [1,\n  2,\n]\nlet y = 1 +\n 2\nlet m = {\n a: 1,\n \"b-c\": 2\n}")
            == "(let x [1 2])\n(let y (+ 1 2))\n(let m {a: 1, b-c: 2})")
        #expect(dump("let t = 1 \\\n + 2") == "(let t (+ 1 2))")
    }

    @Test func stringsAndInterpolation() {
        #expect(dump(#"let s = "a $x and ${n + 1}!""#, known: ["x", "n"]) == #"(let s (str "a " x " and " (+ n 1) "!"))"#)
        #expect(dump(#"let s = "$e.execution_name: $list[0].f""#, known: ["e", "list"])
            == #"(let s (str (.? e execution_name) ": " (.? ([] list 0) f)))"#)
        #expect(dump(#"let s = 'raw $who'"#) == #"(let s "raw $who")"#)
        #expect(dump(#"let s = "tab\t\"q\" \$x""#) == "(let s \"tab\t\"q\" $x\")")
        #expect(dump(#"let s = "${len("}")}""#) == #"(let s (str (call len "}")))"#)
    }

    @Test func commandsAndTheirArguments() {
        #expect(dump("resume thumbnails exec-0042 --concurrency 32 --dry-run")
            == #"(cmd resume "thumbnails" "exec-0042" --concurrency=32 --dry-run)"#)
        #expect(dump("resume $g $e.name exec-$n.txt", known: ["g", "e", "n"])
            == #"(cmd resume g (.? e name) (str "exec-" (.? n txt)))"#)
        #expect(dump("resume $g $failed --max-errors=3", known: ["g", "failed"])
            == "(cmd resume g failed --max-errors=3)")
        #expect(dump(#"start g --bucket demo --object "photos/fail-once-$i.jpg" --input k=v"#, known: ["i"])
            == #"(cmd start "g" --bucket="demo" --object=(str "photos/fail-once-" (.? i jpg)) --input="k=v")"#)
        #expect(dump("print (1 + 2) [1, 2] {a: 1} exec-$n true 2s -7", known: ["n"])
            == #"(cmd print (+ 1 2) [1 2] {a: 1} (str "exec-" n) true 2000ms -7)"#)
        #expect(dump("let failed = executions $graph --state FAILED", known: ["graph"])
            == #"(let failed $(cmd executions graph --state="FAILED"))"#)
        #expect(dump("let started = [$(start $graph --bucket demo)]", known: ["graph"])
            == #"(let started [$(cmd start graph --bucket="demo")])"#)
        #expect(dump("let gs = graphs") == "(let gs $(cmd graphs))")
    }

    @Test func variableWinsOverCommandAndDirectCallsAreExpressions() {
        #expect(dump("let graphs = 1\nlet x = graphs") == "(let graphs 1)\n(let x graphs)")
        #expect(dump("print(1)") == "(call print 1)")
        #expect(dump("print (1)") == "(cmd print 1)")
        #expect(dump("fn f(a, b = 10) { return a + b }\nf 1 2\nf(1)")
            == "(fn f (a b=10) {(return (+ a b))})\n(cmd f 1 2)\n(call f 1)")
        #expect(dump("x = 5\nm[\"k\"] = 1\nm.k = 2", known: ["m"]) == #"(= x 5)"# + "\n" + #"(= ([] m "k") 1)"# + "\n" + "(= (. m k) 2)")
        #expect(dump("n", known: ["n"]) == "n")
        #expect(dump("n + 1", known: ["n"]) == "(+ n 1)")
    }

    @Test func statements() {
        #expect(dump("if a { print 1 } elif b { print 2 } else { print 3 }", known: ["a", "b"])
            == "(if a {(cmd print 1)} b {(cmd print 2)} else {(cmd print 3)})")
        #expect(dump("if a {\n print 1\n}\nelse {\n print 2\n}", known: ["a"]) == "(if a {(cmd print 1)} else {(cmd print 2)})")
        #expect(dump("for e in [1] { continue }\nwhile true { break }") == "(for e [1] {(continue)})\n(while true {(break)})")
        #expect(dump("try { throw \"boom\" } catch e { print $e.message }")
            == #"(try {(throw "boom")} catch e {(cmd print (.? e message))})"#)
        #expect(dump("assert x == 1, \"msg\"\nexpect len(y) > 0", known: ["x", "y"])
            == #"(assert (== x 1) "msg")"# + "\n" + "(expect (> (call len y) 0))")
        #expect(dump("exit\nexit 3\nsource \"other.obsw\"") == "(exit)\n(exit 3)\n(source \"other.obsw\")")
        #expect(dump("let f = fn(x) { return x > 2 }") == "(let f (fn _ (x) {(return (> x 2))}))")
        #expect(dump("let r = [e.name for e in xs if e.ok]", known: ["xs"]) == "(let r (comp (. e name) e xs if (. e ok)))")
        #expect(dump("print 1; print 2") == "(cmd print 1)\n(cmd print 2)")
    }

    @Test func comments() {
        #expect(dump("# a comment\nprint 1 # trailing\n# end") == "(cmd print 1)")
    }
}


@Test func braceAtStatementStartIsAMapWhenItLooksLikeOne() {
    #expect(dump("{a: 1}") == "{a: 1}")
    #expect(dump("{}") == "{}")
    #expect(dump("{\n print 1\n}") == "{(cmd print 1)}")
    #expect(dump("{ \"k\": 2 }") == "{k: 2}")
}
