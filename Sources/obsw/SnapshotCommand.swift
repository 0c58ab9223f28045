import ArgumentParser
import OBSWorkflow
import OBSWorkflowEmulator
import ObswJSON
import ObswOperations
import ObswSystem
import ObswTerminal

/// `obsw snapshot GRAPH [TARGET...]`: the executions of a graph as a scenario file, so the
/// incident can be rehearsed offline (`obsw --local --scenario FILE`, `obsw test`).
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot", abstract: "Write a graph's executions as a scenario file, to rehearse an incident offline.",
        discussion: """
            Reads the graph's definition and, in detail, its executions: each named TARGET, else \
            every one the listing gives (--state, --since and --until as 'executions' takes them). \
            It writes a scenario that replays them: names, states, times, inputs and each state's record \
            with the error text as the service wrote it. No credentials, signatures or request ids \
            are written. --redact masks text matching a regular expression in inputs, errors and \
            descriptions. The file is written whole or not at all. Replay it with \
            obsw --local --scenario FILE, obsw emulator --scenario FILE, or '# scenario: FILE' in a \
            runbook test.
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Only executions in this state: RUNNING, SUCCESS, FAILED, TIMEOUT or CANCELLED.")
    var state: String?

    @Option(help: "Only executions started since then: a duration ago (2h) or a time (2026-12-07T04:00:00Z).")
    var since: String?

    @Option(help: "Only executions started before then: a duration ago or a time.")
    var until: String?

    @Option(help: "Write the scenario to FILE (default: standard output).", completion: .file(extensions: ["json"]))
    var out: String?

    @Option(help: "Mask text matching this regular expression in inputs, errors and descriptions; may repeat.")
    var redact: [String] = []

    @Option(help: "Detail reads at once (1-1024); the pace follows what the service accepts.")
    var concurrency = ReadOptions.defaultConcurrency

    @Option(help: "At most N detail reads a second (without it, the pace the service allows).")
    var rps: Int?

    @Argument(help: "The graph (workflow) name.") var graph: String

    @Argument(help: "Execution names; none: every execution the listing gives.") var targets: [String] = []

    func validate() throws {
        if let state, !ExecutionState.known.contains(ExecutionState(rawValue: state.uppercased())) {
            throw ValidationError("--state '\(state)' is not a state: RUNNING, SUCCESS, FAILED, TIMEOUT or CANCELLED")
        }
        guard (1...1024).contains(concurrency) else { throw ValidationError("--concurrency must be 1 to 1024, not \(concurrency)") }
        if let rps, !(1...100_000).contains(rps) { throw ValidationError("--rps must be 1 to 100000, not \(rps)") }
        if !targets.isEmpty, state != nil || since != nil || until != nil {
            throw ValidationError("name executions or filter the listing (--state, --since, --until), not both")
        }
        let window = try self.window()
        if let since = window?.since, let until = window?.until, since >= until {
            throw ValidationError("--since must be before --until")
        }
    }

    /// `--since`/`--until`: a duration ago or a time.
    func window() throws -> TimeWindow? {
        func instant(_ text: String?, _ option: String) throws -> Int? {
            guard let text else { return nil }
            if let ago = DurationText.parse(text), ago >= 0 { return WallClock.nowMilliseconds() - ago }
            if let time = WireDate.parseISO8601(text) { return time }
            throw ValidationError("\(option) '\(text)' is neither a duration (2h) nor a time (2026-12-07T04:00:00Z)")
        }
        let window = TimeWindow(since: try instant(since, "--since"), until: try instant(until, "--until"))
        return window == TimeWindow() ? nil : window
    }

    func run() async throws {
        let redaction: Redaction
        do { redaction = try Redaction(redact) } catch {
            printError(error.description)
            throw ExitCode(.usage)
        }
        // Checked before anything is read: the work must not be lost to a file that cannot be written.
        let output = try out.map { path in try prepareOutput(path, option: "--out") }
        let (configuration, emulator, client) = try await connection.connectOnce()
        var query = [graph] + targets
        if let state { query += ["--state", state.uppercased()] }
        if let since { query += ["--since", since] }
        if let until { query += ["--until", until] }
        let options = Snapshot.Options(
            graph: graph, targets: targets, state: state.map { ExecutionState(rawValue: $0.uppercased()) }, window: try window(),
            redaction: redaction, query: query.joined(separator: " "),
            reads: ReadOptions(concurrency: concurrency, requestsPerSecond: rps))

        // Ctrl-C or SIGTERM stops between pages; the temporary file is removed.
        Interrupts.installForScripts()
        let interrupt = InterruptFlag()
        let watcher = InterruptWatcher(flag: interrupt)
        defer { watcher.stop() }
        var stream: OutputFile.Stream?
        var status = ExitStatus.success
        do throws(OperationError) {
            _ = try await Snapshot.take(
                client: client, options: options, service: configuration.service.rawValue,
                begin: { () throws(OperationError) in
                    do throws(FileError) { stream = try output?.open() } catch { throw .invalid(error.description) }
                },
                write: { (text) throws(OperationError) in
                    if let stream {
                        do throws(FileError) { try stream.append(text) } catch { throw .invalid(error.description) }
                    } else if let problem = writeWithoutSIGPIPE(1, Array(text.utf8)) {
                        throw .invalid("cannot write standard output: \(problem)")
                    }
                },
                progress: ProgressReporter.standardError(), stopped: { interrupt.isRaised })
            if let stream {
                do throws(FileError) { try stream.commit() } catch {
                    printError(error.description)
                    status = .runtime
                }
            }
        } catch {
            stream?.abandon()
            printError("snapshot \(graph): \(error.description)" + (out.map { "; nothing was written to \($0)" } ?? ""))
            if case .interrupted = error { status = .interrupted } else if case .invalid = error { status = .usage } else { status = .runtime }
        }
        await client.shutdown()
        await emulator?.stop()
        throw ExitCode(status)
    }
}
