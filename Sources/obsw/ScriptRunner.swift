#if canImport(Glibc)
import Glibc
#endif
import ObswLang
import ObswRuntime
import ObswTerminal
import ObswSystem
import ObswText

/// Runs scripts for `obsw run`, `obsw -c` and piped input: prints output, check failures and
/// errors in the runner's format, and turns the outcome into the documented exit status
/// (`ExitStatus`; a script's own `exit N` is passed on).
final class ScriptRunner: EngineDelegate {
    let engine: Engine
    let outputFormat: OutputFormat
    /// Colour for standard output (tables) and standard error (diagnostics).
    let outputPalette: Palette
    let errorPalette: Palette
    private var output = OutputBuffer(fd: 1, lineBuffered: isatty(1) != 0)
    /// `--junit`/`--tap`: every check, for CI.
    private var reports: CheckReports?

    init(host: (any CommandHost)? = nil, outputFormat: OutputFormat = .none, color: ColorChoice = .never) {
        engine = Engine(host: host)
        self.outputFormat = outputFormat
        outputPalette = color.palette(for: 1)
        errorPalette = color.palette(for: 2)
        engine.delegate = self
    }

    /// Reports every check as JUnit XML to `junit` and/or TAP 14 on standard output
    /// (then `print` goes to standard error, and TAP replaces the closing summary).
    func reportChecks(junit: OutputFile?, tap: Bool) {
        guard junit != nil || tap else { return }
        engine.reportsEveryCheck = true
        reports = CheckReports(junit: junit, tap: tap) { [unowned self] text in self.output.append(text) }
    }

    /// Standard output belongs to something else than `print` (one JSON document, or TAP).
    var ownsStandardOutput: Bool { outputFormat.ownsStandardOutput || reports?.tap == true }

    var renderer: DiagnosticRenderer { DiagnosticRenderer(sources: engine.sources, palette: errorPalette) }

    /// `print`: standard output, unless json or jsonl own it (one document, nothing else).
    func write(_ text: String) {
        if ownsStandardOutput {
            writeAll(2, Array(text.utf8))
        } else {
            output.append(text)
        }
    }

    func log(_ line: String) { writeError(line) }

    func warn(_ diagnostics: [Diagnostic]) {
        let renderer = self.renderer
        for d in diagnostics { writeError(renderer.render(d)) }
    }

    func checkFailed(_ failure: CheckResult) {
        report(failure)
        output.flush()
        // The report quotes values, which may hold a service's text: shown, never obeyed.
        var lines = failure.report.map(Escape.terminal)
        lines[0] = "\(Escape.terminal(location(failure.span))): " + lines[0]
        writeError(lines.joined(separator: "\n"))
    }

    func checkPassed(_ check: CheckResult) { report(check) }

    private func report(_ check: CheckResult) {
        guard let reports else { return }
        let (file, line) = place(check.span)
        reports.record(check, file: file, line: line)
    }

    /// The file and line of `span` (line 0 when the file is not known).
    func place(_ span: Span) -> (file: String, line: Int) {
        guard let file = engine.sources.file(span.file) else { return ("<unknown>", 0) }
        return (file.name, file.location(of: Int(span.start)).line)
    }

    /// `file:line`, as messages name a place.
    func location(_ span: Span) -> String {
        let (file, line) = place(span)
        return line > 0 ? "\(file):\(line)" : file
    }

    /// Runs a whole program and returns the exit status.
    func run(_ file: SourceFile, arguments: [String] = [], variables: [String: String] = [:]) -> Int32 {
        defineScriptInputs(arguments: arguments, variables: variables)
        engine.tracksIgnoredFailures = true
        // Ctrl-C or SIGTERM: stop starting new work, let calls in flight finish, exit 130.
        Interrupts.installForScripts()
        let watcher = InterruptWatcher(flag: engine.interrupt)
        let status = EngineThread.run {
            let status = self.outcomeStatus(self.engine.run(file))
            self.engine.releaseGlobals()  // on this thread's large stack: values may be deeply nested
            return status
        }
        watcher.stop()
        var final = status
        if let reports, let problem = reports.finish(suiteName: file.name) {
            writeError("obsw: error: \(problem)")
            if final == ExitStatus.success.rawValue { final = ExitStatus.runtime.rawValue }
        }
        output.flush()
        if engine.checksPassed + engine.checksFailed > 0, reports?.tap != true {
            writeError("\(engine.checksPassed) passed, \(engine.checksFailed) failed")
        }
        return final
    }

