import Dispatch
import OBSWorkflow
import ObswLang
import ObswRuntime
import ObswSystem
import ObswShell

/// Runs the interactive shell on an engine thread (libedit and the engine block it).
func runInteractiveShell(session: Session, options: GlobalOptions) -> Int32 {
    let connection = options.connection
    let environment = currentEnvironment()
    let resolved = connection.local ? nil : try? connection.resolve()
    // The secrets in use stay out of the history, even pasted without a telltale word.
    let secrets = [resolved?.credentials?.secretAccessKey.reveal(), resolved?.credentials?.securityToken?.reveal()]
    let history = ShellHistory(path: ShellHistory.defaultPath(environment: environment), secrets: secrets.compactMap { $0 })
    var label: String
    if connection.local {
        label = "local emulator"
    } else if let resolved {
        label = resolved.origins["endpoint"]?.hasPrefix("profile") == true ? resolved.profile : (resolved.endpoint?.host ?? "no endpoint")
    } else {
        label = "no endpoint"
    }
    // Which API the prompt's commands go to, when it is not the default.
    let service = connection.local ? session.localConfiguration?.service : resolved?.service
    if service == .dwr { label += ", DWR" }
    let host = session.host
    return EngineThread.run {
        var shell: Shell!
        let completer = Completer(
            catalog: Shell.catalog(for: host), variables: { shell?.globalNames ?? [] },
            graphs: { host.graphNamesForCompletion() },
            executions: { graph, command in host.executionNamesForCompletion(graph: graph, command: command) })
        let reader = EditLineReader(programName: "obsw", completer: completer, historyEntries: history.load(), historySize: history.limit)
        shell = Shell(
            host: host, reader: reader, history: history, label: label, loadedHistory: history.load(),
            outputPalette: options.color.palette(for: 1), errorPalette: options.color.palette(for: 2), confirmsBulk: !options.yes)
        let status = shell.run()
        reader.suspend()
        return status
    }
}
