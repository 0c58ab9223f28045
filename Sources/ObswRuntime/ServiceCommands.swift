import OBSWorkflow
import ObswLang

/// A service command: its declaration (which the parser, the compiler's checks, `help`, the
/// shell's completion and the man page read) and the handler that runs it. The engine has
/// checked the options against their types before the handler runs.
struct ServiceCommand: Sendable {
    let spec: CommandSpec
    let run: @Sendable (ServiceCall) throws(ScriptError) -> Value
}

/// What a handler gets: the host (its client, progress), the checked invocation and the engine.
struct ServiceCall {
    let host: ServiceHost
    let invocation: CommandInvocation
    let engine: Engine
    var arguments: Arguments { Arguments(invocation: invocation) }
    var progress: ProgressReporter { host.progress }

    func client() throws(ScriptError) -> any WorkflowService { try host.connectedClient() }

    func blocking<T: Sendable>(
        cancelOnInterrupt: Bool = true, _ operation: @escaping @Sendable () async throws(ScriptError) -> T
    ) throws(ScriptError) -> T {
        try host.blocking(engine, cancelOnInterrupt: cancelOnInterrupt, operation)
    }
}

/// The service commands. Adding one is a declaration here and its handler below.
enum ServiceCommands {
    static let all: [ServiceCommand] = [
        ServiceCommand(
            spec: CommandSpec("graphs", usage: "graphs [PREFIX]", "list workflows (graphs), every page", arguments: 0...1),
            run: graphs),
        ServiceCommand(
            spec: CommandSpec("graph", usage: "graph NAME", "one workflow with its definition", arguments: 1...1, kinds: [.graph]),
            run: graph),
        ServiceCommand(
            spec: CommandSpec("templates", usage: "templates [PREFIX]", "list workflow templates, every page", arguments: 0...1),
            run: templates),
        ServiceCommand(
            spec: CommandSpec("template", usage: "template NAME", "one workflow template", arguments: 1...1),
            run: template),
        ServiceCommand(
            spec: CommandSpec(
                "executions", usage: "executions GRAPH [--state STATE] [--since DURATION|TIME] [--until TIME] [--type TYPE] [--limit N]",
                "list a workflow's executions, every page unless --limit caps it", arguments: 1...1, kinds: [.graph],
                options: [
                    .init(
                        "state", .choice(ExecutionState.known.map(\.rawValue)), value: "STATE",
                        "only executions in this state (TIMEOUT and CANCELLED exist on DWR only)"),
                    .init(
                        "since", .timeOrAgo,
                        "only those started since this time, or this long ago (30d); DWR searches 3 days without it"),
                    .init("until", .timeOrAgo, "only those started before this time (or this long ago)"),
                    .init("type", .choice(ExecutionType.known.map(\.rawValue)), value: "TYPE", "only APICALL or TRIGGERCAL executions"),
                    .init("limit", .int(1...Int.max), "at most N executions"),
                ]),
            run: executions),
        ServiceCommand(
            spec: CommandSpec(
                "execution", usage: "execution GRAPH NAME", "one execution with its per-state detail (state_map)", arguments: 2...2,
                kinds: [.graph, .execution]),
            run: execution),
        ServiceCommand(
            spec: CommandSpec(
                "triage", usage: "triage GRAPH [TARGET...] [--since DURATION|TIME] [--until TIME]",
                "group FAILED executions by the state that failed and its error (times, ids, numbers masked), largest first",
                arguments: 1...Int.max, kinds: [.graph, .execution],
                options: [
                    .init("since", .timeOrAgo, "without targets: the FAILED ones started since this time, or this long ago (30d)"),
                    .init("until", .timeOrAgo, "without targets: the FAILED ones started before this time"),
                ]),
            run: triage),
        ServiceCommand(
            spec: CommandSpec(
                "start", usage: "start GRAPH --bucket BUCKET --object KEY [--input NAME=VALUE]...",
                "start an execution of a workflow for one object", arguments: 1...1, kinds: [.graph],
                options: [
                    .init("bucket", .string, value: "BUCKET", required: true, "the bucket of the object"),
                    .init("object", .string, value: "KEY", required: true, "the object key"),
                    .init("input", .string, value: "NAME=VALUE", repeatable: true, "a workflow input; may repeat"),
                ]),
            run: start),
        ServiceCommand(
            spec: CommandSpec(
                "resume",
                usage: "resume GRAPH TARGET... [--concurrency N] [--rps N] [--max-errors N] [--canary N [--max-refail P%] [--canary-timeout D]] [--dry-run] [--journal FILE] [--wait-lock]",
                "resume FAILED executions from the state that failed; one result per target", arguments: 2...Int.max,
                kinds: [.graph, .execution],
                options: [
                    .init("concurrency", .int(1...1024), default: "8", "resume up to N at once (default 8)"),
                    .init("rps", .int(1...100_000), "at most N resume calls a second (without it, the pace the service allows)"),
                    .init("max-errors", .int(0...Int.max), "stop starting new resumes after N failures"),
                    .init("canary", .int(1...Int.max), "resume N first, wait for them, and go on only if few failed again"),
                    .init("max-refail", .percent, default: "50%", requires: ["canary"], "with --canary: the share of canaries that may fail again (default 50%)"),
                    .init("canary-timeout", .duration, default: "15m", requires: ["canary"], "with --canary: how long to wait for the canaries (default 15m)"),
                    .init("dry-run", .flag, "check eligibility and report 'planned'; change nothing"),
                    .init(
                        "journal", .string, value: "FILE",
                        "record results in FILE (default: a new journal under the state folder); skip what FILE says was resumed"),
                    .init("wait-lock", .flag, "when another resume of GRAPH is running, wait for it instead of stopping"),
                ]),
            run: resume),
        ServiceCommand(
            spec: CommandSpec(
                "wait", usage: "wait GRAPH TARGET... [--until terminal|success] [--timeout DURATION] [--interval DURATION]",
                "wait until executions finish; returns their final records", arguments: 2...Int.max,
                kinds: [.graph, .execution],
                options: [
                    .init(
                        "until", .choice(["terminal", "success"]), default: "terminal",
                        "terminal (default): SUCCESS or FAILED; success: a FAILED one is an error"),
                    .init("timeout", .duration, default: "30m", "give up after this long (default 30m)"),
                    .init("interval", .duration, default: "5s", "the longest pause between polls (default 5s)"),
                ]),
            run: wait),
    ]

