import Foundation
import OBSWTestSupport
import Testing

/// `resume … --canary N [--max-refail P%]`: a small first batch, waited for, before the rest
/// — against the emulator, whose object keys decide which executions fail again.
@Suite(.timeLimit(.minutes(5))) struct CanaryTests {
    /// Nine FAILED executions of `thumbnails`: `always` fail again when resumed, `once` do not.
    static let setup = """
        let graph = "thumbnails"
        let always = [$(start $graph --bucket demo --object "photos/canary-fail-always-$i.jpg") for i in range(0, 3)]
        let once = [$(start $graph --bucket demo --object "photos/canary-fail-once-$i.jpg") for i in range(0, 6)]
        let first = wait $graph $always $once --timeout 1m
        expect len([e for e in first if e.execution_state == "FAILED"]) == 9

        """

    func run(_ script: String, environment: [String: String] = [:]) async throws -> CommandResult {
        try await runObswInBackground(["--local", "-c", Self.setup + script], environment: ["HOME": "/nonexistent"].merging(environment) { $1 })
    }

    @Test func canariesThatFailAgainStopTheRest() async throws {
        let result = try await run("""
            try {
                resume $graph $always $once --canary 2 --max-refail 50%
                expect false, "the canary stops the resume"
            } catch err {
                expect contains(err.message, "canary: 2 of 2 failed again (100%, more than --max-refail 50%); the other 7 were not attempted")
                expect len(err.failed_again) == 2
                expect err.failed_again[0].state == "publish" and contains(err.failed_again[0].error, "simulated failure of publish")
                expect [r.outcome for r in err.results][0:2] == ["resumed", "resumed"]
                expect len([r for r in err.results[2:] if r.outcome == "not_attempted"]) == 7
                expect contains(err.results[0].reason, "canary: FAILED in publish")
                expect contains(err.results[2].reason, "canary: 2 of 2 failed again")
            }
            let now = executions $graph --state FAILED
            let once_names = [o.execution_name for o in once]
            expect len([e for e in now if contains(once_names, e.execution_name)]) == 6, "the rest stay FAILED, untouched"
            """)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("resume thumbnails: canary of 2, then 7 more if at most 50% fail again"), "\(result.stderr)")
        #expect(result.stderr.contains("9 passed, 0 failed"), "\(result.stderr)")
    }

    @Test func canariesThatRecoverLetTheRestGo() async throws {
        let result = try await run("""
            let results = resume $graph $once $always --canary 3 --max-refail 34%
            expect len([r for r in results if r.outcome == "resumed"]) == 9
            expect len([r for r in results if contains(r.reason ?? "", "canary: SUCCESS")]) == 3
            """)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("canary passed (0 of 3 failed again); resuming the other 6"), "\(result.stderr)")
        #expect(result.stderr.contains("3 passed, 0 failed"), "\(result.stderr)")
        // One of three failing again is 33.3%: within 34%, beyond 33%.
        let within = try await run("""
            let mixed = [$always[0]] + $once
            let results = resume $graph $mixed --canary 3 --max-refail 34%
            expect len([r for r in results if r.outcome == "resumed"]) == 7
            """)
        #expect(within.stderr.contains("canary passed (1 of 3 failed again)"), "\(within.stderr)")
        #expect(within.status == 0, "\(within.stderr)")
        let beyond = try await run("""
            let mixed = [$always[0]] + $once
            let results = resume $graph $mixed --canary 3 --max-refail 33%
            """)
        #expect(beyond.status == 3, "\(beyond.stderr)")
        #expect(beyond.stderr.contains("1 of 3 failed again (33.3%, more than --max-refail 33%)"), "\(beyond.stderr)")
    }

    @Test func badCanaryOptionsAreRefusedBeforeAnythingIsSent() async throws {
        let literal = try await runObswInBackground(["--local", "-c", "resume thumbnails exec-0001 --canary 2 --max-refail 150%"])
        #expect(literal.status == 2)
        #expect(literal.stderr.contains("--max-refail takes a percentage from 0% to 100%"), "\(literal.stderr)")
        // Which option goes with which is in resume's declaration: checked before anything
        // runs, by `obsw check` too (it was a run-time error, exit 3, after the run began).
        let alone = try await runObswInBackground(["--local", "-c", "resume thumbnails exec-0001 --max-refail 10%"])
        #expect(alone.status == 2)
        #expect(alone.stderr.contains("resume: --max-refail goes with --canary N [OBSW313]"), "\(alone.stderr)")
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let script = dir.write("t.obsw", "resume thumbnails exec-0001 --canary-timeout 1m\n")
        let checked = try await runObswInBackground(["check", script])
        #expect(checked.status == 2)
        #expect(checked.stderr.contains("resume: --canary-timeout goes with --canary N [OBSW313]"), "\(checked.stderr)")
    }

    /// Ctrl-C while waiting for the canary: the rest are not attempted, the exit is 130.
    @Test func interruptedWhileWaitingForTheCanary() async throws {
        let emulator = try await EmulatorProcess.start()
        defer { emulator.stop() }
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        // `slow` keys: the resumed canaries run for seconds, so the interruption finds the wait.
        let script = dir.write("canary.obsw", """
            let graph = "thumbnails"
            let slow = [$(start $graph --bucket demo --object "photos/slow-fail-once-$i.jpg") for i in range(0, 4)]
            let first = wait $graph $slow --timeout 2m
            let results = resume $graph $slow --canary 1
            """)
        let run = Process()
        run.executableURL = obswBinary
        run.arguments = ["run", script]
        run.environment = emulator.clientEnvironment.merging(["PATH": "/usr/bin:/bin", "HOME": dir.path]) { a, _ in a }
        let output = Pipe()
        run.standardOutput = output
        run.standardError = output
        try run.run()
        // SIGINT once the canary's resume took effect (a condition, from a thread of its own).
        let endpoint = emulator.endpoint
        let killer = Thread {
            EmulatorControl.waitForRestores(endpoint, atLeast: 1)
            kill(run.processIdentifier, SIGINT)
        }
        killer.start()
        let transcript = await transcript(of: run, from: output)
        #expect(run.terminationStatus == 130, "\(transcript)")
        #expect(transcript.contains("1 resumed, 3 not_attempted"), "\(transcript)")
        let restores = try await EmulatorControl.restores(emulator.endpoint)
        #expect(restores.total == 1, "only the canary was resumed: \(restores)")
    }
}
