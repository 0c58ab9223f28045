import ObswJSON
import ObswLang
import ObswOperations
import OBSWorkflow
import ObswSystem
import ObswText

/// A service command: its declaration (which the parser, the compiler's checks, `help`, the
/// usage line, the shell's completion and the man page read) and the handler that runs it.
/// The engine has checked the options against their types before the handler runs.
struct ServiceCommand: Sendable {
    let spec: CommandSpec
    let run: @Sendable (ServiceCall) throws(ScriptError) -> Value
}

/// What a handler gets: the host (its client, progress), the checked invocation and the engine.
struct ServiceCall {
    let host: ServiceHost
    let spec: CommandSpec
    let invocation: CommandInvocation
    let engine: Engine
    var arguments: Arguments { Arguments(invocation: invocation, spec: spec) }
    var progress: any OperationProgress { host.progress }

    func client() throws(ScriptError) -> any WorkflowService { try host.connectedClient() }

    /// Runs an operation while the engine's thread waits; its error becomes the language's.
    func blocking<T: Sendable>(
        cancelOnInterrupt: Bool = true, _ operation: @escaping @Sendable () async throws(OperationError) -> T
    ) throws(ScriptError) -> T {
        try host.blocking(engine, cancelOnInterrupt: cancelOnInterrupt) { () async throws(ScriptError) -> T in
            do throws(OperationError) { return try await operation() } catch { throw Errors.script(error) }
        }
    }

    /// Runs a client call while the engine's thread waits; its error becomes the language's.
    func calling<T: Sendable>(_ call: @escaping @Sendable () async throws(OBSWorkflowError) -> T) throws(ScriptError) -> T {
        try blocking { () async throws(OperationError) -> T in
            do throws(OBSWorkflowError) { return try await call() } catch { throw .service(error) }
        }
    }
}

