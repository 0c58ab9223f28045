import Foundation
import OBSWTestSupport
import Testing

/// The runner's ways in (`run`, `-c`, `check`, standard input) and its exit statuses.
@Suite(.timeLimit(.minutes(5))) struct RunnerTests {
    static let examples = SharedFiles.examples

    @Test(.enabled(if: SharedFiles.present, "needs ../shared/examples beside the checkout (as in CI)")) func languageTourFromTheSharedExamplesPasses() async throws {
        let tour = Self.examples.appendingPathComponent("language-tour.obsw").path
        let result = try await runObswInBackground(["run", tour])
        #expect(result.status == 0, "\(result.stderr)")
        let last = result.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasSuffix("passed, 0 failed"), "\(result.stderr)")
        #expect(last.firstMatch(of: /^(\d+) passed, 0 failed$/) != nil)
    }

    @Test func snippetWithDashC() async throws {
        let ok = try await runObswInBackground(["-c", "let x = 2; print \"x=$x\" (x * 21)"])
        #expect(ok.status == 0 && ok.stdout == "x=2 42\n")
        let failed = try await runObswInBackground(["-c", "expect 1 == 2"])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("<command line>:1: expect failed: 1 == 2"))
        #expect(failed.stderr.hasSuffix("0 passed, 1 failed\n"))
        #expect(try await runObswInBackground(["-c", "let = "]).status == 2)
        #expect(try await runObswInBackground(["-c", "throw 'x'"]).status == 3)
        #expect(try await runObswInBackground(["-c", "exit 42"]).status == 42)
    }

    @Test func programFromStandardInputRunsLikeRun() async throws {
        let script = "let xs = [1, 2]\nfor x in xs { print $x }\nexpect len(xs) == 2\n"
        let piped = try await runObswInBackground([], stdin: script)
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.write("s.obsw", script)
        let run = try await runObswInBackground(["run", file])
        #expect(piped.status == 0 && run.status == 0)
        #expect(piped.stdout == run.stdout)
        #expect(piped.stdout == "1\n2\n")
        #expect(piped.stderr == "1 passed, 0 failed\n" && run.stderr == piped.stderr)
    }

    @Test func argumentsAndVariables() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.write("a.obsw", "print $args $vars\n")
        let result = try await runObswInBackground(["run", file, "one", "two words", "--var", "concurrency=16", "--var=mode=fast"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == #"["one", "two words"] {concurrency: "16", mode: "fast"}"# + "\n")
        let bad = try await runObswInBackground(["run", file, "--var", "novalue"])
        #expect(bad.status == 2 && bad.stderr.contains("--var takes NAME=VALUE"))
    }

    @Test func checkReportsEveryErrorWithoutRunning() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let good = dir.write("good.obsw", "print \"would print\"\n")
        let bad = dir.write("bad.obsw", "print $a\nprint $b\nundefined_command x\n")
        let clean = try await runObswInBackground(["check", good])
        #expect(clean.status == 0 && clean.stdout.isEmpty && clean.stderr.isEmpty)
        let result = try await runObswInBackground(["check", good, bad])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.components(separatedBy: ": error: ").count - 1 == 3, "\(result.stderr)")
    }

    @Test(.enabled(if: SharedFiles.present, "needs ../shared/examples beside the checkout (as in CI)")) func checkKnowsEveryNameARunProvides() async throws {
        // `args` and `vars` exist in every run, so parameterised runbooks — the main job and
        // the shared examples among them — must check clean.
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let examples = try FileManager.default.contentsOfDirectory(atPath: Self.examples.path)
            .filter { $0.hasSuffix(".obsw") }.map { Self.examples.appendingPathComponent($0).path }
        try #require(!examples.isEmpty, "../shared must be beside the checkout (as in CI)")
        let files = [repository.appendingPathComponent("scripts/resume-failed.obsw").path] + examples
        let result = try await runObswInBackground(["check"] + files)
        #expect(result.status == 0, "\(result.stderr)")
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let script = dir.write("inputs.obsw", "let graph = args[0] ?? \"g\"\nlet n = int(vars.n ?? 4)\nprint $graph $n\n")
        #expect(try await runObswInBackground(["check", script]).status == 0)
    }

    @Test func usageErrorsExitTwo() async throws {
        #expect(try await runObswInBackground(["--no-such-option"]).status == 2)
        #expect(try await runObswInBackground(["run"]).status == 2)
        let missing = try await runObswInBackground(["run", "/nonexistent/x.obsw"])
        #expect(missing.status == 2 && missing.stderr.contains("cannot read '/nonexistent/x.obsw'"))
        // A timeout too large to hold is a usage error, not an overflow trap.
        let huge = try await runObswInBackground(["--request-timeout", "99999999999999999h", "-c", "print 1"])
        #expect(huge.status == 2 && huge.stderr.contains("is not a duration"), "\(huge.stderr)")
        let long = try await runObswInBackground(["--request-timeout", "25h", "-c", "print 1"])
        #expect(long.status == 2 && long.stderr.contains("--request-timeout must be at most 24h"), "\(long.stderr)")
        #expect(try await runObswInBackground(["--request-timeout", "24h", "-c", "print 1"]).status == 0)
    }

    @Test func hugeAndInvalidInputsEndCleanly() async throws {
        let deep = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        let nested = try await runObswInBackground(["-c", "let x = " + deep])
        #expect(nested.status == 2 && nested.stderr.contains("nesting deeper than"))
        let invalid = try await runObswInBackground([], stdin: "print \"\u{FFFD}\"\n")
        #expect(invalid.status == 0)
        let list = try await runObswInBackground(["-c", "let l = range(1000000); print (len(l)) (sum(l))"])
        #expect(list.status == 0 && list.stdout == "1000000 499999500000\n")
    }

    /// A value that grows without bound stops at the memory limit with a clear error (exit 3),
    /// whether it doubles or grows by many small values.
    @Test func aScriptStopsAtTheMemoryLimit() async throws {
        for program in [
            "let s = \"x\"\nwhile true { s = s + s }",
            "let l = [1]\nwhile true { l = l + l }",
            "let s = \"x\"\nwhile true { s = \"$s$s\" }",
            "let l = []\nlet i = 0\nwhile true { l = l + [{a: i, b: \"text $i\"}]; i = i + 1 }",
        ] {
            let result = try await runObswInBackground(["-c", program], environment: ["OBSW_MEMORY_LIMIT": "128MB"])
            #expect(result.status == 3, "\(program): \(result.stderr.prefix(300))")
            #expect(result.stderr.contains("more than the memory limit of 128 MB (OBSW_MEMORY_LIMIT sets it"), "\(program): \(result.stderr.prefix(300))")
            #expect(result.stderr.contains("[OBSW415]"))
        }
        let bad = try await runObswInBackground(["-c", "print 1"], environment: ["OBSW_MEMORY_LIMIT": "lots"])
        #expect(bad.status == 2 && bad.stderr.contains("OBSW_MEMORY_LIMIT 'lots' is not a size"))
        #expect(try await runObswInBackground(["-c", "print 1"], environment: ["OBSW_MEMORY_LIMIT": "0"]).stdout == "1\n")
    }

    /// Lines of 12 MB, one case each (each runs obsw twice on 12 MB, a minute on a loaded
    /// machine): an operator chain as deep as it is long (it once overflowed the stack in
    /// `check`) is refused with one short message.
    @Test(arguments: ["sum.obsw", "fields.obsw", "calls.obsw"])
    func operatorChainsEndCleanly(name: String) async throws {
        let text = switch name {
        case "sum.obsw": "let x = " + String(repeating: "1 + ", count: 3_000_000) + "1\n"
        case "fields.obsw": "let m = {}\nlet x = m" + String(repeating: ".a", count: 2_000_000) + "\n"
        default: "fn f() { return f }\nlet x = f" + String(repeating: "()", count: 2_000_000) + "\n"
        }
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.write(name, text)
        for command in ["check", "run"] {
            let result = try await runObswInBackground([command, file])
            #expect(result.status == 2, "\(name) \(command): \(result.stderr.prefix(300))")
            #expect(result.stderr.contains("more than 10000 operators in a row in one expression"), "\(name) \(command)")
            #expect(result.stderr.utf8.count < 2000, "\(name) \(command): \(result.stderr.utf8.count) bytes of stderr")
        }
    }

    /// Errors on long lines show a window of the line, not all of it.
    @Test func longLinesEndCleanly() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        // A mistake at the end of a 10 MB line: the caret under a window of the line.
        let long = dir.write("long.obsw", "let s = \"" + String(repeating: "x", count: 10_000_000) + "\" + nope\n")
        let result = try await runObswInBackground(["check", long])
        #expect(result.status == 2 && result.stderr.contains("undeclared variable 'nope'"), "\(result.stderr.prefix(300))")
        #expect(result.stderr.utf8.count < 2000, "\(result.stderr.utf8.count) bytes of stderr")
        let caret = result.stderr.split(separator: "\n").first { $0.contains("^") }
        let shown = result.stderr.split(separator: "\n").first { $0.contains("+ nope") }
        #expect(caret != nil && shown != nil)
        if let caret, let shown {
            #expect(Array(shown).firstIndex(of: "n") == Array(caret).firstIndex(of: "^"), "the caret is under the mistake")
        }
        // A thrown value of a megabyte: the message is cut too.
        let thrown = try await runObswInBackground(["-c", "let s = \"\"\nfor i in range(100000) { s = s + \"0123456789\" }\nthrow s"])
        #expect(thrown.status == 3 && thrown.stderr.contains("more characters)"), "\(thrown.stderr.prefix(300))")
        #expect(thrown.stderr.utf8.count < 3000)
    }
}