    static let specs: [CommandSpec] = all.map(\.spec)
    static let byName: [String: ServiceCommand] = Dictionary(uniqueKeysWithValues: all.map { ($0.spec.name, $0) })

    // MARK: Handlers

    static func graphs(_ call: ServiceCall) throws(ScriptError) -> Value {
        try listing(call) { client, prefix throws(OBSWorkflowError) in try await client.workflows(prefix: prefix).collect() }
    }

    static func graph(_ call: ServiceCall) throws(ScriptError) -> Value {
        try one(call, "the workflow name") { client, name throws(OBSWorkflowError) in try await client.workflow(named: name) }
    }

    static func templates(_ call: ServiceCall) throws(ScriptError) -> Value {
        try listing(call) { client, prefix throws(OBSWorkflowError) in try await client.templates(prefix: prefix).collect() }
    }

    static func template(_ call: ServiceCall) throws(ScriptError) -> Value {
        try one(call, "the template name") { client, name throws(OBSWorkflowError) in try await client.template(named: name) }
    }

    /// Every page of a listing, with an optional name prefix (`graphs`, `templates`).
    static func listing<R: APIRecord & Sendable>(
        _ call: ServiceCall, _ fetch: @escaping @Sendable (any WorkflowService, String) async throws(OBSWorkflowError) -> [R]
    ) throws(ScriptError) -> Value {
        let prefix = call.arguments.optionalString(at: 0) ?? ""
        let client = try call.client()
        return try call.blocking { () throws(ScriptError) in
            Records.list(try await ServiceHost.mapped { () throws(OBSWorkflowError) in try await fetch(client, prefix) })
        }
    }

    /// One record by name (`graph`, `template`).
    static func one<R: APIRecord & Sendable>(
        _ call: ServiceCall, _ what: String,
        _ fetch: @escaping @Sendable (any WorkflowService, String) async throws(OBSWorkflowError) -> R
    ) throws(ScriptError) -> Value {
        let name = try call.arguments.string(at: 0, what)
        let client = try call.client()
        return try call.blocking { () throws(ScriptError) in
            Records.value(try await ServiceHost.mapped { () throws(OBSWorkflowError) in try await fetch(client, name) })
        }
    }