/// The service commands. Adding one is a declaration here and its handler below.
enum ServiceCommands {
    static let all: [ServiceCommand] = [
        ServiceCommand(spec: CommandSpec("graphs", "list workflows (graphs), every page", arguments: ["PREFIX"], count: 0...1), run: graphs),
        ServiceCommand(
            spec: CommandSpec("graph", "one workflow with its definition", arguments: ["NAME"], kinds: [.graph]), run: graph),
        ServiceCommand(
            spec: CommandSpec("templates", "list workflow templates, every page", arguments: ["PREFIX"], count: 0...1), run: templates),
        ServiceCommand(spec: CommandSpec("template", "one workflow template", arguments: ["NAME"]), run: template),
        ServiceCommand(
            spec: CommandSpec(
                "executions", "list a workflow's executions, every page unless --limit caps it", arguments: ["GRAPH"], kinds: [.graph],
                options: [
                    .init(
                        "state", .choice(ExecutionState.known.map(\.rawValue)), value: "STATE",
                        "only executions in this state (TIMEOUT and CANCELLED exist on DWR only)"),
                    .init(
                        "since", .timeOrAgo,
                        "only those started since this time, or this long ago (30d); DWR searches 3 days without it"),
                    .init("until", .timeOrAgo, "only those started before this time (or this long ago)"),
                    .init("type", .choice(ExecutionType.known.map(\.rawValue)), "only APICALL or TRIGGERCAL executions"),
                    .init("limit", .int(1...Int.max), "at most N executions"),
                ]),
            run: executions),
        ServiceCommand(
            spec: CommandSpec(
                "execution", "one execution with its per-state detail (state_map)", arguments: ["GRAPH", "NAME"],
                kinds: [.graph, .execution]),
            run: execution),
        ServiceCommand(
            spec: CommandSpec(
                "triage", "group FAILED executions by the state that failed and its error (times, ids, numbers masked), largest first",
                arguments: ["GRAPH", "TARGET"], count: 1...Int.max, kinds: [.graph, .execution],
                options: [
                    .init("since", .timeOrAgo, "without targets: the FAILED ones started since this time, or this long ago (30d)"),
                    .init("until", .timeOrAgo, "without targets: the FAILED ones started before this time"),
                    .init(
                        "concurrency", .int(1...1024), default: .int(ReadOptions.defaultConcurrency),
                        "read up to N at once (the pace follows what the service accepts)"),
                    .init("rps", .int(1...100_000), "at most N reads a second (without it, the pace the service allows)"),
                ]),
            run: triage),
        ServiceCommand(
            spec: CommandSpec(
                "start", "start an execution of a workflow for one object", arguments: ["GRAPH"], kinds: [.graph],
                options: [
                    .init("bucket", .string, value: "BUCKET", required: true, "the bucket of the object"),
                    .init("object", .string, value: "KEY", required: true, "the object key"),
                    .init("input", .string, value: "NAME=VALUE", repeatable: true, "a workflow input; may repeat"),
                ]),
            run: start),
        ServiceCommand(
            spec: CommandSpec(
                "resume", "resume FAILED executions from the state that failed; one result per target",
                arguments: ["GRAPH", "TARGET"], count: 2...Int.max, kinds: [.graph, .execution],
                options: [
                    .init("concurrency", .int(1...1024), default: 8, "resume up to N at once"),
                    .init("rps", .int(1...100_000), "at most N resume calls a second (without it, the pace the service allows)"),
                    .init("max-errors", .int(0...Int.max), "stop starting new resumes after N failures"),
                    .init("canary", .int(1...Int.max), "resume N first, wait for them, and go on only if few failed again"),
                    .init("max-refail", .percent, default: .float(50), requires: ["canary"],
                          "with --canary: the share of canaries that may fail again"),
                    .init("canary-timeout", .duration, default: .duration(15 * 60_000), requires: ["canary"],
                          "with --canary: how long to wait for the canaries"),
                    .init("dry-run", .flag, "check eligibility and report 'planned'; change nothing"),
                    .init(
                        "journal", .string, value: "FILE",
                        "record results in FILE (default: a new journal under the state folder); skip what FILE says was resumed"),
                    .init("wait-lock", .flag, "when another resume of GRAPH is running, wait for it instead of stopping"),
                    .init(
                        "plan", .string, value: "FILE", excludes: ["dry-run", "wait-lock"],
                        "resume nothing: write a plan of this resume to FILE, for approval and 'obsw apply FILE'"),
                    .init(
                        "plan-format", .choice(["text", "json"]), default: "text", requires: ["plan"],
                        "with --plan: print the plan's summary for people (text) or for tools (json)"),
                ]),
            run: resume),
        ServiceCommand(
            spec: CommandSpec(
                "wait", "wait until executions finish; returns their final records", arguments: ["GRAPH", "TARGET"], count: 2...Int.max,
                kinds: [.graph, .execution],
                options: [
                    .init(
                        "until", .choice(["terminal", "success"]), default: "terminal",
                        "terminal: SUCCESS or FAILED; success: a FAILED one is an error"),
                    .init("timeout", .duration, default: .duration(30 * 60_000), "give up after this long"),
                    .init("interval", .duration, default: .duration(5000), "the longest pause between polls"),
                ]),
            run: wait),
    ]

    static let specs: [CommandSpec] = all.map(\.spec)
    static let byName: [String: ServiceCommand] = Dictionary(uniqueKeysWithValues: all.map { ($0.spec.name, $0) })

    // MARK: Handlers

    static let graphs = everyRecord { client, prefix async throws(OBSWorkflowError) in try await client.workflows(prefix: prefix).collect() }
    static let graph = oneRecord("the workflow name") { client, name async throws(OBSWorkflowError) in try await client.workflow(named: name) }
    static let templates = everyRecord { client, prefix async throws(OBSWorkflowError) in try await client.templates(prefix: prefix).collect() }
    static let template = oneRecord("the template name") { client, name async throws(OBSWorkflowError) in try await client.template(named: name) }

    /// `graphs [PREFIX]`, `templates [PREFIX]`: every record whose name starts with PREFIX.
    static func everyRecord<R: APIRecord & Sendable>(
        _ list: @escaping @Sendable (any WorkflowService, String) async throws(OBSWorkflowError) -> [R]
    ) -> @Sendable (ServiceCall) throws(ScriptError) -> Value {
        { call throws(ScriptError) in
            let prefix = call.arguments.optionalString(at: 0) ?? "", client = try call.client()
            return Records.list(try call.calling { () throws(OBSWorkflowError) in try await list(client, prefix) })
        }
    }

    /// `graph NAME`, `template NAME`: the one record of that name.
    static func oneRecord<R: APIRecord & Sendable>(
        _ what: String, _ read: @escaping @Sendable (any WorkflowService, String) async throws(OBSWorkflowError) -> R
    ) -> @Sendable (ServiceCall) throws(ScriptError) -> Value {
        { call throws(ScriptError) in
            let name = try call.arguments.string(at: 0, what), client = try call.client()
            return Records.value(try call.calling { () throws(OBSWorkflowError) in try await read(client, name) })
        }
    }

