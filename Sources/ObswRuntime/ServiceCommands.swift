import ObswLang

/// The service commands: their usage, options and help, from which the parser, the
/// resolver and `help` all read.
enum ServiceCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("graphs", usage: "graphs [PREFIX]", "list workflows (graphs), every page", arguments: 0...1),
        CommandSpec("graph", usage: "graph NAME", "one workflow with its definition", arguments: 1...1),
        CommandSpec("templates", usage: "templates [PREFIX]", "list workflow templates, every page", arguments: 0...1),
        CommandSpec("template", usage: "template NAME", "one workflow template", arguments: 1...1),
        CommandSpec(
            "executions", usage: "executions GRAPH [--state STATE] [--type TYPE] [--limit N]",
            "list a workflow's executions, every page unless --limit caps it", arguments: 1...1,
            options: [
                .init("state", value: "STATE", choices: ["RUNNING", "SUCCESS", "FAILED"], "only RUNNING, SUCCESS or FAILED executions"),
                .init("type", value: "TYPE", choices: ["APICALL", "TRIGGERCAL"], "only APICALL or TRIGGERCAL executions"),
                .init("limit", value: "N", "at most N executions"),
            ]),
        CommandSpec(
            "execution", usage: "execution GRAPH NAME", "one execution with its per-state detail (state_map)",
            arguments: 2...2),
        CommandSpec(
            "start", usage: "start GRAPH --bucket BUCKET --object KEY [--input NAME=VALUE]...",
            "start an execution of a workflow for one object", arguments: 1...1,
            options: [
                .init("bucket", value: "BUCKET", "the bucket of the object"),
                .init("object", value: "KEY", "the object key"),
                .init("input", value: "NAME=VALUE", repeatable: true, "a workflow input; may repeat"),
            ]),
        CommandSpec(
            "resume", usage: "resume GRAPH TARGET... [--concurrency N] [--rps N] [--max-errors N] [--dry-run] [--journal FILE] [--wait-lock]",
            "resume FAILED executions from the state that failed; one result per target", arguments: 2...Int.max,
            options: [
                .init("concurrency", value: "N", "resume up to N at once (default 8)"),
                .init("rps", value: "N", "at most N resume calls a second"),
                .init("max-errors", value: "N", "stop starting new resumes after N failures"),
                .init("dry-run", "check eligibility and report 'planned'; change nothing"),
                .init("journal", value: "FILE", "record results in FILE (default: a new journal under the state folder); skip what FILE says was resumed"),
                .init("wait-lock", "when another resume of GRAPH is running, wait for it instead of stopping"),
            ]),
        CommandSpec(
            "wait", usage: "wait GRAPH TARGET... [--until terminal|success] [--timeout DURATION] [--interval DURATION]",
            "wait until executions finish; returns their final records", arguments: 2...Int.max,
            options: [
                .init("until", value: "terminal|success", choices: ["terminal", "success"], "terminal (default): SUCCESS or FAILED; success: a FAILED one is an error"),
                .init("timeout", value: "DURATION", "give up after this long (default 30m)"),
                .init("interval", value: "DURATION", "the longest pause between polls (default 5s)"),
            ]),
    ]
}

/// Reading command arguments into the types the service calls need, with messages that
/// name the command and the option.
struct Arguments {
    let invocation: CommandInvocation

    var name: String { invocation.name }

    func fail(_ message: String) -> ScriptError {
        ScriptError(.runtime, "\(name): \(message)", code: .badArgument, span: invocation.span)
    }

    func string(at index: Int, _ what: String) throws(ScriptError) -> String {
        guard index < invocation.positional.count else { throw fail("missing \(what)") }
        switch invocation.positional[index] {
        case .string(let s) where !s.isEmpty: return s
        case .int(let n): return String(n)
        case let other: throw fail("\(what) must be a name, not \(other.literalText)")
        }
    }

    func optionalString(at index: Int) -> String? {
        guard index < invocation.positional.count else { return nil }
        return invocation.positional[index].displayText
    }

    func option(_ option: String) -> Value? {
        guard case .some(.some(let value)) = invocation.option(option) else { return nil }
        return value
    }

    func optionString(_ option: String) throws(ScriptError) -> String? {
        guard let value = self.option(option) else { return nil }
        if case .string(let s) = value { return s }
        if case .int(let n) = value { return String(n) }
        throw fail("--\(option) takes a word, not \(value.literalText)")
    }

    /// A whole number option, from an int or its text.
    func int(_ option: String, default fallback: Int?, range: ClosedRange<Int>) throws(ScriptError) -> Int? {
        guard let value = self.option(option) else { return fallback }
        var number: Int?
        switch value {
        case .int(let n): number = n
        case .string(let s): number = Int(s)
        case .float(let d) where d == d.rounded(): number = Int(exactly: d)
        default: number = nil
        }
        guard let n = number, range.contains(n) else {
            let upper = range.upperBound == Int.max ? "or more" : "to \(range.upperBound)"
            throw fail("--\(option) takes a whole number from \(range.lowerBound) \(upper), not \(value.literalText)")
        }
        return n
    }

    /// A duration option: `15m`, `500ms`, or a number of seconds.
    func duration(_ option: String, default fallback: Int) throws(ScriptError) -> Int {
        guard let value = self.option(option) else { return fallback }
        switch value {
        case .duration(let ms) where ms >= 0: return ms
        case .int(let n) where n >= 0: return n * 1000
        case .float(let d) where d >= 0 && d.isFinite: return Int(d * 1000)
        case .string(let text):
            if let ms = Value.parseDuration(text), ms >= 0 { return ms }
            if let seconds = Int(text), seconds >= 0 { return seconds * 1000 }
            throw fail("--\(option) takes a duration like 30s or 15m, not \(value.literalText)")
        default: throw fail("--\(option) takes a duration like 30s or 15m, not \(value.literalText)")
        }
    }

    /// Execution names from targets: names, records with `execution_name`, lists of either.
    func targets(from index: Int) throws(ScriptError) -> [String] {
        try targetRecords(from: index, keepingURNs: false).names
    }

    /// Target names, and (when asked) the URNs of those given as records: a bulk resume
    /// reuses those strings for its results instead of keeping a second copy of each.
    func targetRecords(from index: Int, keepingURNs: Bool = true) throws(ScriptError) -> (names: [String], urns: [String: String]) {
        var names: [String] = []
        var urns: [String: String] = [:]
        func collect(_ value: Value) throws(ScriptError) {
            switch value {
            case .string(let s) where !s.isEmpty: names.append(s)
            case .int(let n): names.append(String(n))
            case .list(let items): for item in items { try collect(item) }
            case .map(let m):
                guard case .string(let s)? = m["execution_name"], !s.isEmpty else {
                    throw fail("a record given as a target needs an execution_name")
                }
                names.append(s)
                if keepingURNs, case .string(let urn)? = m["execution_urn"] { urns[s] = urn }
            default:
                throw fail("a target is an execution name, an execution record or a list of them, not \(value.literalText)")
            }
        }
        for value in invocation.positional.dropFirst(index) { try collect(value) }
        return (names, urns)
    }
}
