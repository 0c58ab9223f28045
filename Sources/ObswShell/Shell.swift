import Dispatch
import ObswSystem
import ObswJSON
import ObswLang
import ObswText
import ObswRuntime
import ObswTerminal

#if canImport(Glibc)
import Glibc
#endif

/// The interactive shell: reads statements (asking for more lines while a block, bracket or
/// string is open), runs them, and shows their values — tables for lists of records.
/// Ctrl-C while a command runs cancels that command and returns to the prompt.
public final class Shell: EngineDelegate {
    let engine: Engine
    let reader: any LineReader
    let history: ShellHistory?
    let label: String
    /// Entries recalled this session, oldest first (the `history` command).
    var entries: [String]
    var number = 1
    /// Colour for tables (standard output) and diagnostics (standard error).
    let outputPalette: Palette
    let errorPalette: Palette
    /// Ask before a resume of more than `confirmAbove` executions (off with `--yes`).
    let confirmsBulk: Bool
    public static let confirmAbove = 20

    public init(
        host: any CommandHost, reader: any LineReader, history: ShellHistory?, label: String, loadedHistory: [String] = [],
        outputPalette: Palette = .plain, errorPalette: Palette = .plain, confirmsBulk: Bool = false
    ) {
        let shellHost = ShellHost(inner: host)
        engine = Engine(host: shellHost)
        self.reader = reader
        self.history = history
        self.label = label
        self.outputPalette = outputPalette
        self.errorPalette = errorPalette
        self.confirmsBulk = confirmsBulk
        entries = loadedHistory
        engine.delegate = self
        shellHost.shell = self
        // `_`: the last result, which every command (and every statement with a value) sets.
        engine.define("_", .null)
    }

    var renderer: DiagnosticRenderer { DiagnosticRenderer(sources: engine.sources, palette: errorPalette) }

    /// Every command the shell knows: the language's, the host's and its own (`history`).
    public static func catalog(for host: any CommandHost) -> any CommandCatalog { Engine(host: ShellHost(inner: host)).catalog }

    /// Variables declared so far (for completion).
    public var globalNames: Set<String> { engine.globalNames }

    public var prompt: String { "obsw (\(label)) [\(number)]> " }
    static let continuationPrompt = "  ...> "

    /// Runs until Ctrl-D or `exit`; returns the exit status.
    public func run() -> Int32 {
        var buffer = ""
        while true {
            switch reader.read(prompt: buffer.isEmpty ? prompt : Self.continuationPrompt) {
            case .end:
                if !buffer.isEmpty { writeError("obsw: input ended inside an unfinished statement; it was not run") }
                return ExitStatus.success.rawValue
            case .interrupted:
                buffer = ""
                continue
            case .line(let line):
                buffer += buffer.isEmpty ? line : "\n" + line
            }
            if buffer.allSatisfy({ $0 == " " || $0 == "\t" }) {
                buffer = ""
                continue
            }
            if engine.isIncomplete(buffer) { continue }
            reader.remember(buffer)
            entries.append(buffer)
            history?.append(buffer)
            let statement = buffer
            buffer = ""
            if let status = execute(statement) { return status }
            number += 1
        }
    }

    /// Runs one statement (or several on one line); returns a status when the shell should end.
    func execute(_ text: String) -> Int32? {
        let watcher = InterruptWatcher(flag: engine.interrupt)
        let outcome = engine.run(SourceFile(name: "<shell:\(number)>", text: text))
        watcher.stop()
        engine.interrupt.clear()
        switch outcome {
        case .finished(let value):
            if !value.isNull {
                engine.define("_", value)
                show(Display.render(value, width: terminalColumns(), palette: outputPalette) + "\n")
            }
        case .invalid(let diagnostics):
            let renderer = self.renderer
            for d in diagnostics { writeError(renderer.render(d)) }
        case .exited(let status):
            return status
        case .failed(let error):
            // What an interrupted (or stopped) bulk command had done is kept in `_`.
            let kept: String
            if let partial = error.partialResults {  // ShellHost put them in `_`
                kept = "; the \(partial.count) results so far are in _ (e.g. _[0], len(_))"
            } else {
                kept = ""
            }
            if error.kind == .interrupted {
                writeError("\n" + Escape.terminal(error.message.hasPrefix("interrupted") ? error.message : "interrupted: \(error.message)") + kept)
            } else {
                var diagnostic = error.diagnostic
                if error.kind != .runtime { diagnostic.message = "\(error.kind.rawValue) error: \(error.message)" }
                if !kept.isEmpty { diagnostic.notes.append(String(kept.dropFirst(2))) }
                writeError(renderer.render(diagnostic))
            }
        }
        return nil
    }

