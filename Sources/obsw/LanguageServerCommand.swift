import ArgumentParser
import Dispatch
import OBSWorkflow
import ObswLang
import ObswLanguageServer
import ObswRuntime
import ObswSystem
import ObswTerminal

/// `obsw lsp`: the language server, for editors (docs/editors.md).
struct LanguageServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lsp", abstract: "Serve the Language Server Protocol on standard input and output, for editors.",
        discussion: """
            Diagnostics as obsw check reports them, completion (commands, options and their \
            values, variables, graph names), hover (help), definition, references, symbols and \
            formatting (obsw fmt) for .obsw files. Graph names are completed when a service can \
            be reached: --profile or --local here, or the editor's initialization options \
            {"obsw": {"profile": "prod"}} or {"obsw": {"local": true}}; they are fetched in the \
            background and kept for a minute. docs/editors.md shows how to set up neovim, VS \
            Code, Helix and Emacs.
            """)

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let connections = Connections(base: options.connection)
        let host = LanguageServerHost(
            makeEngine: {
                let engine = Engine(host: ServiceHost { () throws(ScriptError) in throw ScriptError(.runtime, "the language server runs nothing") })
                engine.define("args", .list([]))
                engine.define("vars", .map(ValueMap()))
                return engine
            },
            graphNames: { profile, local in connections.graphNames(profile: profile, local: local) },
            version: ObswVersion.current)
        let server = LanguageServer(host: host)
        if options.connection.local || options.connection.profile != nil {
            server.reach(profile: options.connection.profile, local: options.connection.local)
        }
        let status = server.run()
        throw ExitCode(status)
    }
}

/// The services the editor's settings name, connected once each and kept: the embedded
/// emulator of `local` starts on the first completion that needs it.
final class Connections: @unchecked Sendable {
    let base: ConnectionOptions
    private let sessions = Locked<[String: SessionBox]>([:])

    final class SessionBox: @unchecked Sendable {
        let session: Session
        init(_ session: Session) { self.session = session }
    }

    init(base: ConnectionOptions) { self.base = base }

    /// Every graph's name, or nil when the service cannot be reached (said on standard error).
    func graphNames(profile: String?, local: Bool) -> [String]? {
        var connection = base
        connection.local = local
        if let profile { connection.profile = profile }
        let key = local ? "local" : "profile \(profile ?? "")"
        let sessions = self.sessions
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var names: [String]?
        Task {
            do {
                let box: SessionBox
                if let kept = sessions.withLock({ $0[key] }) {
                    box = kept
                } else {
                    box = SessionBox(try await Session(connection: connection))
                    sessions.withLock { $0[key] = box }
                }
                let client = try box.session.host.connectedClient()
                names = try await client.workflows().collect().compactMap(\.name)
            } catch {
                writeError("obsw lsp: no graph names from \(key): \(error)")
            }
            done.signal()
        }
        done.wait()
        return names
    }
}
