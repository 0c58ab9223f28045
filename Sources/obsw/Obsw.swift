import ArgumentParser
import OBSWorkflow
import OBSWorkflowEmulator
import ObswLang
import ObswRuntime
import ObswSystem
import ObswText

#if canImport(Glibc)
import Glibc
import ObswTerminal
#endif

struct Obsw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "obsw",
        abstract: "A command shell for Huawei Cloud OBS Data+ workflows.",
        discussion: """
            With no subcommand: the interactive shell on a terminal, -c CODE, or a program read \
            from standard input. Global options go before or after the subcommand name, never \
            after a script's FILE.
            """,
        version: ObswVersion.full,
        subcommands: [
            RunCommand.self, CheckCommand.self, TestCommand.self, FormatCommand.self, LanguageServerCommand.self, Config.self, ReportCommand.self, SnapshotCommand.self, PlanCommand.self, ApplyCommand.self, EmulatorCommand.self, VersionCommand.self,
            CompletionCommand.self, ManualCommand.self,
        ]
    )

    @OptionGroup var options: GlobalOptions

    @Option(name: .customShort("c"), help: "Run CODE and exit.")
    var code: String?

    func run() async throws {
        let connection = options.connection
        let session = try await Session(connection: connection)
        if code == nil, isatty(0) != 0 {
            let status = runInteractiveShell(session: session, options: options)
            await session.close()
            throw ExitCode(status)
        }
        // -c on a terminal shows its value as the shell would; piped, only when asked.
        let defaultFormat: OutputFormat = code != nil && isatty(1) != 0 ? .table : .none
        let runner = ScriptRunner(host: session.host, outputFormat: options.output ?? defaultFormat, color: options.color)
        let status: Int32
        if let code {
            status = runner.run(SourceFile(name: "<command line>", text: code))
        } else {
            status = runner.run(SourceFile(name: "<stdin>", bytes: readAllStandardInput()))
        }
        await session.close()
        throw ExitCode(status)
    }
}

/// Parses the command line; usage errors exit `ExitStatus.usage`, as scripts' do.
@main
enum Main {
    static func main() async {
        ProcessSetup.prepare()
        if let bad = MemoryLimit.configureFromEnvironment() {
            printError("OBSW_MEMORY_LIMIT '\(bad)' is not a size like 512MB or 8GB (0: no limit)")
            exit(ExitStatus.usage.rawValue)
        }
        do {
            let arguments: [String]
            do {
                arguments = try CommandLineOrder.normalize(Array(CommandLine.arguments.dropFirst()))
            } catch {
                printError(error.description)
                exit(ExitStatus.usage.rawValue)
            }
            var command = try Obsw.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = Obsw.exitCode(for: error)
            if code.rawValue == 64 {  // EX_USAGE from the argument parser: obsw's own status for usage
                writeError(Obsw.fullMessage(for: error))
                exit(ExitStatus.usage.rawValue)
            }
            Obsw.exit(withError: error)
        }
    }
}

func readAllStandardInput() -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if n < 0, errno == EINTR { continue }
        if n <= 0 { return bytes }
        bytes.append(contentsOf: chunk[0..<n])
    }
}

/// The options every command that runs code takes, before or after its name.
struct GlobalOptions: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions

    @Option(
        name: [.customShort("o"), .long],
        help: "Print the value of the last statement: table, tsv, json, or jsonl (one line per list element). With json and jsonl, print writes to standard error. Default for -c: table on a terminal, else nothing.")
    var output: OutputFormat?

    @Option(help: "Colour in tables and messages: auto (a terminal, unless NO_COLOR is set), always or never.")
    var color: ColorChoice = .auto

    @Flag(help: "In the shell, do not ask before resuming more than 20 executions.")
    var yes = false
}

