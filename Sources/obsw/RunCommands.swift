import ArgumentParser
import ObswLang
import ObswRuntime

extension OutputFormat: ExpressibleByArgument {}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a script (.obsw).",
        discussion: """
            obsw's options go before FILE; everything after FILE is the script's (the list \
            'args'), except --var NAME=VALUE. An argument after FILE that spells another obsw \
            option is refused; pass it to the script after '--': obsw run FILE -- --profile x.
            Exit status: 0 all well, 1 a check failed, 2 usage or syntax error, 3 runtime error \
            (also: a resume or wait whose result the script did not keep had failed targets), \
            130 interrupted.
            """)

    @OptionGroup var options: GlobalOptions

    @Option(name: .customLong("var"), help: "A variable for the script, NAME=VALUE (the map 'vars'); may repeat.")
    var variables: [String] = []

    @Argument(help: "The script file.") var file: String

    /// What follows FILE; `CommandLineOrder` puts it after a `--`.
    @Argument(parsing: .postTerminator, help: "Arguments for the script (the list 'args').")
    var arguments: [String] = []

    func run() async throws {
        let vars = try parseVariables(variables)
        guard let bytes = Engine.readFile(file) else {
            printError("cannot read '\(file)'")
            throw ExitCode(2)
        }
        let session = try await Session(connection: options.connection)
        let status = ScriptRunner(host: session.host, outputFormat: options.output ?? .none, color: options.color).run(
            SourceFile(name: file, bytes: bytes), arguments: arguments, variables: vars)
        await session.close()
        throw ExitCode(status)
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

    @Argument(help: "The script files.") var files: [String]

    func run() throws {
        var sources: [SourceFile] = []
        for file in files {
            guard let bytes = Engine.readFile(file) else {
                printError("cannot read '\(file)'")
                throw ExitCode(2)
            }
            sources.append(SourceFile(name: file, bytes: bytes))
        }
        // The service commands are known to the checker, though nothing connects.
        let host = ServiceHost { () throws(ScriptError) in throw ScriptError(.runtime, "check runs nothing") }
        throw ExitCode(ScriptRunner(host: host, color: options.color).check(sources))
    }
}
