import Foundation
import OBSWorkflowEmulator
import ObswLang
import Testing

/// Every service command and option against the embedded emulator.
@Suite(.timeLimit(.minutes(5))) struct CommandTests {
    @Test func readCommands() async throws {
        try await withFixture(try await Fixture()) { f throws in
            let graphs = await f.run("graphs")
            #expect(graphs.value?.records.map { $0["name"]?.displayText } == ["thumbnails", "transcode"])
            #expect(await f.run("graphs thumb").value?.records.count == 1)
            let graph = await f.run("graph thumbnails")
            let detail = try #require(graph.value?.mapValue, "\(graph.outcome)")
            #expect(detail["graph_urn"]?.displayText.hasSuffix(":graph:thumbnails") == true)
            #expect(await f.run("templates").value == .list([]))
            let missing = await f.run("try { template nope } catch e { e }")
            let e = try #require(missing.value?.mapValue, "\(missing.outcome)")
            #expect(e["kind"] == "service" && e["status"] == 404 && e["code"] == "TemplateNotFound" && e["request_id"] != .null)

            let all = await f.run("executions thumbnails").value?.records ?? []
            #expect(all.count == 320)
            let failed = await f.run("executions thumbnails --state FAILED").value?.records ?? []
            #expect(!failed.isEmpty && failed.allSatisfy { $0["execution_state"] == "FAILED" })
            #expect(failed.count == all.filter { $0["execution_state"] == "FAILED" }.count)
            let lower = await f.run("executions thumbnails --state failed").value?.records ?? []
            #expect(lower.count == failed.count)
            let triggered = await f.run("executions thumbnails --type TRIGGERCAL").value?.records ?? []
            #expect(!triggered.isEmpty && triggered.allSatisfy { $0["execution_type"] == "TRIGGERCAL" })
            #expect(await f.run("executions thumbnails --limit 5").value?.records.count == 5)
            // A bad value written in the script is refused before anything runs (issue 14); one
            // known only at run time is refused at the call, with the same message.
            let bad = await f.run("executions thumbnails --state DONE")
            var diagnostics: [Diagnostic] = []
            if case .invalid(let found) = bad.outcome { diagnostics = found }
            #expect(diagnostics.map(\.message) == ["executions: --state takes RUNNING, SUCCESS, FAILED, TIMEOUT or CANCELLED, not 'DONE'"])
            let late = await f.run("let s = \"DONE\"\nexecutions thumbnails --state $s")
            #expect(late.error?.message == "executions: --state takes RUNNING, SUCCESS, FAILED, TIMEOUT or CANCELLED, not 'DONE'")

            // The state that failed has status FAILED in the detail, and failed_states names it.
            let name = failed[0]["execution_name"]!.displayText
            let detail2 = await f.run("let d = execution thumbnails \(name)\nd.state_map[d.failed_states[0].name].status")
            #expect(detail2.value == "FAILED")
        }
    }

    @Test func startWithInputsAndUseTheRecordDirectly() async throws {
        try await withFixture(try await Fixture()) { f throws in
            let run = await f.run("""
                let s = start thumbnails --bucket demo --object photos/ok-1.jpg --input size=64 --input mode=fast
                let done = wait thumbnails $s --timeout 30s
                [s.graph_name, done[0].execution_state, $(execution thumbnails $s.execution_name).input]
                """)
            let items = try #require(run.value?.listValue, "\(run.outcome)")
            #expect(items[0] == "thumbnails" && items[1] == "SUCCESS")
            #expect(items[2].displayText.contains(#""inputs":{"size":"64","mode":"fast"}"#))
            let missing = await f.run("start thumbnails --object x")
            // A required option is in the declaration: missing, the script does not compile.
            #expect(missing.diagnostics.map(\.message) == ["start: --bucket is required"])
            #expect(missing.diagnostics.map(\.code) == [.missingOption])
            let badInput = await f.run("start thumbnails --bucket b --object o --input novalue")
            #expect(badInput.error?.message.contains("--input takes NAME=VALUE") == true)
        }
    }

    @Test func resumeOutcomesDryRunDuplicatesAndMissing() async throws {
        // Slow time: a resumed execution stays RUNNING for the rest of the test.
        try await withFixture(try await Fixture(EmulatorConfiguration(speed: 0.02))) { f throws in
            let setup = await f.run("""
                let failed = executions thumbnails --state FAILED
                let ok = executions thumbnails --state SUCCESS
                [failed[0].execution_name, failed[1].execution_name, ok[0].execution_name]
                """)
            let names = try #require(setup.value?.listValue, "\(setup.outcome)")
            let (a, b, ok) = (names[0].displayText, names[1].displayText, names[2].displayText)

            let dry = await f.run("resume thumbnails [\"\(a)\", \"\(ok)\", \"nope\"] --dry-run")
            let dryRecords = dry.value?.records ?? []
            #expect(dryRecords.map { $0["outcome"]?.displayText } == ["planned", "skipped", "failed"])
            #expect(dryRecords[1]["reason"]?.displayText.contains("SUCCESS") == true)
            #expect(dryRecords[2]["reason"]?.displayText.contains("not found") == true)
            #expect(try await f.restores().total == 0)

            let single = await f.run("resume thumbnails \(a)")
            let one = try #require(single.value?.mapValue, "\(single.outcome)")
            #expect(one["outcome"] == "resumed" && one["restored_at"] != .null && one["execution_urn"] != .null)

            let twice = await f.run("resume thumbnails [\"\(b)\", \"\(b)\", \"\(a)\"] \(b)")
            let records = twice.value?.records ?? []
            #expect(records.map { $0["outcome"]?.displayText } == ["resumed", "skipped", "skipped", "skipped"])
            #expect(records[1]["reason"]?.displayText.contains("more than once") == true)
            #expect(records[2]["reason"]?.displayText.contains("RUNNING") == true || records[2]["reason"]?.displayText.contains("SUCCESS") == true)
            let counters = try await f.restores()
            #expect(counters.total == 2 && counters.counts[a] == 1 && counters.counts[b] == 1)
        }
    }

    @Test func resumeThousandsOnceEach() async throws {
        var configuration = EmulatorConfiguration(speed: 4)
        configuration.scenario = Scenario(graphs: [.init(name: "bulk", states: ["work"], seed: .init(count: 3000, failed: 1, failAlways: 0, running: 0))])
        try await withFixture(try await Fixture(configuration)) { f throws in
            let run = await f.run("""
                let failed = executions bulk --state FAILED
                let results = resume bulk $failed $failed[0] --concurrency 64
                [len(failed), results]
                """)
            let parts = try #require(run.value?.listValue, "\(run.outcome)")
            let count = try #require(parts.first.flatMap { if case .int(let n) = $0 { n } else { nil } }, "\(parts)")
            #expect(count == 3000)
            #expect(outcomes(parts[1]) == ["resumed": 3000, "skipped": 1])
            let counters = try await f.restores()
            #expect(counters.total == 3000 && counters.counts.values.allSatisfy { $0 == 1 })
        }
    }

    @Test func errorBudgetStopsAndRaisesWithTheResults() async throws {
        var configuration = EmulatorConfiguration(speed: 4)
        configuration.faults = try FaultSpec(parsing: "500=1")
        try await withFixture(try await Fixture(configuration, retry: .never)) { f throws in
            let run = await f.run("""
                try { resume thumbnails exec-0001 exec-0002 exec-0003 exec-0004 --max-errors 2 } catch e { e }
                """)
            let e = try #require(run.value?.mapValue, "\(run.outcome)")
            #expect(e["message"]?.displayText.contains("--max-errors") == true)
            #expect(outcomes(e["results"]) == ["failed": 4])
            #expect(try await f.restores().total == 0)
        }
    }

    @Test func authenticationFailureRaises() async throws {
        try await withFixture(try await Fixture(secret: "wrong-secret")) { f throws in
            let run = await f.run("resume thumbnails exec-0001 exec-0002")
            #expect(run.error?.kind == .service)
            #expect(run.error?.details["code"] == "SignatureDoesNotMatch")
            #expect(run.error?.details["hint"]?.displayText.contains("secret access key") == true)
        }
    }

    @Test func rateCeilingSpacesTheCalls() async throws {
        try await withFixture(try await Fixture()) { f throws in
            let started = ContinuousClock.now
            let timed = await f.run("""
                let failed = executions thumbnails --state FAILED
                let some = [failed[i] for i in range(10)]
                resume thumbnails $some --rps 20 --concurrency 10
                """)
            #expect(outcomes(timed.value)["resumed"] == 10)
            // Ten calls at 20 a second take at least 0.45 s (a lower bound only: correctness, not speed).
            #expect(ContinuousClock.now - started >= .milliseconds(450))
        }
    }
}

