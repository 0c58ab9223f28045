#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A command of the language itself: its declaration and its handler.
struct LanguageCommand: Sendable {
    let spec: CommandSpec
    let run: @Sendable (CommandInvocation, Engine) -> Result<Value, Unwind>
}

/// The commands the language itself provides; the host adds the service commands.
enum LanguageCommands {
    static let all: [LanguageCommand] = [
        LanguageCommand(
            spec: CommandSpec("print", "print values separated by spaces (strings as they are)", arguments: ["ARG"], count: 0...Int.max),
            run: { invocation, engine in
                engine.write(invocation.positional.map(\.displayText).joined(separator: " ") + "\n")
                return .success(.null)
            }),
        LanguageCommand(
            spec: CommandSpec("log", "like print, to standard error: progress and notes while standard output carries data", arguments: ["ARG"], count: 0...Int.max),
            run: { invocation, engine in
                engine.log(invocation.positional.map(\.displayText).joined(separator: " "))
                return .success(.null)
            }),
        LanguageCommand(
            spec: CommandSpec("sleep", "wait, e.g. sleep 2s (Ctrl-C interrupts)", arguments: ["DURATION"], count: 1...1),
            run: sleep),
        LanguageCommand(
            spec: CommandSpec("env", "an environment variable, or DEFAULT (else null) when unset", arguments: ["NAME", "DEFAULT"], count: 1...2),
            run: { invocation, _ in
                let a = invocation.positional
                guard case .string(let name) = a[0] else {
                    return .failure(ScriptError.runtime("env takes a variable name, not \(a[0].literalText)", invocation.span, code: .badArgument))
                }
                if let value = getenv(name) { return .success(.string(String(cString: value))) }
                return .success(a.count > 1 ? a[1] : .null)
            }),
        LanguageCommand(
            spec: CommandSpec("help", "list commands, keywords and builtins; or explain one", arguments: ["TOPIC"], count: 0...1,
                kinds: [.helpTopic]),
            run: { invocation, engine in
                engine.write(help(invocation.positional.first, catalog: engine.catalog) + "\n")
                return .success(.null)
            }),
    ]

    static let specs: [CommandSpec] = all.map(\.spec)
    static let byName: [String: LanguageCommand] = Dictionary(uniqueKeysWithValues: all.map { ($0.spec.name, $0) })

    /// Runs a language command; nil when the name is not one of them.
    static func run(_ invocation: CommandInvocation, engine: Engine) -> Result<Value, Unwind>? {
        byName[invocation.name].map { $0.run(invocation, engine) }
    }

    static func sleep(_ invocation: CommandInvocation, engine: Engine) -> Result<Value, Unwind> {
        let a = invocation.positional, span = invocation.span
        // Seconds, from a script: checked, so that `sleep 1e300` is an error, not a trap.
        guard case .success(.duration(let ms)) = OptionType.duration.accept(a[0]) else {
            return .failure(ScriptError.runtime("sleep takes a duration like 2s or 500ms, not \(a[0].literalText)", span, code: .badArgument))
        }
        // Sleep in short steps so Ctrl-C ends it within a tenth of a second.
        var remaining = max(0, ms)
        while remaining > 0 {
            if engine.interrupt.isRaised { return .failure(Engine.interrupted(span, clearing: engine.interrupt)) }
            let step = min(remaining, 50)
            usleep(UInt32(step) * 1000)
            remaining -= step
        }
        if engine.interrupt.isRaised { return .failure(Engine.interrupted(span, clearing: engine.interrupt)) }
        return .success(.null)
    }

    /// `help`: the overview; `help NAME`: a command's usage, summary and options, or a
    /// keyword's or builtin's usage, summary and example.
    static func help(_ topic: Value?, catalog: any CommandCatalog) -> String {
        guard let topic else { return LanguageHelp.overview(catalog: catalog) }
        let name = topic.displayText
        if let spec = catalog.command(named: name) {
            var lines = ["usage: \(spec.usage)", "  \(spec.summary)"]
            if !spec.options.isEmpty {
                lines.append("options:")
                let width = spec.options.map(\.written.count).max() ?? 0
                for o in spec.options {
                    lines.append("  " + o.written + String(repeating: " ", count: width - o.written.count + 2) + o.help)
                }
            }
            return lines.joined(separator: "\n")
        }
        if let topic = LanguageHelp.topic(name) { return LanguageHelp.render(topic) }
        return "no command, keyword or builtin '\(name)'; 'help' lists them"
    }
}
