#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import ObswLang
import ObswRuntime
import ObswSystem
import ObswTerminal
import ObswText

/// `obsw fmt`: every script in one canonical layout (`Formatter`), as `terraform fmt` and
/// gofmt do, with no options of style.
struct FormatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmt", abstract: "Lay out scripts in obsw's one canonical style.",
        discussion: """
            Rewrites each FILE in place and names the files it changed; a folder means every \
            .obsw file under it (hidden folders aside). With no PATH and piped input, or with \
            '-', formats standard input to standard output. Only the space between words \
            changes (indentation, blanks, blank lines), never a word, a comment or what the \
            script does; a file that does not parse is left as it is, with the error. \
            Exit status: 0 done (with --check: nothing would change); \
            \(ExitStatus.checkFailed.rawValue) with --check, some file would change; \
            \(ExitStatus.usage.rawValue) a file does not parse or cannot be read; \
            \(ExitStatus.runtime.rawValue) a file cannot be written.
            """)

    @OptionGroup var options: GlobalOptions

    @Flag(help: "Change nothing: list the files that would change, and exit 1 if any would.") var check = false

    @Flag(help: "Print each change as a unified diff.") var diff = false

    @Argument(help: "Script files or folders; '-' for standard input.", completion: .file(extensions: ["obsw"]))
    var paths: [String] = []

    func run() throws {
        if paths.isEmpty, isatty(0) != 0 {
            printError("fmt: give files or folders, or pipe a script to it (obsw fmt < FILE)")
            throw ExitCode(.usage)
        }
        let formatting = Formatting(check: check, diff: diff, color: options.color)
        throw ExitCode(formatting.run(paths.isEmpty ? ["-"] : paths))
    }
}

/// One `obsw fmt` run over its paths: formats each file, says what changed, and keeps the
/// worst outcome for the exit status.
struct Formatting {
    let check: Bool
    let diff: Bool
    let color: ColorChoice

    func run(_ paths: [String]) -> ExitStatus {
        let runner = ScriptRunner(host: ServiceHost { () throws(ScriptError) in throw ScriptError(.runtime, "fmt runs nothing") }, color: color)
        runner.defineScriptInputs(arguments: [], variables: [:])
        var worst = ExitStatus.success
        func note(_ status: ExitStatus) {
            let rank: [ExitStatus] = [.success, .checkFailed, .usage, .runtime]
            if (rank.firstIndex(of: status) ?? 0) > (rank.firstIndex(of: worst) ?? 0) { worst = status }
        }
        for path in paths {
            if path == "-" {
                note(standardInput(runner))
                continue
            }
            var info = stat()
            guard stat(path, &info) == 0 else {
                printError("cannot read '\(path)': \(String(cString: strerror(errno)))")
                note(.usage)
                continue
            }
            let files = info.st_mode & S_IFMT == S_IFDIR ? Directory.files(under: path, endingIn: ".obsw") : [path]
            for file in files { note(format(file, runner)) }
        }
        return worst
    }

    /// A file laid out, or the status to exit with (what went wrong has been said).
    enum Layout {
        case text(String)
        case failed(ExitStatus)
    }

    func layout(of source: SourceFile, _ runner: ScriptRunner) -> Layout {
        // On the engine's large stack: parsing recurses once per level of nesting.
        let outcome = EngineThread.run { runner.engine.format(source) }
        switch outcome {
        case .formatted(let text):
            return .text(text)
        case .invalid(let diagnostics):
            let renderer = runner.renderer
            for d in diagnostics { writeError(renderer.render(d)) }
            return .failed(.usage)
        case .changesMeaning:
            printError("fmt: '\(source.name)' laid out anew would not read as the same script (a bug in obsw); it is left as it is")
            return .failed(.runtime)
        }
    }

    func standardInput(_ runner: ScriptRunner) -> ExitStatus {
        let source = SourceFile(name: "<stdin>", bytes: readAllStandardInput())
        let text: String
        switch layout(of: source, runner) {
        case .text(let t): text = t
        case .failed(let status): return status
        }
        let changed = Array(text.utf8) != source.bytes
        if diff {
            writeOut(UnifiedDiff.between(String(decoding: source.bytes, as: UTF8.self), text, name: "<stdin>"))
        } else if check {
            if changed { writeOut("<stdin>\n") }
        } else {
            writeOut(text)
        }
        return check && changed ? .checkFailed : .success
    }

    func format(_ path: String, _ runner: ScriptRunner) -> ExitStatus {
        guard let bytes = Engine.readFile(path) else {
            printError("cannot read '\(path)': \(String(cString: strerror(errno)))")
            return .usage
        }
        let source = SourceFile(name: path, bytes: bytes)
        let text: String
        switch layout(of: source, runner) {
        case .text(let t): text = t
        case .failed(let status): return status
        }
        guard Array(text.utf8) != bytes else { return .success }
        if diff { writeOut(UnifiedDiff.between(String(decoding: bytes, as: UTF8.self), text, name: path)) }
        if check {
            if !diff { writeOut(Escape.terminal(path) + "\n") }
            return .checkFailed
        }
        do throws(FileError) {
            try OutputFile.prepare(path, option: "fmt").write(text)
        } catch {
            printError("fmt: \(error)")
            return .runtime
        }
        if !diff { writeOut(Escape.terminal(path) + "\n") }
        return .success
    }

    func writeOut(_ text: String) { writeAll(1, Array(text.utf8)) }
}
