import ArgumentParser
import ObswLang
import ObswRuntime
import ObswTerminal
import ObswSystem

extension OutputFormat: ExpressibleByArgument {}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a script (.obsw).",
        discussion: """
            obsw's options go before FILE; everything after FILE is the script's (the list \
            'args'), except --var NAME=VALUE. An argument after FILE that spells another obsw \
            option is refused; pass it to the script after '--': obsw run FILE -- --profile x.
            Exit status: \(ExitStatus.summary). --junit FILE and --tap report each check for CI; \
            the exit status stays the script's.
            """)

    @OptionGroup var options: GlobalOptions

    @Option(name: .customLong("var"), help: "A variable for the script, NAME=VALUE (the map 'vars'); may repeat.")
    var variables: [String] = []

    @Option(help: "Write the script's checks (expect, assert) to FILE as JUnit XML, for GitLab and Jenkins.", completion: .file(extensions: ["xml"]))
    var junit: String?

    @Flag(help: "Write the script's checks to standard output as TAP 14 as they run, instead of the summary (print goes to standard error).")
    var tap = false

    @Argument(help: "The script file.", completion: .file(extensions: ["obsw"])) var file: String

    func validate() throws {
        if tap, let output = options.output, output != .none {
            throw ValidationError("--tap writes standard output; it cannot be combined with --output \(output.rawValue)")
        }
    }

    /// What follows FILE; `CommandLineOrder` puts it after a `--`.
    @Argument(parsing: .postTerminator, help: "Arguments for the script (the list 'args').")
    var arguments: [String] = []

    func run() async throws {
        let vars = try parseVariables(variables)
        guard let bytes = Engine.readFile(file) else {
            printError("cannot read '\(file)'")
            throw ExitCode(.usage)
        }
        // Checked before anything runs or is sent: a report that cannot be written would
        // leave CI without results after the work was done.
        let report = try junit.map { path in try prepareOutput(path, option: "--junit", reading: [("the script", file)]) }
        let session = try await Session(connection: options.connection)
        let runner = ScriptRunner(host: session.host, outputFormat: options.output ?? .none, color: options.color)
        runner.reportChecks(junit: report, tap: tap)
        let status = runner.run(SourceFile(name: file, bytes: bytes), arguments: arguments, variables: vars)
        await session.close()
        throw ExitCode(status)
    }
}

/// A file a command will write (`--junit`, `--html`), checked before any work so none is
/// lost to a report that cannot be kept; a refusal is a usage error (exit 2).
func prepareOutput(_ path: String, option: String, reading inputs: [(what: String, path: String)] = []) throws -> OutputFile {
    do { return try OutputFile.prepare(path, option: option, reading: inputs) } catch {
        printError(error.description)
        throw ExitCode(.usage)
    }
}

func parseVariables(_ pairs: [String]) throws -> [String: String] {
    var result: [String: String] = [:]
    for pair in pairs {
        guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
            throw ValidationError("--var takes NAME=VALUE, not '\(pair)'")
        }
        result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
    }
    return result
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Parse and resolve scripts without running them; report every error.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The script files.", completion: .file(extensions: ["obsw"])) var files: [String]

    func run() throws {
        var sources: [SourceFile] = []
        for file in files {
            guard let bytes = Engine.readFile(file) else {
                printError("cannot read '\(file)'")
                throw ExitCode(.usage)
            }
            sources.append(SourceFile(name: file, bytes: bytes))
        }
        // The service commands are known to the checker, though nothing connects.
        let host = ServiceHost { () throws(ScriptError) in throw ScriptError(.runtime, "check runs nothing") }
        throw ExitCode(ScriptRunner(host: host, color: options.color).check(sources))
    }
}