    /// Shows a value; through the pager when it is taller than the terminal.
    func show(_ text: String) {
        if let rows = terminalRows(), text.utf8.count(where: { $0 == 0x0A }) >= rows - 1, Pager.command() != nil {
            reader.suspend()
            if Pager.show(text) { return }
        }
        write(text)
    }

    /// What the operator answered before a large resume.
    enum BulkAnswer { case resume, no, plan }

    /// Asks before a large resume: "y" or "yes" resumes, "p" or "plan" writes a plan for
    /// approval instead; anything else (Enter, Ctrl-C, Ctrl-D) is no.
    func confirmBulk(_ question: String) -> BulkAnswer {
        switch reader.read(prompt: question + " (p: write a plan to approve instead) [y/N/p] ") {
        case .line(let answer):
            switch answer.trimmingBlanks.lowercased() {
            case "y", "yes": return .resume
            case "p", "plan": return .plan
            default: return .no
            }
        case .interrupted, .end:
            return .no
        }
    }

    /// `resume-thumbnails-20261207T110225Z.plan` in the working folder: a name that says
    /// what and when, safe on any file system.
    static func planFileName(graph: String, now: Int = WallClock.nowMilliseconds()) -> String {
        let safe = String(graph.unicodeScalars.prefix(60).map { scalar -> Character in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_": Character(scalar)
            default: "_"
            }
        })
        let stamp = WireDate.iso8601(epochMilliseconds: now / 1000 * 1000).filter { $0 != ":" && $0 != "-" }
        return "resume-\(safe)-\(stamp.replacing(".000", with: "")).plan"
    }

    public func write(_ text: String) { writeOut(text) }

    public func log(_ line: String) { writeError(line) }

    public func warn(_ diagnostics: [Diagnostic]) {
        let renderer = self.renderer
        for d in diagnostics { writeError(renderer.render(d)) }
    }

    public func checkFailed(_ failure: CheckResult) {
        writeError(failure.report.map(Escape.terminal).joined(separator: "\n"))
    }
}

/// The service commands plus the shell's own (`history`).
final class ShellHost: CommandHost {
    let inner: any CommandHost
    weak var shell: Shell?
    let catalog: any CommandCatalog

    /// How many lines `history` shows without a count.
    static let historyShown = 20

    init(inner: any CommandHost) {
        self.inner = inner
        catalog = StaticCatalog(
            inner.catalog.commands + [
                CommandSpec("history", "the last N lines entered (default \(Self.historyShown))", arguments: ["N"], count: 0...1)
            ])
    }

    func run(_ invocation: CommandInvocation, engine: Engine) throws(ScriptError) -> Value {
        guard invocation.name == "history" else {
            var invocation = invocation
            if invocation.name == "resume", let shell, shell.confirmsBulk, !invocation.flag("dry-run"), !invocation.flag("plan") {
                let count = Set(try ServiceHost.targetNames(of: invocation, from: 1)).count
                let graph = invocation.positional.first?.displayText ?? ""
                if count > Shell.confirmAbove {
                    switch shell.confirmBulk("resume \(count) executions of \(graph)?") {
                    case .resume: break
                    case .plan: invocation.options.append((name: "plan", value: .string(Shell.planFileName(graph: graph))))
                    case .no:
                        throw ScriptError(
                            .runtime, "resume \(graph): not confirmed; nothing was sent (--yes skips the question)", code: .badArgument)
                    }
                }
            }
            do {
                let value = try inner.run(invocation, engine: engine)
                engine.define("_", value)
                return value
            } catch {
                if let partial = error.partialResults { engine.define("_", .list(partial)) }
                throw error
            }
        }
        var count = Self.historyShown
        if let first = invocation.positional.first {
            guard case .int(let n) = first, n > 0 else {
                throw ScriptError(.runtime, "history takes a positive count, not \(first.literalText)", code: .badArgument)
            }
            count = n
        }
        let entries = shell?.entries ?? []
        let start = max(0, entries.count - count)
        for (i, entry) in entries[start...].enumerated() {
            engine.delegate?.write("\(String(start + i + 1).leftPadded(to: 5))  \(entry.replacing("\n", with: "\n       "))\n")
        }
        return .null
    }

    func failures(of invocation: CommandInvocation, value: Value) -> String? { inner.failures(of: invocation, value: value) }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