@Suite(.timeLimit(.minutes(5))) struct JournalTests {
    @Test func secondRunSkipsWhatTheJournalRecords() async throws {
        try await withFixture(try await Fixture(EmulatorConfiguration(speed: 0.02))) { f throws in
            let dir = NSTemporaryDirectory() + "obsw-journal-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let journal = dir + "/resume.journal"
            let first = await f.run("""
                let failed = executions thumbnails --state FAILED
                let some = [failed[i] for i in range(5)]
                resume thumbnails $some --journal "\(journal)"
                """)
            #expect(outcomes(first.value) == ["resumed": 5], "\(first.outcome)")
            // A header naming the service, an intent before each resume was sent, and its outcome after.
            let all = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n")
            let lines = all.dropFirst().filter { !$0.contains(#""intent":"resume""#) }
            #expect(all.count == 11)
            #expect(all.first?.hasPrefix(#"{"obsw_journal":1,"endpoint":"http://127.0.0.1:"#) == true)
            #expect(lines.count == 5)
            #expect(lines.allSatisfy { $0.contains(#""graph":"thumbnails""#) && $0.contains(#""outcome":"resumed""#) })

            // A second run — say after an interruption — over the same and more targets.
            let second = await f.run("""
                let failed = executions thumbnails --state FAILED
                resume thumbnails ($some + [failed[0]]) --journal "\(journal)"
                """)
            let records = second.value?.records ?? []
            #expect(records.prefix(5).allSatisfy { $0["reason"]?.displayText.hasPrefix("already resumed (journal") == true })
            #expect(records.last?["outcome"] == "resumed")
            let counters = try await f.restores()
            #expect(counters.total == 6 && counters.counts.values.allSatisfy { $0 == 1 })
            let bad = await f.run("resume thumbnails x --journal /nonexistent-dir/j")
            #expect(bad.error?.message.contains("cannot open the journal") == true)
        }
    }
}