    static func executions(_ call: ServiceCall) throws(ScriptError) -> Value {
        let arguments = call.arguments
        let graph = try arguments.string(at: 0, "the workflow name")
        let state = arguments.text("state").map { ExecutionState(rawValue: $0) }
        let type = arguments.text("type").map { ExecutionType(rawValue: $0) }
        let limit = arguments.number("limit")
        let window = try arguments.window()
        let client = try call.client()
        let progress = call.progress
        return try call.calling { () throws(OBSWorkflowError) -> Value in
            var records = JSONBridge.Records()
            let listing = client.executions(graph: graph, type: type, state: state, window: window, pageSize: min(limit ?? 1000, 1000))
            for try await execution in listing {
                records.append(.object(execution.json))
                if let limit, records.count >= limit { break }
            }
            let items = records.values()
            // A listing the service cut to its own window says so: older executions exist unseen.
            if window?.since == nil, case .serviceDefault(let span) = client.listingWindow {
                let reach = span % 86_400_000 == 0 ? "\(span / 86_400_000) days" : Duration.milliseconds(span).elapsedText
                let end = window?.until == nil ? "the last \(reach)" : "the \(reach) before --until"
                progress.finish(
                    "executions \(graph): \(items.count) started in \(end) (the service's default window; --since 30d reaches further)")
            }
            return .list(items)
        }
    }

    static func execution(_ call: ServiceCall) throws(ScriptError) -> Value {
        let graph = try call.arguments.string(at: 0, "the workflow name")
        let name = try call.arguments.string(at: 1, "the execution name")
        let client = try call.client()
        return Records.value(try call.calling { () throws(OBSWorkflowError) in try await client.execution(graph: graph, name: name) })
    }

    /// Reads each FAILED execution (the targets, or every FAILED one of the graph) and
    /// groups them by cause: records `{state, error, count, executions, sample}`.
    static func triage(_ call: ServiceCall) throws(ScriptError) -> Value {
        let arguments = call.arguments
        let graph = try arguments.string(at: 0, "the workflow name")
        let targets = try arguments.targets(from: 1)
        let window = try arguments.window()
        if !targets.isEmpty, window != nil {
            throw arguments.fail("--since and --until choose which FAILED executions to read; with targets given, leave them out")
        }
        let reads = try arguments.readOptions()
        let client = try call.client(), progress = call.progress
        let found = try call.blocking { () throws(OperationError) in
            try await Triage.run(client: client, graph: graph, targets: targets, window: window, reads: reads, progress: progress)
        }
        return .list(found.groups.map(\.value))
    }

    static func start(_ call: ServiceCall) throws(ScriptError) -> Value {
        let arguments = call.arguments
        let graph = try arguments.string(at: 0, "the workflow name")
        guard let bucket = arguments.text("bucket"), !bucket.isEmpty else { throw arguments.fail("--bucket is empty") }
        guard let object = arguments.text("object"), !object.isEmpty else { throw arguments.fail("--object is empty") }
        let inputs = try arguments.inputs()
        let client = try call.client()
        var record = try call.calling { () throws(OBSWorkflowError) in
            try await client.startExecution(graph: graph, bucket: bucket, object: object, inputs: inputs)
        }.json
        // Enough to pass the result straight to `wait` or `execution`.
        record["graph_name"] = .string(graph)
        return JSONBridge.record(.object(record))
    }

    static func resume(_ call: ServiceCall) throws(ScriptError) -> Value {
        let arguments = call.arguments, invocation = call.invocation, progress = call.progress
        let graph = try arguments.string(at: 0, "the workflow name")
        let options = try arguments.resumeOptions()
        let targets = try arguments.targets(from: 1)
        if let planPath = arguments.text("plan") { return try plan(call, graph: graph, targets: targets, options: options, path: planPath) }
        let client = try call.client()
        let environment = ServiceHost.stateEnvironment()
        let journalPath = arguments.text("journal"), isLocal = call.host.isLocal
        let journal = try call.blocking { () throws(OperationError) in
            try Journal.forResume(
                graph: graph, path: journalPath, dryRun: options.dryRun, endpoint: client.endpointDescription,
                isLocal: isLocal, environment: environment, progress: progress)
        }
        let single = invocation.positional.count == 2 && { if case .string = invocation.positional[1] { true } else { false } }()
        // Ctrl-C stops starting new resumes, but calls in flight finish: a resume whose
        // answer is abandoned is exactly what must not be left unknown.
        let interrupt = call.engine.interrupt
        // Held until this resume has its last answer (released when `lock` goes).
        let lock = options.dryRun ? nil : try call.blocking { () throws(OperationError) in
            try ResumeLock.acquire(
                identity: client.identity, graph: graph, wait: invocation.flag("wait-lock"), interrupt: interrupt,
                progress: progress, environment: environment)
        }
        defer { withExtendedLifetime(lock) {} }
        let results = try call.blocking(cancelOnInterrupt: false) { () throws(OperationError) in
            try await BulkResume(
                client: client, graph: graph, options: options, progress: progress, interrupt: interrupt, journal: journal
            ).run(targets)
        }
        if single && results.count == 1 { return results[0].value }
        return .list(ResumeResult.values(consume results))
    }

