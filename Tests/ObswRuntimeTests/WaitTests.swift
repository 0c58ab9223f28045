import Foundation
import OBSWorkflowEmulator
import ObswLang
import Testing

@Suite(.timeLimit(.minutes(5))) struct WaitTests {
    @Test func waitsForManyAndReturnsFinalRecordsInTargetOrder() async throws {
        try await withFixture(try await Fixture(EmulatorConfiguration(speed: 4, scenario: .demo))) { f throws in
            let run = await f.run("""
                let started = [$(start thumbnails --bucket b --object "k/ok-$i.jpg") for i in range(25)]
                let once = start thumbnails --bucket b --object photos/fail-once-x.jpg
                let final = wait thumbnails $started $once --interval 200ms --timeout 1m
                [len(final), final[0].execution_name == started[0].execution_name, [e.execution_state for e in final]]
                """)
            let parts = try #require(run.value?.listValue, "\(run.outcome)")
            #expect(parts[0] == 26 && parts[1] == true)
            let states = try #require(parts[2].listValue, "states: \(parts[2])")
            #expect(Array(states.prefix(25)) == Array(repeating: "SUCCESS", count: 25))
            #expect(states[25] == "FAILED")
        }
    }

    @Test func timeoutNamesWhatIsPending() async throws {
        // Speed 0.01: the slow execution runs for minutes, so it is still pending when the
        // 300 ms timeout ends however long a starved machine takes between start and wait.
        try await withFixture(try await Fixture(EmulatorConfiguration(speed: 0.01, scenario: .demo))) { f throws in
            let run = await f.run("""
                let slow = start thumbnails --bucket demo --object videos/slow-1.mp4
                try { wait thumbnails $slow --timeout 300ms } catch e { e }
                """)
            let e = try #require(run.value?.mapValue, "\(run.outcome)")
            #expect(e["kind"] == "timeout")
            #expect(e["message"]?.displayText.contains("1 still pending: exec-") == true)
            let pending = try #require(e["pending"]?.listValue, "no pending list")
            #expect(pending.count == 1 && pending[0].displayText.hasPrefix("exec-"))
        }
    }

    @Test func untilSuccessRaisesOnAFailedTarget() async throws {
        try await withFixture(try await Fixture(EmulatorConfiguration(speed: 4, scenario: .demo))) { f throws in
            let run = await f.run("""
                let bad = start thumbnails --bucket demo --object x/fail-always-1.jpg
                try { wait thumbnails $bad --until success --timeout 1m } catch e { e }
                """)
            let e = try #require(run.value?.mapValue, "\(run.outcome)")
            #expect(e["message"]?.displayText.contains("FAILED") == true)
            #expect(e["execution_name"]?.displayText.hasPrefix("exec-") == true)
        }
    }

    @Test func interruptionCancelsAWait() async throws {
        try await withFixture(try await Fixture(EmulatorConfiguration(speed: 1, scenario: .demo))) { f throws in
            let engine = f.engine
            let flag = engine.interrupt
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(400)) { flag.raise() }
            // A 10-minute wait that returns at all, as `interrupted`, was cancelled (no timing
            // bound: this machine is shared and may be slow).
            let run = await f.run("""
                let slow = start thumbnails --bucket demo --object videos/slow-2.mp4
                wait thumbnails $slow --timeout 10m
                """)
            #expect(run.error?.kind == .interrupted)
            // The engine is usable again afterwards.
            #expect(await f.run("1 + 1").value == 2)
        }
    }
}
