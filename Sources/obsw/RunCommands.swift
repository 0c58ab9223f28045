import ArgumentParser
import ObswLang
import ObswRuntime

extension OutputFormat: ExpressibleByArgument {}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a script (.obsw).",
        discussion: "Exit status: 0 all well, 1 a check failed, 2 usage or syntax error, 3 runtime error, 130 interrupted.")

    @Argument(help: "The script file.") var file: String
    @Argument(parsing: .captureForPassthrough, help: "Arguments for the script (the list 'args').")
    var arguments: [String] = []
    @Option(name: .customLong("var"), help: "A variable for the script, NAME=VALUE (the map 'vars'); may repeat.")
    var variables: [String] = []

    @Option(help: "Print the value of the last statement: json, or jsonl (one line per list element).")
    var output: OutputFormat = .none

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        var scriptArguments: [String] = []
        var vars = try parseVariables(variables)
        var format = output
        // `--var` and `--output` may also come after the script's arguments.
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            if argument == "--var", let pair = iterator.next() {
                vars.merge(try parseVariables([pair])) { _, new in new }
            } else if argument.hasPrefix("--var=") {
                vars.merge(try parseVariables([String(argument.dropFirst(6))])) { _, new in new }
            } else if argument == "--output" || argument.hasPrefix("--output=") {
                let text = argument == "--output" ? iterator.next() ?? "" : String(argument.dropFirst(9))
                guard let parsed = OutputFormat(rawValue: text) else {
                    throw ValidationError("--output takes none, json or jsonl, not '\(text)'")
                }
                format = parsed
            } else {
                scriptArguments.append(argument)
            }
        }
        guard let bytes = Engine.readFile(file) else {
            writeError("obsw: error: cannot read '\(file)'")
            throw ExitCode(2)
        }
        let session = try await Session(connection: connection)
        let status = ScriptRunner(host: session.host, outputFormat: format).run(
            SourceFile(name: file, bytes: bytes), arguments: scriptArguments, variables: vars)
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

    @Argument(help: "The script files.") var files: [String]

    func run() throws {
        var sources: [SourceFile] = []
        for file in files {
            guard let bytes = Engine.readFile(file) else {
                writeError("obsw: error: cannot read '\(file)'")
                throw ExitCode(2)
            }
            sources.append(SourceFile(name: file, bytes: bytes))
        }
        // The service commands are known to the checker, though nothing connects.
        let host = ServiceHost { () throws(ScriptError) in throw ScriptError(.runtime, "check runs nothing") }
        throw ExitCode(ScriptRunner(host: host).check(sources))
    }
}