    /// `resume … --plan FILE`: reads every target, writes the plan (whole or not at all),
    /// prints its summary and returns it. Nothing is resumed, no lock or journal is taken.
    static func plan(_ call: ServiceCall, graph: String, targets: [String], options: BulkResume.Options, path: String)
        throws(ScriptError) -> Value
    {
        let arguments = call.arguments, invocation = call.invocation, progress = call.progress
        // Checked before anything is read: the reads must not be lost to a file that cannot be written.
        let output: OutputFile
        do throws(FileError) { output = try OutputFile.prepare(path, option: "--plan") } catch { throw arguments.fail(error.description) }
        let client = try call.client()
        let service = call.host.planService(for: client)
        let author = ResumePlan.Person.current(environment: ServiceHost.personEnvironment())
        // Absolute: `obsw apply` may run in another folder than the plan was made in.
        let journal = arguments.text("journal").map(Directory.absolute)
        let plan = try call.blocking { () throws(OperationError) in
            try await ResumePlan.make(
                client: client, graph: graph, targets: targets, options: options, journal: journal, service: service, author: author,
                progress: progress)
        }
        do throws(FileError) { try output.write(plan.fileBytes()) } catch {
            throw ScriptError(.runtime, "resume \(graph) --plan: \(error.description)", code: .badArgument, span: invocation.span)
        }
        let summary = plan.summaryJSON(file: path)
        if arguments.text("plan-format") == "json" {
            call.engine.delegate?.write(JSONValue.object(summary).jsonText + "\n")
        } else {
            call.engine.delegate?.write(
                plan.summaryText(file: path) + "\n"
                    + Escape.terminal("Approve: obsw plan approve \(Escape.shellWord(path))   Apply: obsw apply \(Escape.shellWord(path))") + "\n")
        }
        return JSONBridge.record(.object(summary))
    }

    static func wait(_ call: ServiceCall) throws(ScriptError) -> Value {
        let arguments = call.arguments, progress = call.progress
        let graph = try arguments.string(at: 0, "the workflow name")
        let options = try arguments.waitOptions()
        let (targets, starts) = try arguments.targetRecords(from: 1, keepingStarts: true)
        let client = try call.client()
        let finals = try call.blocking { () throws(OperationError) in
            try await Waiter(client: client, graph: graph, options: options, progress: progress).run(targets, startedAt: starts)
        }
        return Records.list(finals)
    }

    /// What a `resume` or `wait` whose value nothing kept had failed, to say at the end (the
    /// script exits 3 then): nil when all went well. The engine asks, once the value is dropped.
    static func failures(of invocation: CommandInvocation, value: Value) -> String? {
        guard invocation.name == "resume" || invocation.name == "wait", let graph = invocation.positional.first?.displayText else {
            return nil
        }
        let records: [ValueMap] = switch value {
        case .list(let items): items.compactMap { if case .map(let m) = $0 { m } else { nil } }
        case .map(let m): [m]
        default: []
        }
        if invocation.name == "resume" {
            let failed = records.count { $0["outcome"] == .string(ResumeResult.Outcome.failed.rawValue) }
            guard failed > 0 else { return nil }
            return "resume \(graph): \(failed) of \(records.count) target\(records.count == 1 ? "" : "s") failed"
        }
        let failed = records.count { $0["execution_state"] == .string(ExecutionState.failed.rawValue) }
        guard failed > 0 else { return nil }
        return "wait \(graph): \(failed) of \(records.count) execution\(records.count == 1 ? "" : "s") FAILED"
    }
}
