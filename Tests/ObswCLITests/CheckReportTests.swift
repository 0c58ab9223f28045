import Foundation
import OBSWTestSupport
import OBSWorkflow
import Testing

/// `obsw run --junit FILE` and `--tap`: a script's checks as CI systems read them, with the
/// exit status still the script's own.
@Suite(.timeLimit(.minutes(5))) struct CheckReportTests {
    static let script = """
        let n = 44
        expect n == 44, "44 executions failed"
        expect n == 40, "a <wrong> & \\"quoted\\" count # here"
        expect 1 + 1 == 2
        assert n < 10, "hard stop"
        expect true, "never reached"
        """

    /// JUnit, read back by an XML parser (Python's ElementTree, as CI tools read it).
    @Test func junitIsValidXMLWithEveryCheck() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.write("checks.obsw", Self.script)
        let report = dir.path + "/report.xml"
        let run = try await runObswInBackground(["run", "--junit", report, file])
        #expect(run.status == 1, "an assert failed: the script's own status \(run.stderr)")
        #expect(run.stderr.contains("2 passed, 2 failed"), "the summary stays without --tap: \(run.stderr)")
        let reader = """
            import json, sys, xml.etree.ElementTree as ET
            root = ET.parse(sys.argv[1]).getroot()
            suite = root.find("testsuite")
            cases = []
            for case in suite.iter("testcase"):
                problem = case.find("failure")
                cases.append({"name": case.get("name"), "line": case.get("line"), "file": case.get("file"),
                              "failure": None if problem is None else {"message": problem.get("message"), "text": problem.text}})
            print(json.dumps({"root": root.tag, "tests": suite.get("tests"), "failures": suite.get("failures"),
                              "errors": suite.get("errors"), "cases": cases}))
            """
        let parsed = try await runProgramInBackground(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", reader, report])
        #expect(parsed.status == 0, "the XML parses: \(parsed.stderr)")
        let json = try #require(try JSONParser.parse(Array(parsed.stdout.utf8)).objectValue)
        #expect(json.string("root") == "testsuites")
        #expect(json.string("tests") == "4" && json.string("failures") == "2" && json.string("errors") == "0")
        let cases = json.objects("cases")
        #expect(cases.map { $0.string("name") ?? "" } == ["44 executions failed", #"a <wrong> & "quoted" count # here"#, "1 + 1 == 2", "hard stop"])
        #expect(cases.map { $0.string("line") ?? "" } == ["2", "3", "4", "5"])
        #expect(cases.allSatisfy { $0.string("file") == file })
        #expect(cases[0]["failure"] == .null && cases[2]["failure"] == .null)
        let failure = try #require(cases[1].object("failure"))
        #expect(failure.string("message") == "expect failed: n == 40")
        #expect(failure.string("text")?.contains("left:  44") == true && failure.string("text")?.contains("right: 40") == true)
        #expect(cases[3].object("failure")?.string("message") == "assert failed: n < 10")
    }

    /// TAP 14 on standard output, line by line; print goes to standard error.
    @Test func tapLineByLine() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.write("checks.obsw", "print \"hello\"\n" + Self.script)
        let run = try await runObswInBackground(["run", "--tap", file])
        #expect(run.status == 1)
        let expected = [
            "TAP version 14",
            "ok 1 - 44 executions failed",
            ##"not ok 2 - a <wrong> & "quoted" count \# here"##,
            "  ---",
            #"  message: "expect failed: n == 40""#,
            "  severity: fail",
            "  at:",
            "    file: \"\(file)\"",
            "    line: 4",
            #"  note: "a <wrong> & \"quoted\" count # here""#,
            #"  found: "44""#,
            #"  wanted: "40""#,
            "  ...",
            "ok 3 - 1 + 1 == 2",
            "not ok 4 - hard stop",
            "  ---",
            #"  message: "assert failed: n < 10""#,
            "  severity: fail",
            "  at:",
            "    file: \"\(file)\"",
            "    line: 6",
            #"  note: "hard stop""#,
            "  found: \"44\"",
            "  wanted: \"10\"",
            "  ...",
            "1..4",
        ]
        #expect(run.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) == expected, "\(run.stdout)")
        #expect(run.stderr.hasPrefix("hello\n"), "print goes to standard error: \(run.stderr)")
        #expect(!run.stderr.contains("passed,"), "TAP replaces the summary")
    }

    /// Messages holding CRLF, DEL and C1 characters once wrote raw lines into TAP: a
    /// `Bail out!` and an `ok 2` that `prove` obeyed, and a YAML block PyYAML refused. Read by
    /// Perl's TAP::Parser (what `prove` uses) and PyYAML, the output has exactly the tests
    /// obsw wrote.
    @Test func messagesCannotForgeTAPLines() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.write("forge.obsw", #"""
            expect 1 == 2, "x\r\nBail out!\r\nok 2 - forged\u{7f}\u{9b}31m"
            expect "a\u{85}b\r" == "c\u{2028}d", "# SKIP not really\u{1b}]0;title\u{7}"

            """#)
        let run = try await runObswInBackground(["run", "--tap", file])
        #expect(run.status == 1)
        #expect(!run.stdout.unicodeScalars.contains { $0 == "\r" || $0 == "\u{1b}" || $0 == "\u{85}" || $0 == "\u{2028}" }, "\(run.stdout.debugDescription)")
        let tap = dir.write("out.tap", run.stdout)
        let parser = """
            use TAP::Parser;
            open(my $in, '<', $ARGV[0]) or die; my $text = do { local $/; <$in> };
            my $p = TAP::Parser->new({ tap => $text });
            while (my $r = $p->next) {
              print "bailout\n" if $r->is_bailout;
              print(($r->is_ok ? "ok " : "not ok ") . $r->number . ($r->has_skip ? " skip" : "") . "\n") if $r->is_test;
            }
            print "plan " . $p->plan . "\n";
            """
        let parsed = try await runProgramInBackground(URL(fileURLWithPath: "/usr/bin/perl"), ["-e", parser, tap])
        #expect(parsed.status == 0, "\(parsed.stderr)")
        #expect(parsed.stdout == "not ok 1\nnot ok 2\nplan 1..2\n", "\(parsed.stdout)")
        let python = try #require(SDKPython.path, "scripts/setup-sdk makes .venv-sdk (PyYAML comes with the DWR SDK)")
        let yaml = #"""
            import sys, yaml
            lines, blocks, block = open(sys.argv[1], encoding="utf-8").read().split("\n"), [], None
            for line in lines:
                if line == "  ---": block = []
                elif line == "  ...": blocks.append(yaml.safe_load("\n".join(l[2:] for l in block))); block = None
                elif block is not None: block.append(line)
            print(len(blocks), repr(blocks[0]["note"]), repr(blocks[1]["found"]))
            """#
        let loaded = try await runProgramInBackground(URL(fileURLWithPath: python), ["-c", yaml, tap])
        #expect(loaded.status == 0, "PyYAML reads every block: \(loaded.stderr)")
        // The texts come back as they were: CR, LF, DEL and CSI inside the quoted scalar.
        #expect(loaded.stdout == #"2 'x\r\nBail out!\r\nok 2 - forged\x7f\x9b31m' '"a\\u{85}b\\r"'"# + "\n", "\(loaded.stdout)")
    }

    /// A script that stops on an error is one more failing test, never a green report.
    @Test func aScriptThatStopsIsAFailingTest() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.write("stops.obsw", "expect 1 == 1, \"first\"\nthrow \"the service is down\"\nexpect 2 == 2\n")
        let report = dir.path + "/r.xml"
        let run = try await runObswInBackground(["run", "--tap", "--junit", report, file])
        #expect(run.status == 3, "the script's own status: \(run.stderr)")
        #expect(run.stdout.contains("ok 1 - first\nnot ok 2 - the script ran to its end\n"), "\(run.stdout)")
        #expect(run.stdout.hasSuffix("1..2\n"))
        let xml = try String(contentsOfFile: report, encoding: .utf8)
        #expect(xml.contains(#"errors="1""#) && xml.contains("<error message=") && xml.contains("the service is down"), "\(xml)")
        // A script that does not compile: nothing ran, and the report says so.
        let broken = dir.write("broken.obsw", "expect (1 ==\n")
        let compile = try await runObswInBackground(["run", "--tap", broken])
        #expect(compile.status == 2)
        #expect(compile.stdout.contains("not ok 1 - the script ran to its end"), "\(compile.stdout)")
    }

    @Test func misplacedOrConflictingOptionsAreUsageErrors() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.write("s.obsw", "expect true\n")
        let after = try await runObswInBackground(["run", file, "--tap"])
        #expect(after.status == 2)
        #expect(after.stderr.contains("obsw run --tap \(file)"), "\(after.stderr)")
        let junitAfter = try await runObswInBackground(["run", file, "--junit", "r.xml"])
        #expect(junitAfter.status == 2)
        #expect(junitAfter.stderr.contains("obsw run --junit r.xml \(file)"), "\(junitAfter.stderr)")
        let both = try await runObswInBackground(["run", "--tap", "-o", "json", file])
        #expect(both.status == 2)
        #expect(both.stderr.contains("--tap writes standard output"), "\(both.stderr)")
        let nowhere = try await runObswInBackground(["run", "--junit", "/nonexistent/folder/r.xml", file])
        #expect(nowhere.status == 2)
        #expect(nowhere.stderr.contains("its folder /nonexistent/folder does not exist"), "\(nowhere.stderr)")
        let folder = try await runObswInBackground(["run", "--junit", dir.path, file])
        #expect(folder.status == 2)
        #expect(folder.stderr.contains("is a directory"), "\(folder.stderr)")
        // Given as a script argument after '--', --tap is the script's.
        let passed = try await runObswInBackground(["run", file, "--", "--tap"])
        #expect(passed.status == 0, "\(passed.stderr)")
    }
}
