import ObswJSON
import ObswLang
import ObswOperations
import OBSWorkflow
import ObswSystem

// The language's values read into the typed inputs the operations take — once, here.

/// Reading a command's arguments. Option values arrive checked against their declared
/// types (the engine did that), so reading them cannot fail; an option not given reads as
/// its declared default (`CommandSpec.Option.defaultValue`).
struct Arguments {
    let invocation: CommandInvocation
    let spec: CommandSpec?

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
        guard case .some(.some(let value)) = invocation.option(option) else { return spec?.option(option)?.defaultValue }
        return value
    }

    /// A `.string` or `.choice` option's text.
    func text(_ option: String) -> String? {
        guard case .string(let s)? = self.option(option) else { return nil }
        return s
    }

    /// An `.int` option.
    func number(_ option: String) -> Int? {
        guard case .int(let n)? = self.option(option) else { return nil }
        return n
    }

    /// A `.timeOrAgo` option as epoch milliseconds: a time as given, a duration that long
    /// before now.
    func instant(_ option: String) -> Int? {
        switch self.option(option) {
        case .time(let ms)?: return ms
        case .duration(let ago)?: return WallClock.nowMilliseconds() - ago
        default: return nil
        }
    }

    /// A `.percent` option, 0 to 100.
    func share(_ option: String) -> Double? {
        guard case .float(let share)? = self.option(option) else { return nil }
        return share
    }

    /// A `.duration` option.
    func duration(_ option: String) -> Duration? {
        guard case .duration(let ms)? = self.option(option) else { return nil }
        return .milliseconds(ms)
    }

    /// `--since`/`--until` as a window; nil when neither is given.
    func window() throws(ScriptError) -> TimeWindow? {
        let window = TimeWindow(since: instant("since"), until: instant("until"))
        if let since = window.since, let until = window.until, since >= until {
            throw fail("--since must be before --until")
        }
        // A start in the future can only be a slip (2062 for 2026); it would list nothing.
        if let since = window.since, since > WallClock.nowMilliseconds() + 60_000 {
            throw fail("--since \(Value.time(since).displayText) is in the future")
        }
        return window == TimeWindow() ? nil : window
    }

    /// `--input NAME=VALUE`, repeated, as the workflow's inputs; nil when none is given.
    func inputs() throws(ScriptError) -> JSONObject? {
        var inputs: JSONObject?
        for pair in invocation.all("input") {
            let text = pair.displayText
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw fail("--input takes NAME=VALUE, not '\(text)'")
            }
            inputs = inputs ?? [:]
            inputs![String(text[..<equals])] = .string(String(text[text.index(after: equals)...]))
        }
        return inputs
    }

    /// An option declared with a default reads as given or as that default, never nil; a
    /// declaration that lost its default is obsw's own bug, said as such — not a second
    /// default guessed here.
    func defaulted<T>(_ value: T?, _ option: String) throws(ScriptError) -> T {
        guard let value else { throw fail("--\(option) has no declared default (a bug in obsw)") }
        return value
    }

    /// `resume`'s options.
    func resumeOptions() throws(ScriptError) -> BulkResume.Options {
        var canary: BulkResume.Canary?
        if let count = number("canary") {
            canary = BulkResume.Canary(
                count: count, maxRefailPercent: try defaulted(share("max-refail"), "max-refail"),
                timeout: try defaulted(duration("canary-timeout"), "canary-timeout"))
        }
        return BulkResume.Options(
            concurrency: try defaulted(number("concurrency"), "concurrency"), requestsPerSecond: number("rps"),
            maxErrors: number("max-errors"), dryRun: invocation.flag("dry-run"), canary: canary)
    }

    /// `triage`'s reads.
    func readOptions() throws(ScriptError) -> ReadOptions {
        ReadOptions(concurrency: try defaulted(number("concurrency"), "concurrency"), requestsPerSecond: number("rps"))
    }

    /// `wait`'s options.
    func waitOptions() throws(ScriptError) -> Waiter.Options {
        Waiter.Options(
            untilSuccess: try defaulted(text("until"), "until") == "success",
            timeout: try defaulted(duration("timeout"), "timeout"),
            interval: try defaulted(duration("interval"), "interval"))
    }

    /// Execution names from targets: names, records with `execution_name`, lists of either.
    func targets(from index: Int) throws(ScriptError) -> [String] {
        try targetRecords(from: index, keepingStarts: false).names
    }

    /// Target names and (when asked) the start times records carry: `wait` lists by start
    /// time where the service needs a window. Nothing else is copied out of the records — a
    /// million targets are a million names, not a million URNs besides.
    func targetRecords(from index: Int, keepingStarts: Bool) throws(ScriptError) -> (names: [String], starts: [String: Int]) {
        var names: [String] = []
        var starts: [String: Int] = [:]
        func collect(_ value: Value) throws(ScriptError) {
            switch value {
            case .string(let s) where !s.isEmpty: names.append(s)
            case .int(let n): names.append(String(n))
            case .list(let items):
                names.reserveCapacity(names.count + items.count)
                for item in items { try collect(item) }
            case .map(let m):
                guard case .string(let s)? = m["execution_name"], !s.isEmpty else {
                    throw fail("a record given as a target needs an execution_name")
                }
                names.append(s)
                guard keepingStarts else { return }
                switch m["started_at"] {
                case .time(let ms)?: starts[s] = ms
                case .string(let text)?: if let ms = WireDate.parseISO8601(text) { starts[s] = ms }
                default: break
                }
            default:
                throw fail("a target is an execution name, an execution record or a list of them, not \(value.literalText)")
            }
        }
        for value in invocation.positional.dropFirst(index) { try collect(value) }
        return (names, starts)
    }
}
