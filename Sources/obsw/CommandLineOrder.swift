/// Puts obsw's command line in the one order the argument parser reads, so that global
/// options work before and after the subcommand name (`obsw --profile prod run FILE` and
/// `obsw run --profile prod FILE` mean the same), and so that nothing after a script's FILE
/// is silently taken for the script when it spells an obsw option: `obsw run FILE
/// --profile prod` would otherwise run against the default profile with `--profile prod`
/// as script arguments. `--` ends obsw's options; what follows goes to the script. The one
/// option read after FILE is `--var NAME=VALUE` (it says nothing about where to connect).
enum CommandLineOrder {
    /// Options every subcommand that connects accepts (and the shell, and `-c`).
    static let globalValueOptions: Set<String> = [
        "--service", "--endpoint", "--profile", "--region", "--project-id", "--config-file", "--request-timeout", "--scenario", "--output",
        "-o", "--color",
    ]
    static let globalFlags: Set<String> = ["--local", "--allow-insecure-http", "--yes"]

    /// `run`'s own options, besides the global ones.
    static let runValueOptions: Set<String> = ["--var", "--junit"]
    static let runFlags: Set<String> = ["--tap"]

    static let subcommands: Set<String> = [
        "run", "check", "test", "config", "report", "snapshot", "plan", "apply", "emulator", "version", "completion", "manual",
    ]
    /// Subcommands that take the global options.
    static let connecting: Set<String> = ["run", "check", "config", "report", "snapshot", "apply"]

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    /// The arguments (without the program name) in the parser's order.
    static func normalize(_ arguments: [String]) throws(UsageError) -> [String] {
        // Options before the subcommand name.
        var leading: [String] = []
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("-"), arguments[index] != "--" {
            let taken = width(of: arguments[index], valueOptions: globalValueOptions.union(["-c"]))
            leading += arguments[index..<min(arguments.count, index + taken)]
            index += taken
        }
        guard index < arguments.count, subcommands.contains(arguments[index]) else { return arguments }
        let subcommand = arguments[index]
        let rest = Array(arguments[(index + 1)...])
        if !leading.isEmpty, !connecting.contains(subcommand) {
            throw UsageError(description: "'\(subcommand)' takes no \(leading[0]); write obsw \(subcommand) ...")
        }
        if leading.contains(where: { $0 == "-c" || $0.hasPrefix("-c=") }) {
            throw UsageError(description: "-c CODE runs code instead of a subcommand; it cannot be combined with '\(subcommand)'")
        }
        if subcommand == "emulator" {
            // The emulator's own --project-id (the project it serves) and --scenario (the data it
            // serves), not the connection's.
            return [subcommand] + rest.map { argument in
                for option in ["--project-id", "--scenario"] {
                    if argument == option { return "--emulator-" + option.dropFirst(2) }
                    if argument.hasPrefix(option + "=") { return "--emulator-" + argument.dropFirst(2) }
                }
                return argument
            }
        }
        return [subcommand] + leading + (subcommand == "run" ? try normalizeRun(rest) : rest)
    }

    /// `run [OPTIONS] FILE [ARG...] [-- ARG...]` → `[OPTIONS] FILE -- ARG...`.
    static func normalizeRun(_ arguments: [String]) throws(UsageError) -> [String] {
        let valueOptions = globalValueOptions.union(runValueOptions)
        var options: [String] = []
        var index = 0
        // After `--`, nothing is an obsw option: not before FILE, not after it.
        var ended = false
        while index < arguments.count, arguments[index].hasPrefix("-"), arguments[index] != "-" {
            if arguments[index] == "--" {
                index += 1
                ended = true
                break
            }
            let taken = width(of: arguments[index], valueOptions: valueOptions)
            options += arguments[index..<min(arguments.count, index + taken)]
            index += taken
        }
        guard index < arguments.count else { return options }
        let file = arguments[index]
        var scriptArguments: [String] = []
        var position = index + 1
        while position < arguments.count {
            let argument = arguments[position]
            position += 1
            if !ended, argument == "--" {
                ended = true
                continue
            }
            // `--var NAME=VALUE` stays obsw's after FILE, as runbooks document it
            // (`obsw run bulk-resume.obsw GRAPH --var concurrency=16`); it cannot change
            // where the script runs.
            if !ended, argument == "--var" || argument.hasPrefix("--var=") {
                // Its value here, so that a missing one cannot take the file's place.
                var pair = String(argument.dropFirst(6))
                if argument == "--var" {
                    guard position < arguments.count else { throw UsageError(description: "--var needs NAME=VALUE") }
                    pair = arguments[position]
                    position += 1
                }
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw UsageError(description: "--var takes NAME=VALUE, not '\(pair)'")
                }
                options.append("--var=" + pair)
                continue
            }
            if !ended, let option = obswOption(spelledBy: argument, valueOptions: globalValueOptions.union(["--junit"]))
                ?? (runFlags.contains(argument) ? argument : nil)
            {
                // The option as typed, with its value when it takes one: `--profile prod`.
                let takesValue = valueOptions.contains(argument) && position < arguments.count
                let written = takesValue ? "\(argument) \(arguments[position])" : argument
                throw UsageError(
                    description: "'\(option)' comes after the script file, where obsw does not read its own options. "
                        + "Put it before the file (obsw run \(written) \(file) ...), "
                        + "or, to pass it to the script, after '--' (obsw run \(file) -- \(written))")
            }
            scriptArguments.append(argument)
        }
        return options + [file, "--"] + scriptArguments
    }

    /// The obsw option an argument spells (`--profile`, `--profile=prod`, `-o`), if any.
    static func obswOption(spelledBy argument: String, valueOptions: Set<String>) -> String? {
        let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
        if valueOptions.contains(name) || globalFlags.contains(argument) { return name }
        return nil
    }

    /// How many arguments an option takes up: 2 for `--profile prod`, 1 for `--profile=prod`
    /// or a flag.
    static func width(of argument: String, valueOptions: Set<String>) -> Int {
        valueOptions.contains(argument) ? 2 : 1
    }
}
