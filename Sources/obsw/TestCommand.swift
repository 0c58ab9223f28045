import ArgumentParser
import ObswLang
import ObswRuntime
import ObswSystem
import ObswTerminal
import ObswText

#if canImport(Glibc)
import Glibc
#endif

/// `obsw test [PATH...]`: runs runbook tests, each against an embedded emulator of its own.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test", abstract: "Run runbook tests (*_test.obsw), each against its own embedded emulator.",
        discussion: """
            PATH is a test file or a folder (every *_test.obsw below it; default: the current \
            folder). A test's first comment lines may say '# scenario: FILE' (the emulator's data, \
            relative to the test; default: the demo data), '# service: dwr', '# args: A B' and \
            '# var: NAME=VALUE'. Each test runs as 'obsw run --local' would, with an emulator no other \
            test sees; several run at once. A test passes when it runs to its end with every \
            expect and assert holding. Exit status: 0 all passed, 1 a test failed, 2 a usage or \
            syntax error or a bad scenario (nothing was run), 130 interrupted.
            """)

    @Option(help: "Tests to run at once (default: the number of cores).")
    var jobs: Int?

    @Option(help: "Write every test's checks to FILE as JUnit XML (a testsuite per test).", completion: .file(extensions: ["xml"]))
    var junit: String?

    @Flag(help: "Write TAP 14 to standard output (a subtest per test) instead of the summary.")
    var tap = false

    @Option(help: "Colour: auto (a terminal, unless NO_COLOR is set), always or never.")
    var color: ColorChoice = .auto

    @Argument(help: "Test files or folders (default: the current folder).", completion: .file(extensions: ["obsw"]))
    var paths: [String] = []

    func validate() throws {
        if let jobs, !(1...256).contains(jobs) { throw ValidationError("--jobs must be 1 to 256, not \(jobs)") }
    }

    func run() throws {
        let files = try testFiles()
        // Everything is checked before anything runs: a mistake in one test must not cost the
        // time of all the others first.
        var tests: [RunbookTest] = []
        var sources: [SourceFile] = []
        var problems: [String] = []
        for file in files {
            guard let bytes = Engine.readFile(file) else {
                problems.append("cannot read '\(file)'")
                continue
            }
            do { tests.append(try RunbookTest(path: file, bytes: bytes)) } catch { problems.append(error.description) }
            sources.append(SourceFile(name: file, bytes: bytes))
        }
        for problem in problems { printError(problem) }
        let host = ServiceHost { () throws(ScriptError) in throw ScriptError(.runtime, "check runs nothing") }
        let checked = ScriptRunner(host: host, color: color).check(sources)
        guard problems.isEmpty, checked == ExitStatus.success.rawValue else { throw ExitCode(.usage) }
        let report = try junit.map { path in try prepareOutput(path, option: "--junit", reading: files.map { ("a test", $0) }) }

        let folder = try temporaryFolder()
        defer { removeFolder(folder, count: tests.count) }
        let started = ContinuousClock.now
        let printer = TestPrinter(tap: tap, palette: color.palette(for: 1), count: tests.count)
        // Ctrl-C reaches every test (one process group); this process waits for them to end.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let outcomes = runAll(tests, folder: folder, printer: printer)
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)

        let elapsed = (ContinuousClock.now - started).secondsValue
        let failed = outcomes.count { !$0.passed }
        let serial = outcomes.reduce(0) { $0 + $1.seconds }
        let checks = outcomes.reduce(0) { $0 + $1.checks.count }
        let summary = "\(outcomes.count - failed) passed, \(failed) failed (\(checks) check\(checks == 1 ? "" : "s"); "
            + "\(Self.seconds(elapsed)), \(Self.seconds(serial)) one after another)"
        printer.finish(summary)
        if let report {
            do throws(FileError) { try report.write(junitXML(tests, outcomes, folder: folder, seconds: elapsed)) } catch {
                printError("the JUnit report: \(error)")
                throw ExitCode(.runtime)
            }
        }
        if outcomes.contains(where: { $0.status == ExitStatus.interrupted.rawValue }) { throw ExitCode(.interrupted) }
        throw ExitCode(failed > 0 ? .checkFailed : .success)
    }

    /// The test files PATHs name, in order, each once.
    func testFiles() throws -> [String] {
        var files: [String] = []
        for path in paths.isEmpty ? ["."] : paths {
            var info = stat()
            guard stat(path, &info) == 0 else {
                printError("'\(path)' does not exist")
                throw ExitCode(.usage)
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                // `obsw test` in a folder names its tests as the user would: `a_test.obsw`, not `./a_test.obsw`.
                let found = Directory.files(under: path, endingIn: "_test.obsw").map { $0.hasPrefix("./") ? String($0.dropFirst(2)) : $0 }
                if found.isEmpty { printNote("no tests (*_test.obsw) under \(path)") }
                files += found
            } else {
                files.append(path)
            }
        }
        var seen = Set<String>()
        files = files.filter { seen.insert($0).inserted }
        guard !files.isEmpty else {
            printError("no tests to run: name *_test.obsw files or folders holding them")
            throw ExitCode(.usage)
        }
        return files
    }

    /// Runs the tests, `jobs` at once, and prints each as it ends (in file order).
    func runAll(_ tests: [RunbookTest], folder: String, printer: TestPrinter) -> [TestOutcome] {
        let executable = ChildProcess.ownExecutable
        let limit = jobs ?? max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        var outcomes = [TestOutcome?](repeating: nil, count: tests.count)
        var running: [pid_t: (index: Int, started: ContinuousClock.Instant)] = [:]
        var next = 0
        var printed = 0
        var interrupted = false
        while printed < tests.count {
            while !interrupted, running.count < limit, next < tests.count {
                let index = next
                next += 1
                let words = tests[index].commandLine(junit: "\(folder)/\(index).xml")
                switch ChildProcess.start(executable, words, output: "\(folder)/\(index).tap", errors: "\(folder)/\(index).err") {
                case .success(let pid): running[pid] = (index, ContinuousClock.now)
                case .failure(let error):
                    var outcome = TestOutcome()
                    outcome.status = ExitStatus.runtime.rawValue
                    outcome.errors = error.description
                    outcomes[index] = outcome
                }
            }
            if running.isEmpty, next >= tests.count || interrupted {
                // Nothing left to wait for: the rest were not started.
                for index in 0..<tests.count where outcomes[index] == nil {
                    var outcome = TestOutcome()
                    outcome.status = ExitStatus.interrupted.rawValue
                    outcome.errors = "not run: interrupted"
                    outcomes[index] = outcome
                }
            } else if let (pid, status) = ChildProcess.waitForAny(), let child = running.removeValue(forKey: pid) {
                let text = Engine.readFile("\(folder)/\(child.index).tap").map { String(decoding: $0, as: UTF8.self) } ?? ""
                var outcome = TestOutcome.parse(tap: text)
                outcome.status = status
                outcome.seconds = (ContinuousClock.now - child.started).secondsValue
                if !outcome.passed {
                    outcome.errors = Engine.readFile("\(folder)/\(child.index).err").map { String(decoding: $0, as: UTF8.self) } ?? ""
                }
                if status == ExitStatus.interrupted.rawValue || status == 128 + SIGINT { interrupted = true }
                outcomes[child.index] = outcome
            }
            while printed < tests.count, let outcome = outcomes[printed] {
                printer.print(tests[printed], outcome, number: printed + 1)
                printed += 1
            }
        }
        return outcomes.map { $0! }
    }

    /// Every test's JUnit suite in one document.
    func junitXML(_ tests: [RunbookTest], _ outcomes: [TestOutcome], folder: String, seconds: Double) -> String {
        var suites = ""
        var total = 0, failures = 0, errors = 0
        for (index, test) in tests.enumerated() {
            let outcome = outcomes[index]
            total += max(outcome.checks.count, 1)
            failures += outcome.checks.count { !$0.passed && !$0.isError }
            errors += outcome.checks.count { !$0.passed && $0.isError }
            let written = Engine.readFile("\(folder)/\(index).xml").map { String(decoding: $0, as: UTF8.self) } ?? ""
            if let start = written.firstRange(of: "  <testsuite "), let end = written.ranges(of: "</testsuite>").last {
                var suite = String(written[start.lowerBound..<end.upperBound]) + "\n"
                if !outcome.passed, outcome.failedChecks.isEmpty { suite = Self.withError(suite, outcome) }
                suites += suite
                if !outcome.passed, outcome.failedChecks.isEmpty { errors += 1 }
            } else {
                // No report of its own: it did not get as far as running.
                errors += 1
                let name = Escape.xml(test.path)
                let message = Escape.xml(Self.lastLines(outcome.errors))
                suites += "  <testsuite name=\"\(name)\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" time=\"\(CheckReports.seconds(outcome.seconds))\">\n"
                    + "    <testcase name=\"the test ran\" classname=\"\(name)\" file=\"\(name)\" time=\"\(CheckReports.seconds(outcome.seconds))\">\n"
                    + "      <error message=\"exit status \(outcome.status)\" type=\"error\">\(message)</error>\n    </testcase>\n  </testsuite>\n"
            }
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<testsuites name=\"obsw test\" tests=\"\(total)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(CheckReports.seconds(seconds))\">\n"
            + suites + "</testsuites>\n"
    }

    /// A suite whose checks all held but whose test failed anyway (a result not kept, exit 3).
    static func withError(_ suite: String, _ outcome: TestOutcome) -> String {
        guard let end = suite.ranges(of: "  </testsuite>").last else { return suite }
        let message = Escape.xml(lastLines(outcome.errors))
        return String(suite[..<end.lowerBound])
            + "    <testcase name=\"the test ended with status 0\" classname=\"obsw\" time=\"0.000\">\n"
            + "      <error message=\"exit status \(outcome.status)\" type=\"error\">\(message)</error>\n    </testcase>\n"
            + String(suite[end.lowerBound...])
    }

    /// The last lines of a test's standard error, without the emulator's start-up note.
    static func lastLines(_ text: String, count: Int = 20) -> String {
        text.split(separator: "\n").filter { !$0.hasPrefix("obsw: using an embedded") }.suffix(count).joined(separator: "\n")
    }

    static func seconds(_ value: Double) -> String {
        let tenths = Int((max(0, value) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)s"
    }

    func temporaryFolder() throws -> String {
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/obsw-test-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            printError("cannot make a folder in \(base) for the tests' output: \(String(cString: strerror(errno)))")
            throw ExitCode(.runtime)
        }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func removeFolder(_ folder: String, count: Int) {
        for index in 0..<count {
            for suffix in ["tap", "err", "xml"] { unlink("\(folder)/\(index).\(suffix)") }
        }
        rmdir(folder)
    }
}

/// What `obsw test` prints: a line per test with its checks and time, each failure with its
/// file, line and both sides; or TAP 14 with a subtest per test.
struct TestPrinter {
    let tap: Bool
    let palette: Palette
    let count: Int

    init(tap: Bool, palette: Palette, count: Int) {
        self.tap = tap
        self.palette = palette
        self.count = count
        if tap { writeOut("TAP version 14\n1..\(count)\n") }
    }

    func print(_ test: RunbookTest, _ outcome: TestOutcome, number: Int) {
        if tap {
            var text = "# Subtest: \(Escape.tapDescription(test.path))\n"
            for line in outcome.tap.split(separator: "\n") where !line.hasPrefix("TAP version") {
                text += "    \(line)\n"
            }
            text += "\(outcome.passed ? "ok" : "not ok") \(number) - \(Escape.tapDescription(test.path))\n"
            if !outcome.passed, outcome.failedChecks.isEmpty {
                text += "  ---\n  message: \(Escape.yamlString(TestCommand.lastLines(outcome.errors, count: 5)))\n  severity: error\n  ...\n"
            }
            writeOut(text)
            return
        }
        let time = TestCommand.seconds(outcome.seconds)
        let checks = outcome.checks.filter { !($0.isError && !$0.passed) }.count
        var text: String
        if outcome.passed {
            text = "\(palette.paint("PASS", .success))  \(Escape.terminal(test.path))  \(checks) check\(checks == 1 ? "" : "s")  \(time)\n"
        } else {
            let failed = outcome.failedChecks.filter { !$0.isError }.count
            let what = failed > 0 ? "\(failed) of \(checks) check\(checks == 1 ? "" : "s") failed" : "\(checks) check\(checks == 1 ? "" : "s")"
            text = "\(palette.paint("FAIL", .failed))  \(Escape.terminal(test.path))  \(what)  \(time)\n"
            for check in outcome.failedChecks {
                let place = check.line > 0 ? "\(check.file):\(check.line)" : check.file
                text += "    \(Escape.terminal(place)): \(Escape.terminal(check.isError ? "stopped: " + check.message : check.message))\n"
                if let found = check.found { text += "        left:  \(Escape.terminal(found))\n" }
                if let wanted = check.wanted { text += "        right: \(Escape.terminal(wanted))\n" }
                for note in check.notes { text += "        \(Escape.terminal(note))\n" }
            }
            if outcome.failedChecks.isEmpty {
                let shown = TestCommand.lastLines(outcome.errors)
                text += shown.isEmpty ? "    exit status \(outcome.status)\n" : shown.split(separator: "\n").map { "    \(Escape.terminal(String($0)))\n" }.joined()
            }
        }
        writeOut(text)
    }

    func finish(_ summary: String) {
        if tap { writeError(summary) } else { writeOut(summary + "\n") }
    }

    private func writeOut(_ text: String) { _ = writeWithoutSIGPIPE(1, Array(text.utf8)) }
}