    static func executions(_ call: ServiceCall) throws(ScriptError) -> Value {
        let arguments = call.arguments
        let graph = try arguments.string(at: 0, "the workflow name")
        let state = arguments.text("state").map { ExecutionState(rawValue: $0) }
        let type = arguments.text("type").map { ExecutionType(rawValue: $0) }
        let limit = arguments.number("limit")
        let window = TimeWindow(since: arguments.instant("since"), until: arguments.instant("until"))
        if let since = window.since, let until = window.until, since >= until {
            throw arguments.fail("--since must be before --until")
        }
        // A start in the future can only be a slip (2062 for 2026); it would list nothing.
        if let since = window.since, since > WallClock.nowMilliseconds() + 60_000 {
            throw arguments.fail("--since \(Value.time(since).displayText) is in the future")
        }
        let client = try call.client()
        let progress = call.progress
        return try call.blocking { () throws(ScriptError) in
            try await ServiceHost.mapped { () throws(OBSWorkflowError) in
                var items: [Value] = []
                let pageSize = min(limit ?? 1000, 1000)
                let records = JSONBridge.Records()
                let listing = client.executions(
                    graph: graph, type: type, state: state, window: window == TimeWindow() ? nil : window, pageSize: pageSize)
                for try await execution in listing {
                    items.append(records.value(.object(execution.json)))
                    if let limit, items.count >= limit { break }
                }
                // A listing the service cut to its own window says so: older executions exist unseen.
                if window.since == nil, case .serviceDefault(let span) = client.listingWindow {
                    let reach = span % 86_400_000 == 0 ? "\(span / 86_400_000) days" : Duration.milliseconds(span).elapsedText
                    let end = window.until == nil ? "the last \(reach)" : "the \(reach) before --until"
                    progress.finish(
                        "executions \(graph): \(items.count) started in \(end) (the service's default window; --since 30d reaches further)")
                }
                return .list(items)
            }
        }
    }

    static func execution(_ call: ServiceCall) throws(ScriptError) -> Value {
        let graph = try call.arguments.string(at: 0, "the workflow name")
        let name = try call.arguments.string(at: 1, "the execution name")
        let client = try call.client()
        return try call.blocking { () throws(ScriptError) in
            Records.value(try await ServiceHost.mapped { () throws(OBSWorkflowError) in try await client.execution(graph: graph, name: name) })
        }
    }

    /// Reads each FAILED execution (the targets, or every FAILED one of the graph) and
    /// groups them by cause: records `{state, error, count, executions, sample}`.
    static func triage(_ call: ServiceCall) throws(ScriptError) -> Value {
        let arguments = call.arguments
        let graph = try arguments.string(at: 0, "the workflow name")
        let given = try arguments.targets(from: 1).distinctInOrder()
        let window = TimeWindow(since: arguments.instant("since"), until: arguments.instant("until"))
        if !given.isEmpty, window != TimeWindow() {
            throw arguments.fail("--since and --until choose which FAILED executions to read; with targets given, leave them out")
        }
        let client = try call.client().retrying(call.client().retryPolicy.forBulkWork)
        let progress = call.progress
        let started = ContinuousClock.now
        let (groups, notFailed, read) = try call.blocking { () throws(ScriptError) in
            var names = given
            if names.isEmpty {
                names = try await ServiceHost.mapped { () throws(OBSWorkflowError) in
                    try await client.executions(
                        graph: graph, state: .failed, window: window == TimeWindow() ? nil : window
                    ).collect().compactMap(\.executionName)
                }
            }
            let details = try await forEach(names, concurrency: 16) { name async throws(OBSWorkflowError) in
                try await client.execution(graph: graph, name: name)
            }
            let byName = Dictionary(details, uniquingKeysWith: { first, _ in first })
            let (groups, notFailed) = Triage.group(names.compactMap { name in byName[name].map { (name, $0) } })
            return (groups, notFailed, names.count)
        }
        var summary = "triage \(graph): \(read - notFailed.count) FAILED execution\(read - notFailed.count == 1 ? "" : "s") in \(groups.count) group\(groups.count == 1 ? "" : "s")"
        if !notFailed.isEmpty { summary += "; \(notFailed.count) not FAILED left out" }
        progress.finish(summary + " in \((ContinuousClock.now - started).elapsedText)")
        return .list(groups.map(\.value))
    }

