import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OBSWorkflow
import OBSWorkflowEmulator
import ObswLang
import ObswRuntime
import OBSWTestSupport
import Testing

final class Collector: EngineDelegate, @unchecked Sendable {
    var output = ""
    var failures: [CheckResult] = []
    func write(_ text: String) { output += text }
    var logged: [String] = []
    func log(_ line: String) { logged.append(line) }
    func checkFailed(_ failure: CheckResult) { failures.append(failure) }
}

struct ScriptRun {
    var outcome: RunOutcome
    var output: String
    var engine: Engine
    var emulator: WorkflowEmulator

    var value: Value? {
        if case .finished(let v) = outcome { return v }
        return nil
    }

    var error: ScriptError? {
        if case .failed(let e) = outcome { return e }
        return nil
    }

    /// The compile-time errors, when the script did not compile.
    var diagnostics: [Diagnostic] {
        if case .invalid(let d) = outcome { return d }
        return []
    }
}

/// A running emulator and a service host on it, for several scripts in a row.
final class Fixture: @unchecked Sendable {
    let emulator: WorkflowEmulator
    let client: OBSWorkflowClient
    let host: ServiceHost
    let engine: Engine
    let collector = Collector()

    /// Automatic resume journals of in-process tests go here, not into the developer's
    /// ~/.local/state.
    static let stateDirectory: String = {
        let path = NSTemporaryDirectory() + "obsw-runtime-tests-state"
        setenv("XDG_STATE_HOME", path, 1)
        return path
    }()

    init(_ configuration: EmulatorConfiguration = EmulatorConfiguration(speed: 4), retry: RetryPolicy = .fastForTests, secret: String? = nil) async throws {
        _ = Self.stateDirectory
        emulator = try await WorkflowEmulator.start(configuration)
        let keys = configuration.credentials[0]
        client = try OBSWorkflowClient(
            settings: TransportSettings(
                endpoint: try Endpoint(parsing: emulator.endpoint),
                credentials: Credentials(accessKeyID: keys.accessKeyID, secretAccessKey: secret.map(Secret.init) ?? keys.secretAccessKey),
                retry: retry, requestTimeout: .seconds(240)))
        host = ServiceHost(client: client)
        engine = Engine(host: host, delegate: collector)
    }

    /// Runs code on a thread of its own, as the runner does (the host blocks its thread).
    func run(_ code: String) async -> ScriptRun {
        collector.output = ""
        nonisolated(unsafe) let engine = self.engine
        let outcome: RunOutcome = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: engine.run(SourceFile(name: "t.obsw", text: code)))
            }
            thread.stackSize = 64 << 20
            thread.start()
        }
        return ScriptRun(outcome: outcome, output: collector.output, engine: engine, emulator: emulator)
    }

    func restores() async throws -> (total: Int, counts: [String: Int]) {
        try await EmulatorControl.restores(emulator.endpoint)
    }

    /// Faults injected so far, by kind.
    func injected() async throws -> [String: Int] {
        try await EmulatorControl.injected(emulator.endpoint)
    }

    func close() async {
        await client.shutdown()
        await emulator.stop()
    }
}

/// Runs `body` with a fixture and closes it afterwards — awaited, also when `body` throws
/// or records a failure, so no emulator outlives its test.
func withFixture(_ make: @autoclosure () async throws -> Fixture, _ body: (Fixture) async throws -> Void) async throws {
    let fixture = try await make()
    do {
        try await body(fixture)
    } catch {
        await fixture.close()
        throw error
    }
    await fixture.close()
}

extension RetryPolicy {
    static let fastForTests = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20))
}

extension Value {
    var records: [ValueMap] {
        guard case .list(let items) = self else { return [] }
        return items.compactMap { if case .map(let m) = $0 { m } else { nil } }
    }
}

func outcomes(_ value: Value?) -> [String: Int] {
    var counts: [String: Int] = [:]
    for record in value?.records ?? [] { counts[record["outcome"]?.displayText ?? "?", default: 0] += 1 }
    return counts
}
