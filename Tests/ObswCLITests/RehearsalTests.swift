import Foundation
import OBSWTestSupport
import Testing

/// Rehearsing a real incident offline: `obsw snapshot` of a "production" emulator, the
/// scenario replayed by `--local --scenario` on both faces, `--redact`, and `obsw test`.
@Suite(.timeLimit(.minutes(5))) struct RehearsalTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let project = "0b5e7c9e1f2a4d6b8c0e2f4a6b8d0e1f"

    /// 3,000 executions of `thumbnails` over the past six hours: a third FAILED over five
    /// causes (error texts whose numbers and ids vary, as real ones do), a few RUNNING, the
    /// rest SUCCESS. Deterministic.
    static func production(executions count: Int = 3000) -> String {
        var random: UInt64 = 42
        func next(_ bound: Int) -> Int {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            return Int((random >> 33) % UInt64(bound))
        }
        let now = Int(Date().timeIntervalSince1970 * 1000)
        func time(_ ms: Int) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
        }
        let causes: [(state: String, error: () -> String)] = [
            ("make-thumbnail", { "States.Timeout: make-thumbnail timed out after \(30_000 + next(999)) ms on host-\(next(40) + 1)" }),
            ("publish", { "States.ActionFailed: publish got HTTP 503 from its function (request e\(String(format: "%07x%08x", next(1 << 28), next(1 << 30))))" }),
            ("publish", { "AccessDenied: 403 Forbidden writing obs://media-\(next(9))/thumbs/\(next(100_000)).jpg" }),
            ("make-thumbnail", { "ResourceExhausted: worker killed at \(512 + next(512)) MB" }),
            ("publish", { "InvalidInput: object photos/\(next(100_000)).jpg is not an image" }),
        ]
        var lines: [String] = []
        for i in 0..<count {
            let name = "exec-\(String(format: "%05d", i))"
            let start = now - 60_000 - next(6 * 3_600_000)
            let roll = next(100)
            let input = "{\\\"bucket\\\":\\\"media\\\",\\\"object\\\":\\\"photos/\(i).jpg\\\"}"
            let head = "{\"name\": \"\(name)\", \"type\": \"\(roll % 3 == 0 ? "TRIGGERCAL" : "APICALL")\", \"started_at\": \"\(time(start))\", \"input\": \"\(input)\", "
            let first = "\"make-thumbnail\": {\"status\": \"SUCCESS\", \"started_at\": \"\(time(start))\", \"stopped_at\": \"\(time(start + 400))\"}"
            if roll < 35 {
                let cause = causes[i % causes.count]
                let error = cause.error()
                let failed = "\"\(cause.state)\": {\"status\": \"FAILED\", \"started_at\": \"\(time(start + 400))\", \"stopped_at\": \"\(time(start + 800))\", \"error\": \"\(error)\"}"
                let map = cause.state == "publish" ? "\(first), \(failed)" : failed.replacing(time(start + 400), with: time(start))
                lines.append(head + "\"state\": \"FAILED\", \"stopped_at\": \"\(time(start + 800))\", \"state_map\": {\(map)}}")
            } else if roll < 40 {
                lines.append(head + "\"state\": \"RUNNING\", \"state_map\": {\(first), \"publish\": {\"status\": \"RUNNING\", \"started_at\": \"\(time(start + 400))\"}}}")
            } else {
                let second = "\"publish\": {\"status\": \"SUCCESS\", \"started_at\": \"\(time(start + 400))\", \"stopped_at\": \"\(time(start + 800))\"}"
                lines.append(head + "\"state\": \"SUCCESS\", \"stopped_at\": \"\(time(start + 800))\", \"state_map\": {\(first), \(second)}}")
            }
        }
        return "{\"graphs\": [{\"name\": \"thumbnails\", \"states\": [\"make-thumbnail\", \"publish\"], \"executions\": [\n"
            + lines.joined(separator: ",\n") + "\n]}]}\n"
    }

    /// What obsw needs to reach `emulator` as the service, on either face.
    static func environment(_ emulator: EmulatorProcess, _ dir: TemporaryDirectory, service: String) -> [String: String] {
        var environment = ["HOME": dir.path, "XDG_STATE_HOME": dir.path + "/state"]
        if service == "dwr" {
            environment.merge([
                "HUAWEICLOUD_SDK_AK": "OBSWEMULATORDEMOKEY", "HUAWEICLOUD_SDK_SK": "obsw-emulator-demo-secret-key",
                "HUAWEICLOUD_SDK_PROJECT_ID": project,
            ]) { a, _ in a }
        } else {
            environment.merge(EmulatorProcess.demoCredentials) { a, _ in a }
        }
        return environment
    }

    /// Snapshot → file → replay gives the same `triage` and the same `execution` records as
    /// the service, on both APIs.
    @Test(arguments: ["obs", "dwr"]) func aSnapshotReplaysTheIncident(_ service: String) async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let production = dir.write("production.json", Self.production())
        let emulator = try await EmulatorProcess.start(["--scenario", production])
        defer { emulator.stop() }
        #expect(!emulator.endpoint.isEmpty, "\(emulator.banner)")
        let environment = Self.environment(emulator, dir, service: service)
        let remote = ["--service", service, "--endpoint", emulator.endpoint]
        let file = dir.path + "/incident.json"

        let snapshot = try await runObswInBackground(["snapshot"] + remote + ["thumbnails", "--out", file], environment: environment)
        #expect(snapshot.status == 0, "\(snapshot.stderr)")
        #expect(snapshot.stderr.contains("snapshot thumbnails: 3000 executions in "), "\(snapshot.stderr)")
        let written = try String(contentsOfFile: file, encoding: .utf8)
        #expect(!written.contains("OBSWEMULATORDEMOKEY") && !written.contains("obsw-emulator-demo-secret-key"))
        #expect(!written.contains("request_id") && !written.contains("Authorization"))

        let local = ["--local", "--service", service, "--scenario", file]
        let names = ["exec-00000", "exec-00001", "exec-00002", "exec-00003", "exec-00004", "exec-00017", "exec-01234", "exec-02999"]
        let script = "let groups = triage thumbnails\nlet sample = [execution thumbnails $name for name in $names]\n[groups, sample]"
        let code = script.replacing("$names", with: "[" + names.map { "\"\($0)\"" }.joined(separator: ", ") + "]")
            .replacing("execution thumbnails $name for name in", with: "$(execution thumbnails $name) for name in")
        let there = try await runObswInBackground(remote + ["-o", "json", "-c", code], environment: environment)
        let here = try await runObswInBackground(local + ["-o", "json", "-c", code], environment: environment)
        #expect(there.status == 0, "\(there.stderr)")
        #expect(here.status == 0, "\(here.stderr)")
        #expect(there.stdout.count > 10_000, "\(there.stdout.prefix(500))")
        #expect(here.stdout == there.stdout, "the replay differs from the service:\n\(Self.firstDifference(here.stdout, there.stdout))")
        let groups = there.stderr.firstMatch(of: /triage thumbnails: (\d+) FAILED executions in (\d+) groups/)
        #expect(groups.map { String($0.2) } == "5", "five causes: \(there.stderr)")
        #expect(here.stderr.contains(String(groups?.0 ?? "none")), "\(here.stderr)")
    }

    static func firstDifference(_ a: String, _ b: String) -> String {
        let index = Array(zip(a, b)).firstIndex { $0.0 != $0.1 } ?? min(a.count, b.count)
        let start = max(0, index - 200)
        return "replay:  …\(a.dropFirst(start).prefix(400))\nservice: …\(b.dropFirst(start).prefix(400))"
    }

    /// `--redact` leaves none of the matched text anywhere in the file, and the file still replays.
    @Test func redactRemovesTheMatchedText() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.path + "/redacted.json"
        let patterns = ["photos/[0-9]+", "host-[0-9]+", "request [0-9a-f]+"]
        let result = try await runObswInBackground(
            ["snapshot", "--local", "thumbnails", "--out", file] + patterns.flatMap { ["--redact", $0] }, environment: ["HOME": dir.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains(/pieces of text redacted/), "\(result.stderr)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        for pattern in patterns {
            #expect(text.firstMatch(of: try Regex(pattern)) == nil, "\(pattern) still matches in the file")
        }
        #expect(text.contains("[redacted]"))
        // Every string field that held such text: inputs, errors, and the query it was taken with.
        #expect(text.contains("\"object\\\":\\\"[redacted]"), "inputs are masked")
        #expect(text.contains("simulated failure of publish for [redacted]"), "errors are masked")
        let replay = try await runObswInBackground(["--local", "--scenario", file, "-c", "triage thumbnails"], environment: ["HOME": dir.path])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stderr.contains("44 FAILED executions"), "\(replay.stderr)")

        let needed = try await runObswInBackground(
            ["snapshot", "--local", "thumbnails", "--out", dir.path + "/no.json", "--redact", "pub.ish"], environment: ["HOME": dir.path])
        #expect(needed.status == 2, "\(needed.stderr)")
        #expect(needed.stderr.contains("--redact 'pub.ish' matches 'publish', a name the replay needs"), "\(needed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/no.json"))
        let bad = try await runObswInBackground(["snapshot", "--local", "thumbnails", "--redact", "(unclosed"], environment: ["HOME": dir.path])
        #expect(bad.status == 2 && bad.stderr.contains("is not a regular expression"), "\(bad.stderr)")
    }

    /// A graph that does not exist, or a listing that fails half way: a clear error, and the
    /// file named by --out is as it was (no half-written snapshot, no temporary file left).
    @Test func aFailedSnapshotLeavesNothingBehind() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.write("kept.json", "{\"graphs\": []}\n")
        let missing = try await runObswInBackground(["snapshot", "--local", "no-such-graph", "--out", file], environment: ["HOME": dir.path])
        #expect(missing.status == 3, "\(missing.stderr)")
        #expect(missing.stderr.contains("snapshot no-such-graph: "), "\(missing.stderr)")
        #expect(missing.stderr.contains("no-such-graph") && missing.stderr.contains("nothing was written to \(file)"), "\(missing.stderr)")

        // Ctrl-C half way (1,000 executions, every answer slowed: half way for half a
        // minute, however starved this test is): exit 130, the old file untouched, no
        // temporary file left.
        let production = dir.write("production.json", Self.production(executions: 1000))
        let emulator = try await EmulatorProcess.start(["--scenario", production, "--faults", "slow=1,slow-ms=500"])
        defer { emulator.stop() }
        let process = Process()
        process.executableURL = obswBinary
        process.arguments = ["snapshot", "--endpoint", emulator.endpoint, "thumbnails", "--out", file]
        process.environment = Self.environment(emulator, dir, service: "obs").merging(["PATH": "/usr/bin:/bin"]) { a, _ in a }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let started = await eventually(within: .seconds(60)) {
            (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.contains { $0.hasPrefix(".kept.json.obsw-") } == true
        }
        #expect(started, "the snapshot began writing")
        process.interrupt()
        let said = await transcript(of: process, from: errors)
        #expect(process.terminationStatus == 130, "\(said)")
        #expect(said.contains("snapshot thumbnails: interrupted; nothing was written to \(file)"), "\(said)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "{\"graphs\": []}\n", "the old file is untouched")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["kept.json", "production.json"], "no temporary file is left")

        let since = try await runObswInBackground(["snapshot", "--local", "thumbnails", "--since", "yesterday"], environment: ["HOME": dir.path])
        #expect(since.status == 2 && since.stderr.contains("--since 'yesterday' is neither a duration"), "\(since.stderr)")
        let both = try await runObswInBackground(["snapshot", "--local", "thumbnails", "exec-0001", "--state", "FAILED"], environment: ["HOME": dir.path])
        #expect(both.status == 2 && both.stderr.contains("not both"), "\(both.stderr)")
    }

    /// Twenty tests in a folder, two at once: each has an emulator of its own (it sees only
    /// its own resumes), the results are counted, JUnit has a suite per test, and a failure
    /// shows its file, line and both sides.
    @Test func twentyTestsRunApartAndAtOnce() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let incident = try String(contentsOf: Self.repository.appendingPathComponent("examples/demo-incident.json"), encoding: .utf8)
        dir.write("incident.json", incident)
        try FileManager.default.createDirectory(atPath: dir.path + "/tests/more", withIntermediateDirectories: true)
        let body = """
            let failed = executions thumbnails --state FAILED
            let results = resume thumbnails $failed
            let restores = emulator_restores()
            expect len(restores) == len(failed), "this test sees its own resumes alone"
            expect len([r for r in restores if r.restores != 1]) == 0, "each once"
            let final = wait thumbnails $failed --timeout 2m
            expect len(final) == len(failed)
            """
        for index in 0..<19 {
            let folder = index < 10 ? "tests" : "tests/more"
            let service = index % 2 == 0 ? "obs" : "dwr"
            dir.write("\(folder)/t\(index)_test.obsw", "# Test \(index).\n# scenario: \(index < 10 ? ".." : "../..")/incident.json\n# service: \(service)\n\n" + body + "\n")
        }
        dir.write("tests/broken_test.obsw", "# args: one two\n# var: wanted=3\nexpect len(args) == int(vars.wanted), \"three arguments\"\n")
        dir.write("tests/helper.obsw", "exit 7\n")  // not a test: never run
        let junit = dir.path + "/junit.xml"
        let result = try await runObswInBackground(["test", "--jobs", "2", "--junit", junit, "tests"], environment: ["HOME": dir.path], workingDirectory: dir.path)
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count { $0.hasPrefix("PASS  tests/") && $0.contains("  3 checks  ") } == 19, "\(result.stdout)")
        #expect(lines.contains("FAIL  tests/broken_test.obsw  1 of 1 check failed  " + (lines.first { $0.hasPrefix("FAIL") }?.split(separator: " ").last.map(String.init) ?? "")), "\(result.stdout)")
        #expect(result.stdout.contains("    tests/broken_test.obsw:3: expect failed: len(args) == int(vars.wanted)\n        left:  2\n        right: 3\n"), "\(result.stdout)")
        #expect(lines.last?.hasPrefix("19 passed, 1 failed (58 checks; ") == true, "\(result.stdout)")
        // Two at once: the tests' own times add up to well over the time they took together.
        if let times = lines.last?.firstMatch(of: /; ([0-9.]+)s, ([0-9.]+)s one after another\)/), let wall = Double(times.1), let serial = Double(times.2) {
            #expect(wall < serial * 0.75, "\(wall)s together, \(serial)s one after another")
        } else {
            Issue.record("no times in \(lines.last ?? "")")
        }
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains("<testsuites name=\"obsw test\" tests=\"58\" failures=\"1\" errors=\"0\""), "\(xml.prefix(300))")
        #expect(xml.ranges(of: "<testsuite ").count == 20)
        #expect(xml.contains("<testsuite name=\"tests/more/t12_test.obsw\""))
        #expect(xml.contains("<failure message=\"expect failed: len(args) == int(vars.wanted)\""), "\(xml)")

        let tap = try await runObswInBackground(["test", "--tap", "tests/t0_test.obsw", "tests/broken_test.obsw"], environment: ["HOME": dir.path], workingDirectory: dir.path)
        #expect(tap.status == 1)
        #expect(tap.stdout.hasPrefix("TAP version 14\n1..2\n# Subtest: tests/t0_test.obsw\n    ok 1 - this test sees its own resumes alone\n"), "\(tap.stdout)")
        #expect(tap.stdout.contains("ok 1 - tests/t0_test.obsw\n") && tap.stdout.contains("\nnot ok 2 - tests/broken_test.obsw\n"), "\(tap.stdout)")
        #expect(tap.stderr.contains("1 passed, 1 failed"), "\(tap.stderr)")
    }

    /// Mistakes are found before any test runs, and exit 2.
    @Test func mistakesStopEveryTestFromRunning() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        dir.write("good_test.obsw", "expect 1 == 1\n")
        dir.write("missing_test.obsw", "# A test of nothing.\n# scenario: nope.json\nexpect 1 == 1\n")
        let missing = try await runObswInBackground(["test", "."], environment: ["HOME": dir.path], workingDirectory: dir.path)
        #expect(missing.status == 2, "\(missing.stdout)\n\(missing.stderr)")
        #expect(missing.stdout.isEmpty, "nothing ran: \(missing.stdout)")
        #expect(missing.stderr.contains("missing_test.obsw:2: scenario nope.json: cannot read scenario file ./nope.json"), "\(missing.stderr)")

        dir.write("missing_test.obsw", "# scenario: bad.json\nexpect 1 == 1\n")
        dir.write("bad.json", "{\"graphs\": [{\"name\": \"thumbnails\", \"states\": [\"a\"], \"executions\": [{\"name\": \"e\", \"state\": \"FAILED\", \"started_at\": \"2026-12-07T00:00:00Z\", \"state_map\": {\"b\": {\"status\": \"FAILED\"}}}]}]}")
        let bad = try await runObswInBackground(["test", "."], environment: ["HOME": dir.path], workingDirectory: dir.path)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("graphs[0].executions[0].state_map.b: is not a state of graph thumbnails"), "\(bad.stderr)")

        dir.write("missing_test.obsw", "let x = (\n")
        let syntax = try await runObswInBackground(["test", "."], environment: ["HOME": dir.path], workingDirectory: dir.path)
        #expect(syntax.status == 2 && syntax.stdout.isEmpty, "\(syntax.stdout)")
        #expect(syntax.stderr.contains("missing_test.obsw:2:1: error: "), "\(syntax.stderr)")

        let none = try await runObswInBackground(["test", dir.path + "/nothing-here"], environment: ["HOME": dir.path])
        #expect(none.status == 2 && none.stderr.contains("does not exist"), "\(none.stderr)")
        let outside = try await runObswInBackground(["-c", "emulator_restores()"], environment: ["HOME": dir.path])
        #expect(outside.status == 3 && outside.stderr.contains("works under obsw test and with --local"), "\(outside.stderr)")
    }

    /// The shipped examples: runbook tests of scripts/resume-failed.obsw against a snapshot
    /// of the demo incident, on both faces.
    @Test func theShippedExamplesPass() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let result = try await runObswInBackground(["test", "examples"], environment: ["HOME": dir.path], workingDirectory: Self.repository.path)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("PASS  examples/resume-failed_test.obsw  6 checks"), "\(result.stdout)")
        #expect(result.stdout.contains("PASS  examples/fails-again_test.obsw  5 checks"), "\(result.stdout)")
        #expect(result.stdout.contains("2 passed, 0 failed"), "\(result.stdout)")
    }
}
