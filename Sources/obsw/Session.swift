import ArgumentParser
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import OBSWorkflow
import OBSWorkflowEmulator
import ObswLang
import ObswRuntime
import ObswTerminal
import ObswText

/// What a command that runs code needs: a service host connected lazily to the configured
/// endpoint (or to the embedded emulator with `--local`), and cleanup at the end.
final class Session: @unchecked Sendable {
    let host: ServiceHost
    /// With `--local`: the embedded emulator's settings (its face, DWR or Data+, among them).
    let localConfiguration: ResolvedConfiguration?
    private var emulator: WorkflowEmulator?

    init(connection: ConnectionOptions) async throws {
        var local: (ResolvedConfiguration, WorkflowEmulator?)?
        if connection.local {
            let (configuration, emulator): (ResolvedConfiguration, WorkflowEmulator?)
            do { (configuration, emulator) = try await connection.connect() } catch let error as ScenarioError {
                printError(error.description)
                throw ExitCode(.usage)
            }
            local = (configuration, emulator)
            self.emulator = emulator
        }
        let resolvedLocal = local?.0
        localConfiguration = resolvedLocal
        host = ServiceHost(progress: ProgressReporter.standardError()) { () throws(ScriptError) in
            do { return try connection.client(for: resolvedLocal) } catch {
                throw ScriptError(.runtime, "\(error)", code: .badArgument)
            }
        }
        host.isLocal = connection.local
        if !connection.local { host.profileName = { connection.profileInForce() } }
        if let emulator { host.emulatorRestoreCounts = { emulator.restoreCounts() } }
    }

    /// Closes connections and stops the embedded emulator.
    func close() async {
        await host.service?.shutdown()
        await emulator?.stop()
    }
}

extension ConnectionOptions {
    /// A client of the configured service (`local`: the settings of the embedded emulator).
    /// Errors: the configuration's (`ConfigurationError`), or the client's when it cannot
    /// be made (`OBSWorkflowError`); each says what to change.
    func client(for local: ResolvedConfiguration? = nil) throws -> any WorkflowService {
        let configuration = try local ?? resolve()
        let (endpoint, credentials) = try configuration.requireEndpointAndCredentials()
        if allowInsecureHTTP, endpoint.scheme == .http, !endpoint.isLoopback {
            printNote("warning: plain http to \(endpoint.host): requests and answers travel unencrypted (--allow-insecure-http)")
        }
        let settings = TransportSettings(
            endpoint: endpoint, credentials: credentials, requestTimeout: requestTimeoutDuration,
            maxConnections: 128, allowInsecureHTTP: allowInsecureHTTP)
        switch configuration.service {
        case .obs: return try OBSWorkflowClient(settings: settings, logger: ProcessSetup.clientLogger)
        case .dwr:
            return try DWRWorkflowClient(settings: settings, projectID: configuration.projectID ?? "", logger: ProcessSetup.clientLogger)
        }
    }
}

extension ConnectionOptions {
    /// For a command that talks to the service once and ends (`snapshot`, `apply`): the
    /// settings, the embedded emulator with `--local`, and a client. A configuration that
    /// cannot be used is said and exits 2. The caller shuts the client and the emulator down.
    func connectOnce() async throws -> (ResolvedConfiguration, WorkflowEmulator?, any WorkflowService) {
        let configuration: ResolvedConfiguration
        let emulator: WorkflowEmulator?
        do { (configuration, emulator) = try await connect() } catch {
            printError("\(error)")
            throw ExitCode(.usage)
        }
        do { return (configuration, emulator, try client(for: emulator == nil ? nil : configuration)) } catch {
            await emulator?.stop()
            printError("\(error)")
            throw ExitCode(.usage)
        }
    }

    /// The profile a setting in force came from, or the one named (`--profile`,
    /// `OBSW_PROFILE`); nil when every setting came from options and the environment.
    func profileInForce() -> String? {
        guard let configuration = try? resolve() else { return nil }
        let named = profile != nil || !(currentEnvironment()["OBSW_PROFILE"] ?? "").isEmpty
        let used = configuration.origins.values.contains { $0.hasPrefix("profile '") }
        return named || used ? configuration.profile : nil
    }
}

/// `--output`: how `run` and `-c` show the value of the last statement.
enum OutputFormat: String, CaseIterable {
    case none, json, jsonl, table, tsv

    /// json and jsonl own standard output: `print` goes to standard error.
    var ownsStandardOutput: Bool { self == .json || self == .jsonl }

    func render(_ value: Value, palette: Palette = .plain) -> String? {
        switch self {
        case .none: return nil
        case .json: return JSONBridge.jsonLenient(value).jsonText + "\n"
        case .jsonl:
            guard case .list(let items) = value else { return JSONBridge.jsonLenient(value).jsonText + "\n" }
            return items.map { JSONBridge.jsonLenient($0).jsonText + "\n" }.joined()
        case .table:
            if value.isNull { return nil }
            // Every column when piped; as many as fit on a terminal.
            return Display.render(value, width: isatty(1) != 0 ? terminalColumns() : Int.max, palette: palette) + "\n"
        case .tsv:
            return TabSeparated.render(value)
        }
    }
}

extension ColorChoice: ExpressibleByArgument {}
