import Dispatch
import OBSWorkflow
import OBSWorkflowEmulator
import ObswLang
import ObswRuntime

/// What a command that runs code needs: a service host connected lazily to the configured
/// endpoint (or to the embedded emulator with `--local`), and cleanup at the end.
final class Session: @unchecked Sendable {
    let host: ServiceHost
    private var emulator: WorkflowEmulator?

    init(connection: ConnectionOptions) async throws {
        var local: (ResolvedConfiguration, WorkflowEmulator?)?
        if connection.local {
            let (configuration, emulator) = try await connection.connect()
            local = (configuration, emulator)
            self.emulator = emulator
        }
        let resolvedLocal = local?.0
        host = ServiceHost(progress: .standardError()) { () throws(ScriptError) in
            do {
                let configuration = try resolvedLocal ?? connection.resolve()
                let (endpoint, credentials) = try configuration.requireEndpointAndCredentials()
                if connection.allowInsecureHTTP, endpoint.scheme == .http, !endpoint.isLoopback {
                    printNote("warning: plain http to \(endpoint.host): requests and answers travel unencrypted (--allow-insecure-http)")
                }
                return try OBSWorkflowClient(
                    settings: TransportSettings(
                        endpoint: endpoint, credentials: credentials, requestTimeout: connection.requestTimeoutDuration,
                        maxConnections: 128, allowInsecureHTTP: connection.allowInsecureHTTP),
                    logger: ProcessSetup.clientLogger)
            } catch {
                throw ScriptError(.runtime, "\(error)", code: .badArgument)
            }
        }
    }

    /// Closes connections and stops the embedded emulator.
    func close() async {
        await host.client?.shutdown()
        await emulator?.stop()
    }
}

/// `--output`: how `run` and `-c` show the value of the last statement.
enum OutputFormat: String, CaseIterable {
    case none, json, jsonl

    func render(_ value: Value) -> String? {
        switch self {
        case .none: return nil
        case .json: return JSONBridge.jsonLenient(value).jsonText + "\n"
        case .jsonl:
            guard case .list(let items) = value else { return JSONBridge.jsonLenient(value).jsonText + "\n" }
            return items.map { JSONBridge.jsonLenient($0).jsonText + "\n" }.joined()
        }
    }
}
