import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OBSWTestSupport
import OBSWorkflowEmulator
import Testing

/// The journal's promise — a rerun with the journal resumes nothing twice — under what breaks
/// it: a full disk, kill -9 at any moment, and two resumes of one graph at once. The
/// emulator runs as a process of its own and counts every restore that took effect.
@Suite(.serialized, .timeLimit(.minutes(5))) struct JournalProtocolTests {
    /// An emulator with `count` FAILED executions of graph `bulk`. `failAlways`: a resumed
    /// execution fails again at once (at `speed`), so a second resume would be accepted —
    /// exactly what a rerun must not send.
    func emulator(_ dir: TemporaryDirectory, count: Int, failAlways: Bool, speed: String) async throws -> EmulatorProcess {
        let scenario = dir.write("bulk.json", """
            {"graphs": [{"name": "bulk", "states": ["work"],
                         "seed": {"count": \(count), "failed": 1, "fail_always": \(failAlways ? 1 : 0), "running": 0}}]}
            """)
        let emulator = try await EmulatorProcess.start(["--scenario", scenario, "--speed", speed])
        try #require(!emulator.endpoint.isEmpty, "\(emulator.banner)")
        return emulator
    }

    func environment(_ emulator: EmulatorProcess, _ dir: TemporaryDirectory) -> [String: String] {
        emulator.clientEnvironment.merging(["HOME": dir.path, "XDG_STATE_HOME": dir.path + "/state"]) { a, _ in a }
    }

    static let resumeAll = "let failed = executions bulk --state FAILED\nlet r = resume bulk $failed --concurrency 16 --journal "

    @Test func aFullDiskStopsTheResumeAndTheRerunResumesNothingTwice() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let emulator = try await emulator(dir, count: 400, failAlways: false, speed: "0.01")
        defer { emulator.stop() }
        let journal = dir.path + "/journal.jsonl"
        // A file size limit of 8 KiB: the journal's writes fail part way (EFBIG), as on a full disk.
        let limited = try await runProgramInBackground(
            URL(fileURLWithPath: "/bin/bash"), ["-c", "ulimit -f 8; exec \"$0\" \"$@\"", obswBinary.path, "-c", Self.resumeAll + journal],
            environment: environment(emulator, dir))
        #expect(limited.status == 3, "\(limited.stderr)")
        #expect(limited.stderr.contains("the journal \(journal) could not be written (File too large)"), "\(limited.stderr)")
        let lines = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n")
        let intents = Set(lines.filter { $0.contains(#""intent":"resume""#) }.compactMap { $0.firstMatch(of: /"execution_name":"([^"]+)"/).map { String($0.1) } })
        let first = try await EmulatorControl.restores(emulator.endpoint)
        // Nothing was sent without its intent on disk, and the disk stopped the run early.
        #expect(first.total > 0 && first.total < 400, "\(first.total) restored")
        #expect(Set(first.counts.keys).isSubset(of: intents), "restored without an intent on disk")

        let rerun = try await runObswInBackground(["-c", Self.resumeAll + journal], environment: environment(emulator, dir))
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let after = try await EmulatorControl.restores(emulator.endpoint)
        #expect(after.total == 400)
        #expect(after.counts.values.allSatisfy { $0 == 1 }, "resumed twice: \(after.counts.filter { $0.value > 1 }.prefix(5))")
    }

    @Test func killNineAtRandomMomentsResumesNothingTwice() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let count = 300
        let emulator = try await emulator(dir, count: count, failAlways: true, speed: "50")
        defer { emulator.stop() }
        var random = SplitMix(seed: 20261202)
        var doubles = 0
        for round in 1...20 {
            try await resetRestoreCounts(emulator.endpoint)
            // Every execution failed again after the last round: wait until none is running.
            try await waitUntilNoneRunning(emulator, dir)
            let journal = "\(dir.path)/journal-\(round).jsonl"
            let killAfter = Int(random.next() % UInt64(count - 20)) + 1
            let run = Process()
            run.executableURL = obswBinary
            run.arguments = ["-c", Self.resumeAll + journal]
            run.environment = environment(emulator, dir).merging(["PATH": "/usr/bin:/bin"]) { a, _ in a }
            run.standardOutput = FileHandle.nullDevice
            run.standardError = FileHandle.nullDevice
            try run.run()
            // kill -9 once the service has applied `killAfter` restores (a condition, not a time).
            let endpoint = emulator.endpoint
            let seen = await EmulatorControl.restoresReached(endpoint, atLeast: killAfter)
            kill(run.processIdentifier, SIGKILL)
            await exitStatus(of: run)
            let rerun = try await runObswInBackground(["-c", Self.resumeAll + journal], environment: environment(emulator, dir))
            #expect(rerun.status == 0, "round \(round): \(rerun.stderr)")
            let counts = try await EmulatorControl.restores(emulator.endpoint)
            let twice = counts.counts.filter { $0.value > 1 }
            doubles += twice.count
            #expect(twice.isEmpty, "round \(round) (killed after \(seen) restores): resumed twice \(twice.prefix(5))")
            #expect(counts.counts.count >= count - 20, "round \(round): only \(counts.counts.count) resumed")
        }
        print("kill -9: 20 rounds, \(doubles) executions resumed twice")
    }

    @Test func twoResumesOfOneGraphNeverRunAlongside() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let emulator = try await emulator(dir, count: 300, failAlways: false, speed: "0.01")
        defer { emulator.stop() }
        let slow = "let failed = executions bulk --state FAILED\nlet r = resume bulk $failed --concurrency 4 --rps 100"
        let env = environment(emulator, dir), endpoint = emulator.endpoint
        async let first = runObswInBackground(["-c", slow], environment: env)
        _ = await EmulatorControl.restoresReached(endpoint, atLeast: 1)
        // The second, started while the first holds the lock: refused, naming the first.
        let refused = try await runObswInBackground(["-c", slow], environment: environment(emulator, dir))
        #expect(refused.status == 3, "\(refused.stderr)")
        #expect(refused.stderr.contains("another resume of bulk against \(emulator.endpoint) is running (pid "), "\(refused.stderr)")
        #expect(refused.stderr.contains("--wait-lock"))
        // A third waits for it with --wait-lock, then finds nothing left FAILED.
        let waiting = try await runObswInBackground(["-c", slow + " --wait-lock"], environment: environment(emulator, dir))
        let firstResult = try await first
        #expect(firstResult.status == 0, "\(firstResult.stderr)")
        #expect(waiting.status == 0, "\(waiting.stderr)")
        #expect(waiting.stderr.contains("waiting for it (--wait-lock)"), "\(waiting.stderr)")
        let counts = try await EmulatorControl.restores(emulator.endpoint)
        #expect(counts.total == 300 && counts.counts.values.allSatisfy { $0 == 1 })
    }

    @Test func aJournalThatIsNotAFileOrNotAJournalIsSaidSo() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let emulator = try await emulator(dir, count: 5, failAlways: false, speed: "0.01")
        defer { emulator.stop() }
        let fifo = dir.path + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let refused = try await runObswInBackground(["-c", Self.resumeAll + fifo], environment: environment(emulator, dir))
        #expect(refused.status == 3 && refused.stderr.contains("the journal \(fifo) is not a regular file"), "\(refused.stderr)")
        let garbage = dir.write("garbage.jsonl", "not json\n{\"also\": \"not an entry\"}\n\u{1}\u{2}\n")
        let run = try await runObswInBackground(["-c", Self.resumeAll + garbage], environment: environment(emulator, dir))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("journal \(garbage): 3 lines could not be read and were ignored"), "\(run.stderr)")
        #expect(try await EmulatorControl.restores(emulator.endpoint).total == 5)
    }

    // MARK: Helpers

    func resetRestoreCounts(_ endpoint: String) async throws {
        var request = URLRequest(url: URL(string: endpoint + "/-/emulator/restores")!)
        request.httpMethod = "DELETE"
        _ = try await URLSession.shared.data(for: request)
    }

    func waitUntilNoneRunning(_ emulator: EmulatorProcess, _ dir: TemporaryDirectory) async throws {
        let noneRunning = try await eventually(every: .milliseconds(50)) {
            let running = try await runObswInBackground(
                ["--output", "jsonl", "-c", "executions bulk --state RUNNING"], environment: environment(emulator, dir))
            return running.status == 0 && running.stdout.isEmpty
        }
        #expect(noneRunning, "executions still RUNNING after 30 s")
    }
}
