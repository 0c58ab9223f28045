import Hummingbird
import Logging
import NIOCore
import OBSWorkflow
import ServiceLifecycle
import Synchronization

/// How to run the emulator.
public struct EmulatorConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port.
    public var port: Int
    /// Key pairs accepted; requests signed with any other key are refused.
    public var credentials: [Credentials]
    /// Simulated durations are divided by this (2 runs twice as fast).
    public var speed: Double
    public var faults: FaultSpec
    public var scenario: Scenario
    public var maxBodyBytes: Int
    public var logger: Logger
    /// How far the emulator's clock runs ahead of this machine's (negative: behind), to
    /// rehearse what a client with a skewed clock sees.
    public var clockOffsetMilliseconds = 0
    /// Restores a second the emulator grants before refusing with 429 (`--rate-limit`).
    public var restoreRateLimit: Int?
    /// The project the DWR v3 face serves under `/v3/{project_id}/...`.
    public var projectID = EmulatorConfiguration.demoProjectID

    /// The project id served when none is given (printed at start).
    public static let demoProjectID = "0b5e7c9e1f2a4d6b8c0e2f4a6b8d0e1f"

    /// The demo key pair: accepted when no other is given, and printed at start.
    public static let demoCredentials = Credentials(
        accessKeyID: "OBSWEMULATORDEMOKEY", secretAccessKey: Secret("obsw-emulator-demo-secret-key"))

    /// Warnings and errors only: the server's start-up chatter would clutter the shell.
    public static var quietLogger: Logger {
        var logger = Logger(label: "obsw.emulator")
        logger.logLevel = .warning
        return logger
    }

    public init(
        host: String = "127.0.0.1", port: Int = 0, credentials: [Credentials] = [demoCredentials], speed: Double = 1,
        faults: FaultSpec = .none, scenario: Scenario = .demo, maxBodyBytes: Int = 1 << 20,
        logger: Logger = EmulatorConfiguration.quietLogger
    ) {
        self.host = host
        self.port = port
        self.credentials = credentials
        self.speed = speed
        self.faults = faults
        self.scenario = scenario
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
    }
}

/// A local Data+ workflow service: real HTTP on loopback, the same wire protocol, signatures,
/// errors and execution behaviour as the cloud service, with deterministic failures and
/// injectable faults. Start it in-process with `start`, stop it with `stop`.
public final class WorkflowEmulator: Sendable {
    public let port: Int
    public let configuration: EmulatorConfiguration
    private let task: Task<Void, Never>
    private let group: ServiceGroup
    private let faults: FaultInjector
    private let store: EmulatorStore

    /// Starts serving and returns once the port is bound.
    public static func start(_ configuration: EmulatorConfiguration) async throws -> WorkflowEmulator {
        // Kept within a hundred years (as `obsw emulator` checks), so the clock cannot overflow.
        let limit = 100 * 365 * 86_400_000
        let offset = min(max(configuration.clockOffsetMilliseconds, -limit), limit)
        let clock: @Sendable () -> Int = { WallClock.nowMilliseconds() + offset }
        let store = EmulatorStore(speed: configuration.speed)
        try configuration.scenario.seed(into: store, now: clock())
        let faults = FaultInjector(spec: configuration.faults)
        let dispatcher = Dispatcher(
            store: store, authenticator: Authenticator(credentials: configuration.credentials), faults: faults,
            maxBodyBytes: configuration.maxBodyBytes, clock: clock, projectID: configuration.projectID,
            quota: configuration.restoreRateLimit.map(Quota.init(perSecond:)))

        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let failure = Mutex<(any Error)?>(nil)
        let app = Application(
            responder: dispatcher,
            server: .http1(configuration: .init(idleTimeout: .seconds(120))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: configuration.logger)
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: configuration.logger))
        let task = Task {
            do { try await group.run() } catch { failure.withLock { $0 = error } }
            continuation.finish()
        }
        for await port in ports {
            return WorkflowEmulator(
                port: port, configuration: configuration, task: task, group: group, faults: faults, store: store)
        }
        throw failure.withLock { $0 } ?? EmulatorStartError(description: "the emulator stopped before serving")
    }

    private init(
        port: Int, configuration: EmulatorConfiguration, task: Task<Void, Never>, group: ServiceGroup,
        faults: FaultInjector, store: EmulatorStore
    ) {
        self.store = store
        self.port = port
        self.configuration = configuration
        self.task = task
        self.group = group
        self.faults = faults
    }

    /// `http://127.0.0.1:PORT`
    public var endpoint: String {
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return "http://\(host):\(port)"
    }

    /// Replaces the fault spec while running (the control endpoint does the same over HTTP).
    public func setFaults(_ spec: FaultSpec) { faults.set(spec) }

    /// Restores that took effect, per execution (only those restored at least once), by graph
    /// and name: what `emulator_restores()` shows a runbook test.
    public func restoreCounts() -> [(graph: String, execution: String, count: Int)] { store.restoreCounts() }

    /// Stops accepting connections, lets requests in flight finish, and returns when done.
    public func stop() async {
        await group.triggerGracefulShutdown()
        await task.value
    }
}

public struct EmulatorStartError: Error, CustomStringConvertible {
    public var description: String
}
