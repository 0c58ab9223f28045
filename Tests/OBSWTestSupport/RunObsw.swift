import Foundation

/// What a run of the built `obsw` binary did.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Runs the `obsw` binary that `swift build` put beside the test bundle.
///
/// - Parameters:
///   - environment: the whole environment of the child (nothing is inherited but PATH), so a
///     developer's own OBS_* variables cannot leak into a test.
public func runObsw(
    _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil, workingDirectory: String? = nil
) throws -> CommandResult {
    try runProgram(obswBinary, arguments, environment: environment, stdin: stdin, workingDirectory: workingDirectory)
}

/// Runs any program the way `runObsw` runs obsw (a wrapper such as `bash -c 'ulimit ...; exec obsw'`).
public func runProgram(
    _ executable: URL, _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
    workingDirectory: String? = nil
) throws -> CommandResult {
    let process = Process()
    process.executableURL = executable
    if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
    process.arguments = arguments
    var env = environment
    env["PATH"] = env["PATH"] ?? "/usr/bin:/bin"
    process.environment = env
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    let writer = input.fileHandleForWriting
    let stdinData = stdin.map { Data($0.utf8) }
    // Write on another thread: a large input must not block against a child that writes first.
    DispatchQueue.global().async {
        if let stdinData { writer.write(stdinData) }
        try? writer.close()
    }
    // Read both pipes to the end before waiting, so a chatty child cannot block on a full pipe.
    let group = DispatchGroup()
    nonisolated(unsafe) var outData = Data(), errData = Data()
    DispatchQueue.global().async(group: group) { outData = out.fileHandleForReading.readDataToEndOfFile() }
    DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
    group.wait()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// `runObsw` on a thread of its own, for async tests: a child that talks to a server in the
/// test process must not hold one of the few threads that server needs to answer.
public func runObswInBackground(
    _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil, workingDirectory: String? = nil
) async throws -> CommandResult {
    try await runProgramInBackground(obswBinary, arguments, environment: environment, stdin: stdin, workingDirectory: workingDirectory)
}

/// `runProgram` on a thread of its own, for async tests. Tests run on the concurrency pool,
/// which has a thread per core; a test that waited there for a child process would starve
/// everything else on it (an in-process emulator answers on that pool), so every test that
/// runs a program runs it this way.
public func runProgramInBackground(
    _ executable: URL, _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
    workingDirectory: String? = nil
) async throws -> CommandResult {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            continuation.resume(with: Result {
                try runProgram(executable, arguments, environment: environment, stdin: stdin, workingDirectory: workingDirectory)
            })
        }.start()
    }
}

/// `.build/<config>/obsw`: the test bundle lives in the same folder.
public let obswBinary: URL = {
    var folder = Bundle.main.bundleURL
    if folder.pathExtension == "xctest" { folder.deleteLastPathComponent() }
    for candidate in [folder, folder.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("obsw")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return folder.appendingPathComponent("obsw")
}()

/// `obsw emulator` running as a process of its own (so its counters outlive a client).
public struct EmulatorProcess {
    public let process: Process
    public let endpoint: String
    /// What it printed on starting.
    public let banner: String

    /// Starts `obsw emulator --port 0 ARGUMENTS` and waits for its banner.
    public static func start(_ arguments: [String] = []) async throws -> EmulatorProcess {
        let (process, banner) = try await startProgram(
            obswBinary, ["emulator", "--port", "0"] + arguments, readyWhenOutputHas: "control:")
        let endpoint = banner.firstMatch(of: /serving the Data\+ workflow API on (http:\/\/127\.0\.0\.1:\d+)/)
            .map { String($0.1) } ?? ""
        return EmulatorProcess(process: process, endpoint: endpoint, banner: banner)
    }

    /// The emulator's demo keys as obsw reads them from the environment.
    public static let demoCredentials = ["OBS_ACCESS_KEY_ID": "OBSWEMULATORDEMOKEY", "OBS_SECRET_ACCESS_KEY": "obsw-emulator-demo-secret-key"]

    /// What obsw needs to use this emulator (Data+): its endpoint and the demo keys.
    public var clientEnvironment: [String: String] { Self.demoCredentials.merging(["OBS_ENDPOINT": endpoint]) { a, _ in a } }

    /// SIGTERM; the process is waited for on a thread of its own (SIGKILL if it has not ended
    /// after 30 s), so a `defer` in an async test never holds a pool thread while it stops.
    public func stop() {
        end(process)
    }
}

/// Ends `process` without holding the caller's thread: SIGTERM now, then it is reaped on a
/// thread of its own, with SIGKILL if it has not ended after `grace`. For `defer` in async
/// tests, where waiting on the concurrency pool would starve the in-process servers of others.
public func end(_ process: Process, grace: TimeInterval = 30) {
    guard process.isRunning else { return }
    process.terminate()
    let pid = process.processIdentifier
    Thread {
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }.start()
}

/// Waits for `process` to end on a thread of its own and returns its exit status: the
/// async form of `waitUntilExit`, which would hold one of the pool's few threads meanwhile.
@discardableResult
public func exitStatus(of process: Process) async -> Int32 {
    await withCheckedContinuation { (done: CheckedContinuation<Int32, Never>) in
        Thread {
            process.waitUntilExit()
            done.resume(returning: process.terminationStatus)
        }.start()
    }
}

/// Starts a long-running program and returns once its output (standard output and error
/// together) holds `marker` — or it ended — with what it printed so far. The output is read
/// on a thread of its own: a pool thread held while a loaded machine starts the process
/// would starve every other test (two such waits once stalled a whole run for 30 s).
public func startProgram(
    _ executable: URL, _ arguments: [String], environment: [String: String] = ["PATH": "/usr/bin:/bin"],
    readyWhenOutputHas marker: String
) async throws -> (Process, String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = environment
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let reader = output.fileHandleForReading
    let banner = await withCheckedContinuation { (done: CheckedContinuation<String, Never>) in
        Thread {
            var banner = ""
            while !banner.contains(marker) {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                banner += String(decoding: chunk, as: UTF8.self)
            }
            done.resume(returning: banner)
        }.start()
    }
    return (process, banner)
}

/// `../shared` beside the checkout (the runbooks that must run unchanged). CI has it; a
/// test that needs it is skipped, visibly, where it is missing — never passed.
public enum SharedFiles {
    public static let examples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/examples")

    public static var present: Bool { FileManager.default.fileExists(atPath: examples.path) }
}

/// The Python of `.venv-sdk` (made by scripts/setup-sdk), holding the official SDKs (OBS,
/// DWR) and pexpect; `$OBSW_SDK_PYTHON` overrides it. Nil when neither exists.
public enum SDKPython {
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var path: String? {
        if let configured = ProcessInfo.processInfo.environment["OBSW_SDK_PYTHON"] { return configured }
        let venv = packageRoot.appendingPathComponent(".venv-sdk/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }
}

/// Everything `process` writes to `output` until it ends, read (and waited for) on a
/// thread of its own, not one of the concurrency pool's few.
public func transcript(of process: Process, from output: Pipe) async -> String {
    await withCheckedContinuation { (done: CheckedContinuation<String, Never>) in
        Thread {
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            done.resume(returning: text)
        }.start()
    }
}