    func outcomeStatus(_ outcome: RunOutcome) -> Int32 {
        switch outcome {
        case .finished(let value):
            if let text = outputFormat.render(value, palette: outputPalette) { output.append(text) }
            if engine.checksFailed > 0 { return ExitStatus.checkFailed.rawValue }
            return (reportIgnoredFailures() ? ExitStatus.runtime : .success).rawValue
        case .exited(let status):
            return status == ExitStatus.success.rawValue && engine.checksFailed > 0 ? ExitStatus.checkFailed.rawValue : status
        case .invalid(let diagnostics):
            output.flush()
            let renderer = self.renderer
            for d in diagnostics { writeError(renderer.render(d)) }
            if let first = diagnostics.first {
                let (file, line) = place(first.span)
                reports?.recordStop("the script did not compile: \(first.message)", file: file, line: line)
            }
            return ExitStatus.usage.rawValue
        case .failed(let error):
            output.flush()
            var diagnostic = error.diagnostic
            if error.kind == .interrupted {
                diagnostic.message = error.message.hasPrefix("interrupted") ? error.message : "interrupted: \(error.message)"
            } else if error.kind != .runtime {
                diagnostic.message = "\(error.kind.rawValue) error: \(error.message)"
            }
            writeError(renderer.render(diagnostic))
            let (file, line) = place(diagnostic.span)
            reports?.recordStop(diagnostic.message, file: file, line: line)
            return (error.kind == .interrupted ? ExitStatus.interrupted : .runtime).rawValue
        }
    }

    /// A `resume` or `wait` whose value the script did not keep, with failed targets: the
    /// script could not look at them, so the run must not end as a success. Says which.
    func reportIgnoredFailures() -> Bool {
        let ignored = engine.ignoredFailures
        guard !ignored.isEmpty else { return false }
        output.flush()
        for failure in ignored {
            writeError("\(Escape.terminal(location(failure.span))): \(errorPalette.paint("error:", .error)) \(Escape.terminal(failure.message)); the result was not kept, so obsw exits 3 "
                + "(keep it, e.g. let results = ..., to decide in the script)")
        }
        return true
    }

    /// The names `run` gives every script: `args` (the arguments after the file) and `vars`
    /// (`--var NAME=VALUE`). `check` defines them too (empty), so it knows every name a run has.
    func defineScriptInputs(arguments: [String], variables: [String: String]) {
        engine.define("args", .list(arguments.map(Value.string)))
        engine.define("vars", .map(ValueMap(uniqueKeysWithValues: variables.sorted { $0.key < $1.key }.map { ($0.key, Value.string($0.value)) })))
    }

    /// Checks files without running them; prints every problem. Success when all are clean, else a usage error.
    func check(_ files: [SourceFile]) -> Int32 {
        defineScriptInputs(arguments: [], variables: [:])
        // On the engine's large stack, as a run: the phases recurse once per level of a
        // (capped, but deep) expression.
        return EngineThread.run {
            var clean = true
            let renderer = self.renderer
            for file in files {
                let diagnostics = self.engine.check(file)
                for d in diagnostics { writeError(renderer.render(d)) }
                if diagnostics.contains(where: { $0.severity == .error }) { clean = false }
            }
            return (clean ? ExitStatus.success : .usage).rawValue
        }
    }

}

extension ScriptRunner: @unchecked Sendable {}

/// Standard output: written in large pieces when it is a file or pipe (a script may print a
/// lot), line by line on a terminal so it interleaves rightly with progress on stderr.
struct OutputBuffer {
    let fd: Int32
    let lineBuffered: Bool
    var bytes: [UInt8] = []

    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        if lineBuffered || bytes.count >= 64 * 1024 { flush() }
    }

    mutating func flush() {
        guard !bytes.isEmpty else { return }
        writeAll(fd, bytes)
        bytes.removeAll(keepingCapacity: true)
    }
}
