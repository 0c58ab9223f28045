import ArgumentParser
import Dispatch
import OBSWorkflow
import OBSWorkflowEmulator

#if canImport(Glibc)
import Glibc
import ObswTerminal
#endif

struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Run a local workflow emulator, OBS Data+ v2 and DWR v3 (for testing runbooks and SDK code offline).",
        discussion: """
            Serves the Data+ workflow API (v2) and the DWR API (v3, under /v3/PROJECT_ID) on \
            loopback, over the same demo data: workflows 'thumbnails' and 'transcode' with a few \
            hundred executions, some FAILED and ready to resume. Executions really run; an object \
            key containing fail-once, fail-twice, fail-always or slow decides how they fail. Stop it \
            with Ctrl-C.
            """)

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 9000

    @Option(help: "A scenario file (JSON) to load instead of the demo data.", completion: .file(extensions: ["json"]))
    var scenario: String?

    @Flag(help: "Print the JSON Schema of scenario files and exit.")
    var scenarioSchema = false

    @Option(help: "Run simulated time faster (2 = twice as fast).")
    var speed = 1.0

    @Option(help: "Faults to inject, e.g. '500=0.2,429=0.05,drop=0.02,restore-drop=0.02'.")
    var faults: String?

    @Option(help: "Run the emulator's clock ahead of this machine's (e.g. 1h, or -20m for behind), to see what a skewed clock looks like.")
    var clockOffset: String?

    @Option(help: "The access key id to accept (with --secret-key); default: a printed demo pair.")
    var accessKey: String?

    @Option(help: "The secret access key to accept (with --access-key).")
    var secretKey: String?

    @Option(help: "The project id the DWR v3 face serves (default: a printed demo id).")
    var projectID: String?

    /// `--project-id` as the command line arrives here: the argument parser would give the
    /// top-level (connection) option of that name precedence, so `CommandLineOrder` renames
    /// it after `emulator`.
    @Option(name: .customLong("emulator-project-id"), help: .hidden)
    var renamedProjectID: String?

    var servedProjectID: String? { renamedProjectID ?? projectID }

    /// `--scenario`, renamed after `emulator` as `--project-id` is.
    @Option(name: .customLong("emulator-scenario"), help: .hidden)
    var renamedScenario: String?

    var servedScenario: String? { renamedScenario ?? scenario }

    @Option(help: "A restore quota: refuse restores above N a second with 429 and Retry-After, as a throttled service does.")
    var rateLimit: Int?

    func validate() throws {
        guard (accessKey == nil) == (secretKey == nil) else {
            throw ValidationError("--access-key and --secret-key go together")
        }
        guard speed.isFinite, Self.speeds.contains(speed) else {
            throw ValidationError("--speed must be a number from 0.0001 to 10000, not \(speed)")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0-65535") }
        if let rateLimit, !(1...1_000_000).contains(rateLimit) {
            throw ValidationError("--rate-limit must be 1 to 1000000 restores a second, not \(rateLimit)")
        }
        if let projectID = servedProjectID {
            guard !projectID.isEmpty, projectID.utf8.count <= 64, projectID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            else {
                throw ValidationError("--project-id must be 1-64 letters, digits, '-' or '_', not '\(projectID)'")
            }
        }
        if let clockOffset {
            guard let offset = Self.offsetMilliseconds(clockOffset) else {
                throw ValidationError("--clock-offset '\(clockOffset)' is not a duration like 90s, 20m, 1h or -1h")
            }
            guard offset.magnitude <= Self.maximumClockOffset else {
                throw ValidationError("--clock-offset must be within 100 years of this machine's clock, not \(clockOffset)")
            }
        }
    }

    static let speeds = 0.0001...10_000.0
    /// Milliseconds: a hundred years either way keeps every simulated time far from overflow.
    static let maximumClockOffset: UInt = 100 * 365 * 86_400_000

    /// `1h`, `-20m`: milliseconds ahead (negative: behind).
    static func offsetMilliseconds(_ text: String) -> Int? {
        DurationText.parse(text)
    }

    func run() async throws {
        if scenarioSchema {
            writeAll(1, Array(ScenarioSchema.text.utf8))
            return
        }
        var configuration = EmulatorConfiguration(host: host, port: port, speed: speed)
        configuration.clockOffsetMilliseconds = clockOffset.flatMap(Self.offsetMilliseconds) ?? 0
        if let projectID = servedProjectID { configuration.projectID = projectID }
        configuration.restoreRateLimit = rateLimit
        if let accessKey, let secretKey {
            configuration.credentials = [Credentials(accessKeyID: accessKey, secretAccessKey: Secret(secretKey))]
        }
        do {
            if let faults { configuration.faults = try FaultSpec(parsing: faults) }
            if let scenario = servedScenario { configuration.scenario = try Scenario.load(path: scenario) }
        } catch {
            printError("\(error)")
            throw ExitCode(.usage)
        }
        let emulator: WorkflowEmulator
        do {
            emulator = try await WorkflowEmulator.start(configuration)
        } catch {
            printError("cannot start the emulator on \(host):\(port): \(error)")
            throw ExitCode(.runtime)
        }
        let key = configuration.credentials[0]
        var lines = ["obsw emulator: serving the Data+ workflow API on \(emulator.endpoint)"]
        lines.append("  DWR v3:            \(emulator.endpoint)/v3/\(configuration.projectID)/... (--service dwr)")
        lines.append("  project id:        \(configuration.projectID)" + (servedProjectID == nil ? "   (demo id)" : ""))
        lines.append("  access key id:     \(key.accessKeyID)")
        if accessKey == nil {
            lines.append("  secret access key: \(key.secretAccessKey.reveal())   (demo pair, accepted only by this emulator)")
        }
        if !configuration.faults.description.isEmpty { lines.append("  faults:            \(configuration.faults)") }
        if speed != 1 { lines.append("  speed:             \(speed)x") }
        if let rateLimit { lines.append("  restore quota:     \(rateLimit)/s (429 above it)") }
        if let clockOffset { lines.append("  clock offset:      \(clockOffset) from this machine's clock") }
        lines.append("  control:           \(emulator.endpoint)/-/emulator")
        if !(host == "127.0.0.1" || host == "localhost" || host == "::1") {
            lines.append("  warning: listening on \(host), not loopback: anyone who can reach it can use it")
        }
        writeLine(lines.joined(separator: "\n"))

        await waitForTerminationSignal()
        writeLine("obsw emulator: stopping")
        await emulator.stop()
    }
}

/// Waits for SIGINT or SIGTERM.
func waitForTerminationSignal() async {
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    let (stream, continuation) = AsyncStream<Void>.makeStream()
    let sources = [SIGINT, SIGTERM].map { number in
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { continuation.yield() }
        source.resume()
        return source
    }
    for await _ in stream { break }
    sources.forEach { $0.cancel() }
}

/// Writes a line to standard output at once (print would buffer it when stdout is a pipe).
func writeLine(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}
