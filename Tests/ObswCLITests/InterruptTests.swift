import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OBSWTestSupport
import Testing

/// SIGTERM (or Ctrl-C) in the middle of a script's bulk resume: no new calls start, calls
/// in flight finish, the script says what was resumed and what was not, and exits 130.
/// The emulator runs as a separate process so its counters outlive the script.
@Suite(.timeLimit(.minutes(5))) struct InterruptTests {
    @Test func sigtermDuringBulkResume() async throws {
        let emulator = try await EmulatorProcess.start(["--faults", "slow=1,slow-ms=300"])
        defer { emulator.stop() }
        let endpoint = emulator.endpoint
        #expect(!endpoint.isEmpty, "\(emulator.banner)")

        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let script = dir.write("bulk.obsw", """
            let failed = executions thumbnails --state FAILED
            let results = resume thumbnails $failed --concurrency 2
            print "not reached"
            """)
        let run = Process()
        run.executableURL = obswBinary
        run.arguments = ["run", script]
        run.environment = emulator.clientEnvironment.merging(["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"]) { a, _ in a }
        let output = Pipe()
        run.standardOutput = output
        run.standardError = output
        try run.run()
        // SIGTERM once the service has applied a first restore (a condition, not a time: on a
        // loaded machine the listing alone may take seconds), from a thread of its own: other
        // tests may hold every thread of the concurrency pool. Each answer takes 300 ms, so
        // most of the 44 targets are still to come.
        let killer = Thread {
            EmulatorControl.waitForRestores(endpoint, atLeast: 1)
            run.terminate()
        }
        killer.start()
        let transcript = await transcript(of: run, from: output)
        #expect(run.terminationStatus == 130, "\(transcript)")
        #expect(!transcript.contains("not reached"))
        // Targets never attempted say so: `not_attempted` (`skipped` means "not FAILED").
        let summary = try #require(transcript.firstMatch(of: /interrupted \(resume thumbnails: (\d+) resumed, (\d+) not_attempted/), "\(transcript)")
        let resumed = Int(summary.1)!, notAttempted = Int(summary.2)!
        #expect(resumed > 0 && notAttempted > 0 && resumed + notAttempted == 44)

        // What the script says it resumed is what the service applied: no more, no less.
        #expect(try await EmulatorControl.restores(endpoint).total == resumed)
    }
}
