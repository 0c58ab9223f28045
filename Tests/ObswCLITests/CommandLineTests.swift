import Foundation
import OBSWTestSupport
import Testing

/// The command line as an operator types it mid-incident: global options before and after
/// the subcommand, never silently taken for a script's arguments; two profiles pointing at
/// two different servers show which one each spelling reaches.
@Suite(.timeLimit(.minutes(5))) struct CommandLineTests {
    /// Two services that each name themselves in their only workflow, and a config file with a
    /// profile for each.
    struct TwoServices {
        let staging: TestHTTPServer
        let prod: TestHTTPServer
        let dir = TemporaryDirectory()
        let config: String
        let script: String

        init() async throws {
            func answering(_ name: String) async throws -> TestHTTPServer {
                try await TestHTTPServer.start { _, _ in .json(200, #"{"count": 1, "graphs": [{"name": "\#(name)"}]}"#) }
            }
            staging = try await answering("staging-graph")
            prod = try await answering("prod-graph")
            config = dir.write(
                "config",
                """
                [default]
                endpoint = \(staging.endpoint)
                access_key_id = AK
                secret_access_key = SK
                [prod]
                endpoint = \(prod.endpoint)
                access_key_id = AK
                secret_access_key = SK

                """)
            script = dir.write("which.obsw", "let g = graphs\nprint $g[0].name\nprint \"args: $args\"\n")
        }

        var environment: [String: String] { ["HOME": dir.path, "OBSW_CONFIG_FILE": config] }

        func stop() async {
            await staging.stop()
            await prod.stop()
            dir.remove()
        }
    }

    @Test func globalOptionsWorkBeforeAndAfterTheSubcommandName() async throws {
        let services = try await TwoServices()
        for arguments in [
            ["--profile", "prod", "run", services.script],
            ["run", "--profile", "prod", services.script],
            ["run", "--profile=prod", services.script],
        ] {
            let run = try await runObswInBackground(arguments, environment: services.environment)
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
            #expect(run.stdout == "prod-graph\nargs: []\n", "\(arguments)")
        }
        let c = try await runObswInBackground(["-c", "let g = graphs; print $g[0].name", "--profile", "prod"], environment: services.environment)
        #expect(c.stdout == "prod-graph\n", "\(c.stderr)")
        let byDefault = try await runObswInBackground(["run", services.script], environment: services.environment)
        #expect(byDefault.stdout == "staging-graph\nargs: []\n", "\(byDefault.stderr)")
        await services.stop()
    }

    /// `obsw run FILE --profile prod` used to run against the default profile with
    /// `--profile prod` as script arguments. Now: exit 2, nothing sent, and how to say it.
    @Test func anObswOptionAfterTheScriptFileIsRefusedBeforeAnythingIsSent() async throws {
        let services = try await TwoServices()
        for option in [["--profile", "prod"], ["--profile=prod"], ["--local"], ["--endpoint", "http://127.0.0.1:1"], ["-o", "json"], ["--output=json"], ["--color", "never"]] {
            let run = try await runObswInBackground(["run", services.script, "one"] + option, environment: services.environment)
            #expect(run.status == 2, "\(option): \(run.stderr)")
            #expect(run.stdout.isEmpty)
            let name = option[0].split(separator: "=")[0]
            #expect(run.stderr.contains("'\(name)' comes after the script file"), "\(run.stderr)")
            #expect(run.stderr.contains("obsw run \(services.script) -- \(option[0])"), "\(run.stderr)")
        }
        #expect(services.staging.requests.isEmpty && services.prod.requests.isEmpty, "a refused command line sent nothing")
        await services.stop()
    }

    @Test func doubleDashPassesObswOptionsToTheScript() async throws {
        let services = try await TwoServices()
        let run = try await runObswInBackground(
            ["run", services.script, "--", "--profile", "prod", "--", "x"], environment: services.environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "staging-graph\nargs: [\"--profile\", \"prod\", \"--\", \"x\"]\n")
        await services.stop()
    }

    /// `--` before FILE ends obsw's options for the whole line; `--var` after FILE stays
    /// obsw's, and a missing or malformed value is a usage error, never the file's place taken.
    @Test func doubleDashBeforeTheFileAndVarAfterIt() async throws {
        let services = try await TwoServices()
        let ended = try await runObswInBackground(["run", "--", services.script, "--profile", "prod"], environment: services.environment)
        #expect(ended.status == 0, "\(ended.stderr)")
        #expect(ended.stdout == "staging-graph\nargs: [\"--profile\", \"prod\"]\n")
        // Counted after the run that reached staging: on a loaded machine its listing may
        // have been retried, which is not what this test is about.
        let reachedStaging = services.staging.requests.count
        #expect(reachedStaging >= 1)
        for (arguments, message) in [
            (["run", services.script, "x", "--var"], "--var needs NAME=VALUE"),
            (["run", services.script, "--var="], "--var takes NAME=VALUE, not ''"),
            (["run", services.script, "--var", "novalue"], "--var takes NAME=VALUE, not 'novalue'"),
        ] {
            let run = try await runObswInBackground(arguments, environment: services.environment)
            #expect(run.status == 2 && run.stderr == "obsw: error: \(message)\n", "\(arguments): \(run.stderr)")
        }
        #expect(services.staging.requests.count == reachedStaging && services.prod.requests.isEmpty, "a usage error sent nothing")
        await services.stop()
    }

    @Test func localRunsWhereverTheOptionIsWritten() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let script = dir.write("count.obsw", "let n = len($(graphs))\nif n > 0 { print \"true\" }\n")
        for arguments in [["run", "--local", script], ["--local", "run", script]] {
            let run = try await runObswInBackground(arguments, environment: ["HOME": dir.path])
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
            #expect(run.stdout == "true\n")
        }
    }

    @Test func anUnknownProfileNamesTheProfilesThatExist() async throws {
        let services = try await TwoServices()
        let run = try await runObswInBackground(["--profile", "prdo", "-c", "graphs"], environment: services.environment)
        #expect(run.status == 3 || run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("no profile 'prdo'") && run.stderr.contains("default, prod"), "\(run.stderr)")
        let config = try await runObswInBackground(["config", "--profile", "prdo"], environment: services.environment)
        #expect(config.status == 2)
        #expect(config.stderr.contains("it has: default, prod"), "\(config.stderr)")
        await services.stop()
    }

    @Test func configWithNothingConfiguredSaysHow() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let run = try await runObswInBackground(["config"], environment: ["HOME": dir.path])
        #expect(run.status == 0, "\(run.stderr)")
        for hint in ["OBS_ENDPOINT", "OBS_ACCESS_KEY_ID", "OBS_SECRET_ACCESS_KEY", "\(dir.path)/.config/obsw/config", "--profile", "obsw --local"] {
            #expect(run.stderr.contains(hint), "\(hint): \(run.stderr)")
        }
    }

    @Test func versionIsTheSameEverywhere() async throws {
        let flag = try await runObswInBackground(["--version"])
        let command = try await runObswInBackground(["version"])
        #expect(flag.status == 0 && command.status == 0)
        #expect(command.stdout == flag.stdout, "\(flag.stdout) / \(command.stdout)")
        // The version, the commit it was built from (this checkout's) and the day.
        let match = try #require(flag.stdout.wholeMatch(of: /obsw (\d+\.\d+\.\d+) \(([0-9a-f]{7}(-dirty)?), (\d{4}-\d{2}-\d{2})\)\n/), "\(flag.stdout)")
        let head = try await runProgramInBackground(
            URL(fileURLWithPath: "/usr/bin/git"), ["-C", SDKPython.packageRoot.path, "rev-parse", "--short=7", "HEAD"])
        #expect(match.2.hasPrefix(head.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(flag.stdout) at \(head.stdout)")
        // The man page carries the version alone: it is committed, and must not change with each commit.
        let manual = try await runObswInBackground(["manual"])
        #expect(manual.stdout.contains("\"obsw \(match.1)\""))
    }

    @Test(arguments: ["bash", "zsh", "fish"]) func completionScripts(shell: String) async throws {
        let run = try await runObswInBackground(["completion", shell])
        #expect(run.status == 0, "\(run.stderr)")
        for word in ["run", "check", "config", "completion", "profile", "output", "json", "jsonl", "tsv"] {
            #expect(run.stdout.contains(word), "\(shell) completion names \(word)")
        }
        if shell == "bash" {
            // The script must at least be valid bash.
            let dir = TemporaryDirectory()
            defer { dir.remove() }
            let file = dir.write("obsw.bash", run.stdout)
            let check = try await runProgramInBackground(URL(fileURLWithPath: "/bin/bash"), ["-n", file])
            #expect(check.status == 0, "\(check.stderr)")
            // What Tab offers, as bash calls the function: `obsw --output j` → json, jsonl.
            func offered(_ words: [String]) async throws -> [String] {
                let line = words.joined(separator: " ")
                let call = """
                    source '\(file)'; COMP_WORDS=(\(words.joined(separator: " "))); COMP_CWORD=\(words.count - 1); \
                    COMP_LINE='\(line)'; COMP_POINT=${#COMP_LINE}; _obsw obsw '\(words.last!)' '\(words[words.count - 2])'; \
                    printf '%s\\n' "${COMPREPLY[@]}"
                    """
                let run = try await runProgramInBackground(URL(fileURLWithPath: "/bin/bash"), ["-c", call])
                return run.stdout.split(separator: "\n").map(String.init)
            }
            #expect(try await offered(["obsw", "--output", "j"]) == ["json", "jsonl"])
            #expect(try await offered(["obsw", "--color", "n"]) == ["never"])
            #expect(try await offered(["obsw", "ru"]) == ["run"])
        }
        let bad = try await runObswInBackground(["completion", "powershell"])
        #expect(bad.status == 2)
    }

    /// The completion scripts completed no file names: `obsw run <Tab>`, `check`,
    /// `--config-file`, `--junit`, `--html` and `report JOURNAL` offered nothing. Bash is run
    /// for real, in a folder with a script, a journal, a page, a report and a subfolder;
    /// zsh's and fish's scripts are read for the directive that completes files.
    @Test func completionOffersFileNames() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        for name in ["recover.obsw", "notes.txt", "resume.jsonl", "page.html", "report.xml"] { dir.write(name, "") }
        #expect(mkdir(dir.path + "/runbooks", 0o700) == 0)
        let script = try await runObswInBackground(["completion", "bash"])
        let file = dir.write("obsw.bash", script.stdout)
        func offered(_ words: [String]) async throws -> Set<String> {
            let quoted = words.map { "'\($0)'" }
            let call = """
                source '\(file)'; COMP_WORDS=(\(quoted.joined(separator: " "))); COMP_CWORD=\(words.count - 1); \
                COMP_LINE='\(words.joined(separator: " "))'; COMP_POINT=${#COMP_LINE}; _obsw obsw '\(words.last!)' '\(words[words.count - 2])'; \
                printf '%s\\n' "${COMPREPLY[@]}"
                """
            let run = try await runProgramInBackground(URL(fileURLWithPath: "/bin/bash"), ["-c", call], workingDirectory: dir.path)
            return Set(run.stdout.split(separator: "\n").map(String.init))
        }
        #expect(try await offered(["obsw", "run", ""]) == ["recover.obsw", "runbooks"])
        #expect(try await offered(["obsw", "check", "re"]) == ["recover.obsw"])
        #expect(try await offered(["obsw", "run", "--junit", ""]) == ["report.xml", "runbooks"])
        #expect(try await offered(["obsw", "report", ""]) == ["resume.jsonl", "runbooks"])
        #expect(try await offered(["obsw", "report", "--html", ""]) == ["page.html", "runbooks"])
        #expect(try await offered(["obsw", "--config-file", "no"]) == ["notes.txt"])
        let zsh = try await runObswInBackground(["completion", "zsh"]).stdout
        for directive in [#"':file:_files -g '\''*.obsw'\'''"#, ":junit:_files", ":html:_files", ":journal:_files", ":config-file:_files"] {
            #expect(zsh.contains(directive), "zsh: \(directive)")
        }
        let fish = try await runObswInBackground(["completion", "fish"]).stdout
        #expect(fish.contains("-l 'config-file'") && fish.contains("-rF"))
        for option in ["junit", "html"] {
            #expect(fish.split(separator: "\n").contains { $0.contains("-l '\(option)'") && $0.contains("__fish_complete_directories") }, "fish: --\(option)")
        }
    }

    /// docs/obsw.1 is made by `obsw manual` from the help text; it must not drift.
    @Test func theManPageInDocsIsUpToDate() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = try String(contentsOf: root.appendingPathComponent("docs/obsw.1"), encoding: .utf8)
        let made = try await runObswInBackground(["manual"])
        #expect(made.status == 0)
        #expect(committed == made.stdout, "docs/obsw.1 is stale: run .build/debug/obsw manual > docs/obsw.1")
        for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SS obsw run", ".SH LANGUAGE COMMANDS", ".SH EXIT STATUS", ".SH ENVIRONMENT"] {
            #expect(made.stdout.contains(section), "\(section)")
        }
    }

    /// The page renders: man's formatter reads it without warnings (groff-base, which
    /// .ci/run installs; skipped, visibly, where it is missing).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/groff"), "needs groff (apt-get install groff-base)"))
    func theManPageRendersWithoutWarnings() async throws {
        let made = try await runObswInBackground(["manual"])
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.write("obsw.1", made.stdout)
        let render = try await runProgramInBackground(URL(fileURLWithPath: "/usr/bin/groff"), ["-man", "-Tutf8", "-ww", file])
        #expect(render.status == 0 && render.stderr.isEmpty, "\(render.stderr)")
        // Bold headings are drawn by overstriking ("L\bL"): read the text without it.
        let text = render.stdout.replacing(/.\x08/, with: "")
        #expect(text.contains("LANGUAGE COMMANDS") && text.contains("EXIT STATUS"), "\(text)")
    }

    /// With json or jsonl, standard output is exactly the JSON: print goes to standard error.
    @Test func jsonOutputOwnsStandardOutput() async throws {
        let code = #"print "working"; [{"a": 1, "b": "x\ty"}, {"a": 2, "b": null}]"#
        let json = try await runObswInBackground(["-c", code, "-o", "json"])
        #expect(json.status == 0)
        #expect(json.stdout == #"[{"a":1,"b":"x\ty"},{"a":2,"b":null}]"# + "\n", "\(json.stdout)")
        #expect(json.stderr.contains("working"))
        let jsonl = try await runObswInBackground(["-c", code, "--output", "jsonl"])
        #expect(jsonl.stdout == #"{"a":1,"b":"x\ty"}"# + "\n" + #"{"a":2,"b":null}"# + "\n")
        let tsv = try await runObswInBackground(["-c", code, "--output", "tsv"])
        #expect(tsv.stdout == "working\na\tb\n1\tx\\ty\n2\t\n", "\(tsv.stdout)")
        let table = try await runObswInBackground(["-c", code, "--output", "table"])
        #expect(table.stdout.contains("a  b") && table.stdout.contains("(2 rows)"), "\(table.stdout)")
        let quiet = try await runObswInBackground(["-c", code])
        #expect(quiet.stdout == "working\n", "piped, -c prints no value unless asked")
        let bad = try await runObswInBackground(["-c", "1", "--output", "xml"])
        #expect(bad.status == 2)
    }

    @Test func colourOnlyWhenAskedOrOnATerminal() async throws {
        let code = #"[{"execution_name": "e1", "execution_state": "FAILED"}, {"execution_name": "e2", "execution_state": "SUCCESS"}]"#
        let always = try await runObswInBackground(["--color", "always", "-c", code, "-o", "table"])
        #expect(always.stdout.contains("\u{1B}[31mFAILED\u{1B}[0m") && always.stdout.contains("\u{1B}[32mSUCCESS\u{1B}[0m"), "\(always.stdout)")
        let piped = try await runObswInBackground(["-c", code, "-o", "table"])
        #expect(!piped.stdout.contains("\u{1B}["))
        let never = try await runObswInBackground(["--color", "never", "-c", code, "-o", "table"])
        #expect(!never.stdout.contains("\u{1B}["))
        let diagnostic = try await runObswInBackground(["--color", "always", "-c", "let x = "])
        #expect(diagnostic.status == 2)
        #expect(diagnostic.stderr.contains("\u{1B}[31merror:\u{1B}[0m"), "\(diagnostic.stderr)")
        let plain = try await runObswInBackground(["-c", "let x = "])
        #expect(!plain.stderr.contains("\u{1B}["))
    }

    /// A resume or wait whose value nothing keeps: failed targets make the run exit 3.
    @Test func aDiscardedBulkResultWithFailuresExitsThree() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let environment = ["HOME": dir.path, "XDG_STATE_HOME": dir.path + "/state"]
        let bare = try await runObswInBackground(["--local", "-c", "resume thumbnails no-such-execution"], environment: environment)
        #expect(bare.status == 3, "\(bare.stderr)")
        #expect(bare.stderr.contains("resume thumbnails: 1 failed"), "the summary comes first: \(bare.stderr)")
        #expect(bare.stderr.contains("<command line>:1: error: resume thumbnails: 1 of 1 target failed; the result was not kept"), "\(bare.stderr)")
        let script = dir.write(
            "bare.obsw",
            """
            let failed = executions thumbnails --state FAILED --limit 2
            resume thumbnails $failed no-such-execution
            print "went on"

            """)
        let run = try await runObswInBackground(["--local", "run", script], environment: environment)
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stdout == "went on\n")
        #expect(run.stderr.contains("\(script):2: error: resume thumbnails: 1 of 3 targets failed"), "\(run.stderr)")
        // Kept, the script decides.
        let kept = try await runObswInBackground(
            ["--local", "-c", "let r = resume thumbnails no-such-execution; print $r.outcome"], environment: environment)
        #expect(kept.status == 0, "\(kept.stderr)")
        #expect(kept.stdout == "failed\n")
        // Nothing failed: all well.
        let fine = try await runObswInBackground(
            ["--local", "-c", "let f = executions thumbnails --state FAILED --limit 1\nresume thumbnails $f"], environment: environment)
        #expect(fine.status == 0, "\(fine.stderr)")
        // A discarded wait whose executions end FAILED.
        let wait = try await runObswInBackground(
            ["--local", "-c", "let f = executions thumbnails --state FAILED --limit 2\nwait thumbnails $f --timeout 10s"],
            environment: environment)
        #expect(wait.status == 3, "\(wait.stderr)")
        #expect(wait.stderr.contains("wait thumbnails: 2 FAILED in "), "the summary line: \(wait.stderr)")
        #expect(wait.stderr.contains("wait thumbnails: 2 of 2 executions FAILED; the result was not kept"), "\(wait.stderr)")
    }

    /// Rehearsals keep their journals apart, each journal names its service, and a resume
    /// that sends nothing leaves none.
    @Test func localJournalsAreKeptApartAndNamedForTheirService() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.path + "/state"
        let environment = ["HOME": dir.path, "XDG_STATE_HOME": state]
        let nothing = try await runObswInBackground(
            ["--local", "-c", "let r = resume thumbnails no-such-execution"], environment: environment)
        #expect(nothing.status == 0, "\(nothing.stderr)")
        #expect(!nothing.stderr.contains("journal"), "\(nothing.stderr)")
        #expect(journals(in: state + "/obsw/journal/local").isEmpty && journals(in: state + "/obsw/journal").isEmpty)

        let resumed = try await runObswInBackground(
            ["--local", "-c", "let f = executions thumbnails --state FAILED --limit 3\nlet r = resume thumbnails $f"], environment: environment)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let local = journals(in: state + "/obsw/journal/local")
        #expect(local.count == 1, "\(resumed.stderr)")
        #expect(journals(in: state + "/obsw/journal").isEmpty, "no rehearsal journal among real ones")
        let text = try String(contentsOfFile: state + "/obsw/journal/local/" + local[0], encoding: .utf8)
        let header = text.split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.hasPrefix(#"{"obsw_journal":1,"endpoint":"http://127.0.0.1:"#) && header.contains(#""local":true"#), "\(header)")
        #expect(resumed.stderr.contains("journal \(state)/obsw/journal/local/"), "\(resumed.stderr)")

        // A rehearsal's journal given to a real resume is refused, nothing sent.
        let server = try await TestHTTPServer.start { _, _ in .json(500, "{}") }
        let refused = try await runObswInBackground(
            ["--endpoint", server.endpoint, "-c", "let r = resume thumbnails exec-0003 --journal \(state)/obsw/journal/local/\(local[0])"],
            environment: environment.merging(["OBS_ACCESS_KEY_ID": "AK", "OBS_SECRET_ACCESS_KEY": "SK"]) { $1 })
        #expect(refused.status == 3, "\(refused.stderr)")
        #expect(refused.stderr.contains("was written against http://127.0.0.1:") && refused.stderr.contains("(--local)"), "\(refused.stderr)")
        #expect(server.requests.allSatisfy { $0.method == "GET" }, "no restore was sent")
        await server.stop()
    }

    func journals(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".jsonl") }
    }
}
