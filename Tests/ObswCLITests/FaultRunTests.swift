import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OBSWTestSupport
import OBSWorkflow
import Testing

/// A bulk resume while the service fails a third of its answers — 500/503 (20 %), 429 with
/// Retry-After (5 %), dropped connections (2 %), and restores applied whose answer is lost
/// (2 %) — run as a user runs it: the `obsw` binary against `obsw emulator` in a process of
/// its own. Every FAILED execution must be resumed exactly once by the emulator's own
/// counters, every record must say what happened, and the printed summary must agree.
///
/// 600 executions by default (seconds); `OBSW_FAULT_RUN_SIZE=5000` for the long run
/// (`scripts/reliability` sets it).
@Suite(.timeLimit(.minutes(5))) struct FaultRunTests {
    static let size = ProcessInfo.processInfo.environment["OBSW_FAULT_RUN_SIZE"].flatMap(Int.init) ?? 600
    static let faults = "500=0.1,503=0.1,429=0.05,retry-after=1,drop=0.02,restore-drop=0.02,seed=20261202"

    @Test func everyExecutionResumedExactlyOnceUnderFaults() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        // Slow simulated time: a resumed execution stays RUNNING, so a second restore would
        // be refused rather than silently applied, and "FAILED" can only mean "not resumed".
        let scenario = dir.write("bulk.json", """
            {"graphs": [{"name": "bulk", "states": ["work"],
                         "seed": {"count": \(Self.size), "failed": 1, "fail_always": 0, "running": 0}}]}
            """)
        let emulator = try await EmulatorProcess.start(["--scenario", scenario, "--speed", "0.01", "--faults", Self.faults])
        defer { emulator.stop() }
        #expect(!emulator.endpoint.isEmpty, "\(emulator.banner)")
        let environment = emulator.clientEnvironment.merging(["HOME": "/nonexistent"]) { a, _ in a }

        let run = try await runObswInBackground(
            ["--output", "jsonl", "-c", "let failed = executions bulk --state FAILED\nresume bulk $failed --concurrency 64"],
            environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        let records = try run.stdout.split(separator: "\n").map { try JSONParser.parse(Array($0.utf8)) }
        #expect(records.count == Self.size)
        let resumed = records.filter { $0["outcome"]?.stringValue == "resumed" }
        let others = records.filter { $0["outcome"]?.stringValue != "resumed" }
        #expect(others.isEmpty, "not resumed: \(others.prefix(5).map { "\($0)" })")

        // The service's own count: each execution restored exactly once, and those are the
        // executions the records call resumed.
        let counters = try await EmulatorControl.restores(emulator.endpoint)
        #expect(counters.total == Self.size)
        #expect(counters.counts.count == Self.size)
        let twice = counters.counts.filter { $0.value != 1 }
        #expect(twice.isEmpty, "restored more than once: \(twice.prefix(5))")
        #expect(Set(resumed.compactMap { $0["execution_name"]?.stringValue }) == Set(counters.counts.keys))

        // A resumed record carries what the service returned (or read back after a lost answer).
        #expect(resumed.allSatisfy { $0["restored_at"]?.stringValue.flatMap(WireDate.parseISO8601) != nil })
        #expect(resumed.allSatisfy { $0["execution_urn"]?.stringValue?.isEmpty == false })

        // The summary printed for the operator matches the counters.
        let summary = try #require(run.stderr.firstMatch(of: /resume bulk: (\d+) resumed/), "\(run.stderr)")
        #expect(Int(summary.1) == counters.total)

        // The faults really happened, and lost answers were confirmed by reading, not re-sent.
        let injected = try await EmulatorControl.injected(emulator.endpoint)
        for kind in ["500", "503", "429", "drop", "restore-drop"] {
            #expect((injected[kind] ?? 0) > 0, "no \(kind) injected: \(injected)")
        }
        let confirmed = resumed.filter { $0["reason"]?.stringValue?.contains("confirmed") == true }
        #expect(!confirmed.isEmpty && confirmed.count <= injected["restore-drop"] ?? 0)

        // Nothing is left FAILED.
        let left = try await runObswInBackground(["--output", "jsonl", "-c", "executions bulk --state FAILED"], environment: environment)
        #expect(left.status == 0 && left.stdout.isEmpty, "\(left.stdout.prefix(500)) \(left.stderr)")
    }
}
