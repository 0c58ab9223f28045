#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The commands the language itself provides; the host adds the service commands.
enum LanguageCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("print", usage: "print ARG...", "print values separated by spaces (strings as they are)", arguments: 0...Int.max),
        CommandSpec("log", usage: "log ARG...", "like print, to standard error: progress and notes while standard output carries data", arguments: 0...Int.max),
        CommandSpec("sleep", usage: "sleep DURATION", "wait, e.g. sleep 2s (Ctrl-C interrupts)", arguments: 1...1),
        CommandSpec("env", usage: "env NAME [DEFAULT]", "an environment variable, or DEFAULT (else null) when unset", arguments: 1...2),
        CommandSpec("help", usage: "help [TOPIC]", "list commands, keywords and builtins; or explain one", arguments: 0...1),
    ]

    /// Runs a language command; nil when the name is not one of them.
    static func run(_ invocation: CommandInvocation, engine: Engine) -> Result<Value, Unwind>? {
        let a = invocation.positional, span = invocation.span
        switch invocation.name {
        case "print":
            engine.write(a.map(\.displayText).joined(separator: " ") + "\n")
            return .success(.null)
        case "log":
            engine.log(a.map(\.displayText).joined(separator: " "))
            return .success(.null)
        case "sleep":
            let ms: Int
            switch a[0] {
            case .duration(let d): ms = d
            // Seconds, from a script: checked, so that `sleep 1e300` is an error, not a trap.
            case .int(let n) where n.multipliedReportingOverflow(by: 1000).overflow == false: ms = n * 1000
            case .float(let f) where f.isFinite && abs(f) < 9e15: ms = Int(f * 1000)
            default:
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
        case "env":
            guard case .string(let name) = a[0] else {
                return .failure(ScriptError.runtime("env takes a variable name, not \(a[0].literalText)", span, code: .badArgument))
            }
            if let value = getenv(name) { return .success(.string(String(cString: value))) }
            return .success(a.count > 1 ? a[1] : .null)
        case "help":
            engine.write(help(a.first, catalog: engine.catalog) + "\n")
            return .success(.null)
        default:
            return nil
        }
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
                let width = spec.options.map { 2 + $0.name.count + ($0.valueName.map { $0.count + 1 } ?? 0) }.max() ?? 0
                for o in spec.options {
                    let left = "--\(o.name)" + (o.valueName.map { " \($0)" } ?? "")
                    lines.append("  " + left + String(repeating: " ", count: width - left.count + 2) + o.summary)
                }
            }
            return lines.joined(separator: "\n")
        }
        if let topic = LanguageHelp.topic(name) { return LanguageHelp.render(topic) }
        return "no command, keyword or builtin '\(name)'; 'help' lists them"
    }
}