/// Where to connect and as whom; shared by every command that talks to the service.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "The workflow service: obs (OBS Data+ v2, the default) or dwr (DWR v3); default: $OBSW_SERVICE or the profile's 'service'.")
    var service: ServiceKind?

    @Option(help: "The endpoint: https://HOST, http://127.0.0.1:PORT, or a bare host (https).")
    var endpoint: String?

    @Option(help: "The profile to read from the config file (default: $OBSW_PROFILE or 'default').")
    var profile: String?

    @Option(help: "The region, e.g. cn-north-4; gives the endpoint when none is set.")
    var region: String?

    @Option(help: "DWR's project id (default: $HUAWEICLOUD_SDK_PROJECT_ID or the profile's 'project_id').")
    var projectID: String?

    @Option(help: "The config file (default: $OBSW_CONFIG_FILE or ~/.config/obsw/config).", completion: .file())
    var configFile: String?

    @Flag(help: "Use an embedded emulator with demo data instead of the service.")
    var local = false

    @Option(help: "With --local: the emulator's workflows and executions from a scenario file (JSON; obsw snapshot writes one) instead of the demo data.", completion: .file(extensions: ["json"]))
    var scenario: String?

    @Flag(help: "Allow plain http to an endpoint that is not loopback (anyone on the path can read the traffic).")
    var allowInsecureHTTP = false

    @Option(help: "How long to wait for each answer before trying again, e.g. 10s or 2m (default 30s).")
    var requestTimeout: String?

    /// `--request-timeout`, checked by `validate`.
    var requestTimeoutDuration: Duration {
        requestTimeout.flatMap(DurationText.parse).map { .milliseconds($0) } ?? .seconds(30)
    }

    func validate() throws {
        if let requestTimeout {
            guard let ms = DurationText.parse(requestTimeout), ms > 0 else {
                throw ValidationError("--request-timeout '\(requestTimeout)' is not a duration like 500ms, 10s or 2m")
            }
            guard ms <= 86_400_000 else {
                throw ValidationError("--request-timeout must be at most 24h, not \(requestTimeout)")
            }
        }
        if local, endpoint != nil || profile != nil || region != nil || projectID != nil {
            throw ValidationError(
                "--local uses the embedded emulator; it cannot be combined with --endpoint, --profile, --region or --project-id")
        }
        if scenario != nil, !local { throw ValidationError("--scenario goes with --local (the embedded emulator serves it)") }
        if let projectID, projectID.isEmpty { throw ValidationError("--project-id is empty") }
        if let region, !Endpoint.isRegionName(region) {
            throw ValidationError("--region '\(Escape.terminal(region))' is not a region: lower-case letters, digits and '-', like cn-north-4")
        }
    }

    /// Resolves the settings; with `--local`, starts the embedded emulator (demo data, an
    /// ephemeral port) and points the settings at it with its keys. The caller stops it.
    func connect() async throws -> (ResolvedConfiguration, WorkflowEmulator?) {
        guard local else { return (try resolve(), nil) }
        var emulatorConfiguration = EmulatorConfiguration()
        if let scenario { emulatorConfiguration.scenario = try Scenario.load(path: scenario) }
        let emulator = try await WorkflowEmulator.start(emulatorConfiguration)
        let endpoint = try Endpoint(parsing: emulator.endpoint)
        let origin = "--local (the embedded emulator)"
        // --service (or OBSW_SERVICE) picks the emulator's face; a profile is not read here.
        let named = try ConfigurationResolver.namedServiceKind(option: self.service, environment: currentEnvironment())
        let service = named?.kind ?? .obs
        var origins = ["endpoint": origin, "region": origin, "access_key_id": origin, "secret_access_key": origin]
        if service == .dwr { origins["project_id"] = origin }
        origins["service"] = named?.origin
        let configuration = ResolvedConfiguration(
            service: service, projectID: service == .dwr ? emulator.configuration.projectID : nil,
            endpoint: endpoint, region: "local", credentials: EmulatorConfiguration.demoCredentials, profile: "local",
            configFile: "-", origins: origins)
        let face = service == .dwr ? "DWR v3" : "Data+"
        let data = scenario.map { "scenario \($0)" } ?? "demo data"
        printNote("using an embedded \(face) emulator at \(emulator.endpoint) with \(data) (--local)")
        return (configuration, emulator)
    }

    func resolve() throws(ConfigurationError) -> ResolvedConfiguration {
        try ConfigurationResolver.resolve(
            options: ConfigurationOptions(
                service: service, projectID: projectID, endpoint: endpoint, region: region, profile: profile,
                configFile: configFile),
            environment: currentEnvironment(), homeDirectory: getenv("HOME").map { String(cString: $0) })
    }

    /// The approvals the chosen profile requires of a plan (`require_approvals`), with its origin.
    func requiredApprovals() throws(ConfigurationError) -> (count: Int, origin: String?) {
        try ConfigurationResolver.requiredApprovals(
            options: ConfigurationOptions(profile: profile, configFile: configFile), environment: currentEnvironment(),
            homeDirectory: getenv("HOME").map { String(cString: $0) })
    }
}

struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        // Named, not derived from the type's name: deriving it costs a reflection lookup at
        // every start-up (docs/performance.md).
        commandName: "config", abstract: "Show the settings in force and where each comes from (secrets are never shown).")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let connection = options.connection
        let (configuration, emulator): (ResolvedConfiguration, WorkflowEmulator?)
        do {
            (configuration, emulator) = try await connection.connect()
        } catch {
            printError("\(error)")
            throw ExitCode(.usage)
        }
        print(configuration)
        do {
            let rule = try connection.requiredApprovals()
            print("require_approvals: \(rule.count)" + (rule.origin.map { "  (from \($0))" } ?? ""))
        } catch {
            await emulator?.stop()
            printError("\(error)")
            throw ExitCode(.usage)
        }
        if configuration.endpoint == nil || configuration.credentials == nil
            || (configuration.service == .dwr && configuration.projectID == nil)
        {
            printNote(ConfigurationHelp.howToConfigure(configFile: configuration.configFile, service: configuration.service))
        }
        if let endpoint = configuration.endpoint, endpoint.scheme == .http, !endpoint.isLoopback {
            printNote(
                connection.allowInsecureHTTP
                    ? "warning: plain http to \(endpoint.host): requests and answers travel unencrypted (--allow-insecure-http)"
                    : "warning: plain http to \(endpoint.host) will be refused (it is not loopback); use https, or --allow-insecure-http")
        }
        await emulator?.stop()
    }
}

/// One line on standard error, for notes that must not mix with a command's output. A
/// message may quote a file or a service: its controls are shown, not obeyed.
func printNote(_ message: String) { writeError("obsw: \(Escape.terminalLines(message))") }

func printError(_ message: String) { writeError("obsw: error: \(Escape.terminalLines(message))") }

func currentEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let text = String(cString: entry)
        if let equals = text.firstIndex(of: "=") {
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        pointer += 1
    }
    return result
}

extension ServiceKind: ExpressibleByArgument {
    /// `dwr`, `DWR` and `Dwr` are the same service.
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

enum ConfigurationHelp {
    /// What `obsw config` adds when an endpoint, credentials (or DWR's project id) are missing.
    static func howToConfigure(configFile: String, service: ServiceKind = .obs) -> String {
        let regions = Endpoint.dwrRegions.keys.sorted().joined(separator: ", ")
        if service == .dwr {
            return """
                DWR is not configured yet. Either:
                  - set HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and HUAWEICLOUD_SDK_PROJECT_ID (the official SDK's names;
                    HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary keys), and pass --region (\(regions)) or --endpoint;
                  - or write a profile to \(configFile) (mode 600):
                        [dwr]
                        service = dwr
                        region = cn-north-9
                        project_id = ...
                        access_key_id = ...
                        secret_access_key = ...
                    and choose it with --profile dwr or OBSW_PROFILE;
                  - or rehearse without an account: obsw --local --service dwr (an embedded emulator with demo data).
                """
        }
        return """
            not configured yet. Either:
              - set OBS_ENDPOINT (or OBS_REGION), OBS_ACCESS_KEY_ID and OBS_SECRET_ACCESS_KEY (and OBS_SECURITY_TOKEN for temporary keys);
              - or write a profile to \(configFile) (mode 600):
                    [default]
                    region = cn-north-4
                    access_key_id = ...
                    secret_access_key = ...
                and choose one with --profile NAME or OBSW_PROFILE;
              - or rehearse without an account: obsw --local (an embedded emulator with demo data).
            For DWR, add --service dwr (or 'service = dwr' to the profile): obsw config --service dwr says how.
            """
    }
}

extension ExitCode {
    /// Ends a command with one of obsw's documented statuses.
    init(_ status: ExitStatus) { self.init(status.rawValue) }
}
