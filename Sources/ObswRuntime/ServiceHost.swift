#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import OBSWorkflow
import ObswLang
import ObswOperations
import ObswSystem
import Synchronization

/// Runs the service commands for the language: each command is an async call on the
/// client core, run to completion while the engine's thread waits (and Ctrl-C cancels it).
public final class ServiceHost: CommandHost, @unchecked Sendable {
    public let catalog: any CommandCatalog = StaticCatalog(ServiceCommands.specs)
    /// Where progress of long operations goes (standard error when it is a terminal).
    public let progress: any OperationProgress
    private let connect: () throws(ScriptError) -> any WorkflowService
    private var connected: (any WorkflowService)?

    /// - Parameter connect: makes the client on the first service command, so a script that
    ///   uses none needs no endpoint or credentials.
    public init(progress: any OperationProgress = SilentProgress(), connect: @escaping () throws(ScriptError) -> any WorkflowService) {
        self.progress = progress
        self.connect = connect
    }

    public convenience init(client: any WorkflowService, progress: any OperationProgress = SilentProgress()) {
        self.init(progress: progress, connect: { () throws(ScriptError) in client })
    }

    /// The service is the embedded emulator (`--local`): journals of these rehearsals are
    /// kept apart from real ones.
    public var isLocal = false

    /// The configuration profile the service was chosen by, when one was (a plan records it).
    public var profileName: @Sendable () -> String? = { nil }

    /// What a plan made here records of the service: its kind, address and project, the
    /// profile, and whether it is the embedded emulator. Never credentials.
    func planService(for client: any WorkflowService) -> ResumePlan.Service {
        ResumePlan.Service(client: client, profile: profileName(), local: isLocal)
    }

    /// With the embedded emulator: its restore counts, for `emulator_restores()`.
    public var emulatorRestoreCounts: (@Sendable () -> [(graph: String, execution: String, count: Int)])?

    public var emulatorRestores: [(graph: String, execution: String, restores: Int)]? {
        emulatorRestoreCounts.map { counts in counts().map { ($0.graph, $0.execution, $0.count) } }
    }

    /// The client, once a command has needed it.
    public var service: (any WorkflowService)? { connected }

    public func connectedClient() throws(ScriptError) -> any WorkflowService {
        if let connected { return connected }
        let client = try connect()
        connected = client
        return client
    }

    public func run(_ invocation: CommandInvocation, engine: Engine) throws(ScriptError) -> Value {
        guard let command = ServiceCommands.byName[invocation.name] else {
            throw ScriptError(.runtime, "unknown command '\(invocation.name)'", code: .unknownCommand, span: invocation.span)
        }
        return try command.run(ServiceCall(host: self, spec: command.spec, invocation: invocation, engine: engine))
    }

    public func failures(of invocation: CommandInvocation, value: Value) -> String? {
        ServiceCommands.failures(of: invocation, value: value)
    }

    /// The execution names an invocation's targets (from argument `index` on) name, read as
    /// the command reads them (names, records, lists of either).
    public static func targetNames(of invocation: CommandInvocation, from index: Int) throws(ScriptError) -> [String] {
        try Arguments(invocation: invocation, spec: ServiceCommands.byName[invocation.name]?.spec).targets(from: index)
    }

    /// The environment variables that say where the state folder is.
    static func stateEnvironment() -> [String: String] {
        var environment: [String: String] = [:]
        for name in ["XDG_STATE_HOME", "HOME"] { environment[name] = getenv(name).map { String(cString: $0) } }
        return environment
    }

    /// The environment variables that say who runs obsw (a plan records its author).
    static func personEnvironment() -> [String: String] {
        var environment: [String: String] = [:]
        for name in ["LOGNAME", "USER"] { environment[name] = getenv(name).map { String(cString: $0) } }
        return environment
    }

    /// Workflow names for Tab completion; empty when the service cannot be reached.
    public func graphNamesForCompletion() -> [String] {
        completionNames(key: "graphs") { client in (try? await client.workflows().collect())?.compactMap(\.name) }
    }

    /// Execution names of `graph` for Tab completion after `command`: the FAILED ones for
    /// `resume`, the most recent (up to 1,000) otherwise.
    public func executionNamesForCompletion(graph: String, command: String) -> [String] {
        let state: ExecutionState? = command == "resume" ? .failed : nil
        return completionNames(key: "executions \(graph) \(state?.rawValue ?? "")") { client in
            var names: [String] = []
            do {
                for try await e in client.executions(graph: graph, state: state, pageSize: 1000) {
                    if let name = e.executionName { names.append(name) }
                    if names.count >= 1000 { break }
                }
            } catch {
                return names.isEmpty ? nil : names
            }
            return names
        }
    }

    /// Names from a short-lived cache (30 s). A fetch runs in the background; the prompt
    /// waits for it at most 300 ms, and a fetch that takes longer fills the cache for the
    /// next Tab.
    func completionNames(key: String, fetch: @escaping @Sendable (any WorkflowService) async -> [String]?) -> [String] {
        guard let client = try? connectedClient() else { return [] }
        let now = ContinuousClock.now
        let (cached, running) = completionCache.withLock { cache -> ([String]?, DispatchSemaphore?) in
            if let entry = cache[key], let at = entry.fetchedAt, now - at < .seconds(30) { return (entry.names, nil) }
            if let waiting = cache[key]?.fetching { return (cache[key]?.names, waiting) }
            let done = DispatchSemaphore(value: 0)
            cache[key, default: CompletionEntry()].fetching = done
            let cacheRef = completionCache
            Task {
                let names = await fetch(client)
                cacheRef.withLock { cache in
                    if let names { cache[key] = CompletionEntry(names: names, fetchedAt: ContinuousClock.now) }
                    else { cache[key]?.fetching = nil }
                }
                done.signal()  // each waiter that wakes passes it on

            }
            return (cache[key]?.names, done)
        }
        guard let running else { return cached ?? [] }
        if running.wait(timeout: .now() + .milliseconds(300)) == .success {
            running.signal()  // for another waiter
            return completionCache.withLock { $0[key]?.names } ?? cached ?? []
        }
        return cached ?? []
    }

    struct CompletionEntry {
        var names: [String] = []
        var fetchedAt: ContinuousClock.Instant?
        var fetching: DispatchSemaphore?
    }

    private let completionCache = Locked<[String: CompletionEntry]>([:])

    /// Runs `operation` to completion on the concurrency pool while the engine's own thread
    /// waits. Ctrl-C (the engine's interrupt flag) cancels it; the error says so.
    func blocking<T: Sendable>(
        _ engine: Engine, cancelOnInterrupt: Bool = true, _ operation: @escaping @Sendable () async throws(ScriptError) -> T
    ) throws(ScriptError) -> T {
        let outcome = Mutex<Result<T, ScriptError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = Task {
            let result: Result<T, ScriptError>
            do throws(ScriptError) { result = .success(try await operation()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        var cancelled = false
        while done.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            if cancelOnInterrupt, !cancelled, engine.interrupt.isRaised {
                cancelled = true
                task.cancel()
            }
        }
        // Taken out, not copied: the caller then holds the only reference (a million results
        // can be let go of as they become values).
        let result = outcome.withLock { outcome in
            defer { outcome = nil }
            return outcome
        }!
        if cancelled, case .failure(let error) = result, error.kind != .interrupted {
            throw ScriptError(.interrupted, "interrupted", code: .interrupted, details: error.details)
        }
        return try result.get()
    }
}
