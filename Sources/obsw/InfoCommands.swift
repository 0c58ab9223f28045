import ArgumentParser
import ObswLang
import ObswRuntime
import ObswSystem
import ObswTerminal

/// The one place obsw's version is written; `--version`, `obsw version`, the man page and
/// the packages (`scripts/package` asks the binary) read it.
enum ObswVersion {
    static let current = "0.14.0"

    /// `obsw 0.14.0 (abc1234, 2026-12-07)`: the version, the commit it was built from and the
    /// day (Plugins/BuildInfo).
    static var full: String { "obsw \(current) (\(BuildInfo.commit), \(BuildInfo.day))" }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print obsw's version, the commit it was built from and the day.")

    func run() throws { print(ObswVersion.full) }
}

struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion", abstract: "Print a completion script for bash, zsh or fish.",
        discussion: """
            bash: obsw completion bash > ~/.local/share/bash-completion/completions/obsw
            zsh:  obsw completion zsh > "${fpath[1]}/_obsw"
            fish: obsw completion fish > ~/.config/fish/completions/obsw.fish
            """)

    enum Shell: String, CaseIterable, ExpressibleByArgument { case bash, zsh, fish }

    @Argument(help: "bash, zsh or fish.") var shell: Shell

    func run() throws {
        let kind: CompletionShell =
            switch shell {
            case .bash: .bash
            case .zsh: .zsh
            case .fish: .fish
            }
        print(Obsw.completionScript(for: kind), terminator: "")
    }
}

/// `docs/obsw.1`, made from the same help text `--help` prints, plus the language's
/// commands from their declarations. A test keeps the committed page equal to this output.
struct ManualCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manual", abstract: "Print the man page (roff) made from the help text.", shouldDisplay: false)

    func run() throws { print(Self.page(), terminator: "") }

    static func page() -> String {
        var roff = [
            #".TH OBSW 1 "" "obsw \#(ObswVersion.current)" "User Commands""#,
            ".SH NAME",
            #"obsw \- a command shell for Huawei Cloud workflow executions (OBS Data+, DWR)"#,
            ".SH SYNOPSIS",
            ".nf",
            "obsw [OPTIONS]                      the interactive shell (on a terminal)",
            "obsw [OPTIONS] -c CODE              run CODE",
            "obsw [OPTIONS] < FILE               run a program from standard input",
            "obsw run [OPTIONS] FILE [ARG...] [-- ARG...]",
            "obsw check FILE...",
            "obsw config [OPTIONS]",
            "obsw report [OPTIONS] [JOURNAL] --html FILE",
            "obsw emulator [OPTIONS]",
            "obsw completion bash|zsh|fish",
            "obsw version",
            ".fi",
            ".SH DESCRIPTION",
            "obsw finds FAILED workflow executions, resumes them from the state that failed, waits for the outcome and "
                + "checks the result, from an interactive shell or from scripts (.obsw runbooks).",
            "Global options (connection, output, colour) go before or after the subcommand name, never after a script's FILE.",
        ]
        roff.append(".SH OPTIONS")
        roff += preformatted(Obsw.helpMessage(columns: 80))
        roff.append(".SH COMMANDS")
        // Every subcommand obsw declares and shows in its help, in its order there.
        for command in Obsw.configuration.subcommands where command.configuration.shouldDisplay {
            roff.append(".SS obsw \(command._commandName)")
            roff += preformatted(Obsw.helpMessage(for: command, columns: 80))
        }
        roff.append(".SH LANGUAGE COMMANDS")
        roff.append("Commands of the language, in the shell and in scripts; 'help NAME' explains each.")
        let host = ServiceHost { () throws(ScriptError) in throw ScriptError(.runtime, "the manual runs nothing") }
        for spec in Engine(host: host).catalog.commands {
            roff.append(".TP")
            roff.append(escaped(spec.usage))
            var lines = [spec.summary]
            for option in spec.options {
                lines.append("\(option.written): \(option.help)")
            }
            roff.append(lines.map(escaped).joined(separator: "\n.br\n"))
        }
        roff.append(".SH EXIT STATUS")
        for status in ExitStatus.allCases { roff += [".TP", "\(status.rawValue)", escaped(status.meaning)] }
        roff.append(".SH ENVIRONMENT")
        for variable in EnvironmentVariables.all {
            roff += [".TP", variable.names.joined(separator: ", "), escaped(variable.meaning)]
        }
        roff += [
            ".SH FILES",
            ".TP", #"~/.config/obsw/config"#, "profiles: endpoint, region, access_key_id, secret_access_key (mode 600)",
            ".TP", #"$XDG_STATE_HOME/obsw/ (default ~/.local/state/obsw/)"#,
            #"history, journal/ (bulk resume journals), journal/local/ (journals of \-\-local rehearsals), locks/"#,
            ".SH SEE ALSO",
            "README.md and incident.md (an incident from triage to the report) in /usr/share/doc/obsw/ when obsw is installed "
                + "from its package; docs/language.md, docs/shell.md and docs/reliability.md in the obsw source.",
        ]
        return roff.joined(separator: "\n") + "\n"
    }

    /// Text shown as it is (help text keeps its own layout).
    static func preformatted(_ text: String) -> [String] {
        [".nf"] + text.split(separator: "\n", omittingEmptySubsequences: false).map { escaped(String($0)) } + [".fi"]
    }

    /// roff escapes: a backslash; a minus (`\-`: a plain `-` prints as a hyphen, and
    /// `--concurrency` or `less -FRX` copied from the page would not work); a line starting
    /// with a control character.
    static func escaped(_ line: String) -> String {
        var text = line.replacing("\\", with: "\\e").replacing("-", with: "\\-")
        if text.hasPrefix(".") || text.hasPrefix("'") { text = "\\&" + text }
        return text
    }
}