    static func start(_ call: ServiceCall) throws(ScriptError) -> Value {
        let arguments = call.arguments
        let graph = try arguments.string(at: 0, "the workflow name")
        guard let bucket = arguments.text("bucket"), !bucket.isEmpty else { throw arguments.fail("--bucket is required") }
        guard let object = arguments.text("object"), !object.isEmpty else { throw arguments.fail("--object is required") }
        var inputs: JSONObject?
        for pair in call.invocation.all("input") {
            let text = pair.displayText
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw arguments.fail("--input takes NAME=VALUE, not '\(text)'")
            }
            inputs = inputs ?? [:]
            inputs![String(text[..<equals])] = .string(String(text[text.index(after: equals)...]))
        }
        let given = inputs
        let client = try call.client()
        return try call.blocking { () throws(ScriptError) in
            var record = try await ServiceHost.mapped { () throws(OBSWorkflowError) in
                try await client.startExecution(graph: graph, bucket: bucket, object: object, inputs: given)
            }.json
            // Enough to pass the result straight to `wait` or `execution`.
            record["graph_name"] = .string(graph)
            return JSONBridge.record(.object(record))
        }
    }

    static func resume(_ call: ServiceCall) throws(ScriptError) -> Value {
        let arguments = call.arguments, invocation = call.invocation, progress = call.progress
        let graph = try arguments.string(at: 0, "the workflow name")
        let options = BulkResume.Options(
            concurrency: arguments.number("concurrency") ?? 8,
            requestsPerSecond: arguments.number("rps"),
            maxErrors: arguments.number("max-errors"),
            dryRun: invocation.flag("dry-run"),
            canary: arguments.number("canary").map { count in
                BulkResume.Canary(
                    count: count, maxRefailPercent: arguments.share("max-refail") ?? 50,
                    timeoutMilliseconds: arguments.milliseconds("canary-timeout") ?? 15 * 60_000)
            })
        let (targets, knownURNs, _) = try arguments.targetRecords(from: 1)
        let client = try call.client()
        let journal = try Journal.forResume(
            graph: graph, path: arguments.text("journal"), dryRun: options.dryRun,
            endpoint: client.endpointDescription, isLocal: call.host.isLocal, progress: progress)
        let single = invocation.positional.count == 2 && { if case .string = invocation.positional[1] { true } else { false } }()
        // Ctrl-C stops starting new resumes, but calls in flight finish: a resume whose
        // answer is abandoned is exactly what must not be left unknown.
        let interrupt = call.engine.interrupt
        // Held until this resume has its last answer (released when `lock` goes).
        let lock = options.dryRun ? nil : try ResumeLock.acquire(
            identity: client.identity, graph: graph, wait: invocation.flag("wait-lock"),
            interrupt: interrupt, progress: progress, environment: ServiceHost.stateEnvironment())
        defer { withExtendedLifetime(lock) {} }
        let results = try call.blocking(cancelOnInterrupt: false) { () throws(ScriptError) in
            try await BulkResume(
                client: client, graph: graph, options: options, progress: progress, interrupt: interrupt, journal: journal,
                knownURNs: knownURNs
            ).run(targets)
        }
        let failed = results.count { $0.outcome == .failed }
        if failed > 0 {
            call.engine.noteIgnoredFailure("resume \(graph): \(failed) of \(results.count) target\(results.count == 1 ? "" : "s") failed", of: invocation)
        }
        // Values once, here at the boundary.
        return single && results.count == 1 ? results[0].value : .list(results.map(\.value))
    }

    static func wait(_ call: ServiceCall) throws(ScriptError) -> Value {
        let arguments = call.arguments, progress = call.progress
        let graph = try arguments.string(at: 0, "the workflow name")
        let options = Waiter.Options(
            untilSuccess: arguments.text("until") == "success",
            timeoutMilliseconds: arguments.milliseconds("timeout") ?? 30 * 60_000,
            intervalMilliseconds: max(50, arguments.milliseconds("interval") ?? 5000))
        let (targets, _, starts) = try arguments.targetRecords(from: 1, keepingURNs: false)
        let client = try call.client()
        let finals = try call.blocking { () throws(ScriptError) in
            try await Waiter(client: client, graph: graph, options: options, progress: progress).run(targets, startedAt: starts)
        }
        let failed = finals.count { $0.state == .failed }
        if failed > 0 {
            call.engine.noteIgnoredFailure("wait \(graph): \(failed) of \(finals.count) execution\(finals.count == 1 ? "" : "s") FAILED", of: call.invocation)
        }
        return Records.list(finals)
    }
}

/// Reading a command's arguments. Option values arrive checked against their declared
/// types (the engine did that), so reading them cannot fail.
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

    /// A `.duration` option, in milliseconds.
    func milliseconds(_ option: String) -> Int? {
        guard case .duration(let ms)? = self.option(option) else { return nil }
        return ms
    }

    /// Execution names from targets: names, records with `execution_name`, lists of either.
    func targets(from index: Int) throws(ScriptError) -> [String] {
        try targetRecords(from: index, keepingURNs: false).names
    }

    /// Target names, (when asked) the URNs of those given as records — a bulk resume reuses
    /// those strings for its results instead of keeping a second copy of each — and the start
    /// times records carry (`wait` lists by start time where the service needs a window).
    func targetRecords(from index: Int, keepingURNs: Bool = true) throws(ScriptError)
        -> (names: [String], urns: [String: String], starts: [String: Int])
    {
        var names: [String] = []
        var urns: [String: String] = [:]
        var starts: [String: Int] = [:]
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
        return (names, urns, starts)
    }
}
