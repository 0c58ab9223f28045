import Foundation
import OBSWTestSupport
import Testing

/// `obsw --service dwr`, run as an operator would: the same runbooks on DWR v3, complete
/// listings over long windows, waiting for executions that started weeks ago, and the
/// configuration a DWR user brings (the official SDK's environment names, a profile).
@Suite(.timeLimit(.minutes(5))) struct DWRCommandTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let project = "0b5e7c9e1f2a4d6b8c0e2f4a6b8d0e1f"

    /// The environment a DWR SDK user already has, pointed at an emulator.
    static func sdkEnvironment(_ emulator: EmulatorProcess, _ dir: TemporaryDirectory) -> [String: String] {
        [
            "HOME": dir.path, "XDG_STATE_HOME": dir.path + "/state", "HUAWEICLOUD_SDK_AK": "OBSWEMULATORDEMOKEY",
            "HUAWEICLOUD_SDK_SK": "obsw-emulator-demo-secret-key", "HUAWEICLOUD_SDK_PROJECT_ID": project,
        ]
    }

    static func lastLine(_ text: String) -> String { text.split(separator: "\n").last.map(String.init) ?? "" }

    @Test func theMainJobRunsUnchangedOnDWR() async throws {
        let path = Self.repository.appendingPathComponent("scripts/resume-failed.obsw").path
        let result = try await runObswInBackground(["--local", "--service", "dwr", "run", path], environment: ["HOME": "/nonexistent"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.hasPrefix("obsw: using an embedded DWR v3 emulator at http://127.0.0.1:"))
        #expect(result.stdout.contains("thumbnails: 44 FAILED executions"))
        #expect(result.stdout.contains("  resumed: 44"))
        #expect(result.stdout.contains("failed again in publish: States.ActionFailed"), "failed_states name the state: \(result.stdout)")
        #expect(Self.lastLine(result.stderr) == "2 passed, 0 failed")
    }

    /// Pacing and the report on DWR: a resume through the quota of the v3 face, then the
    /// report reads each execution again from the same service (its journal names
    /// `…/v3/PROJECT`) and groups what failed again.
    @Test func aThrottledResumeAndItsReportOnDWR() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let scenario = dir.write("dwr.json", """
            {"graphs": [{"name": "bulk", "states": ["fetch", "publish"], "seed": {"count": 80, "failed": 1, "fail_always": 0.25, "running": 0}}]}
            """)
        let emulator = try await EmulatorProcess.start(["--scenario", scenario, "--speed", "0.05", "--rate-limit", "20"])
        defer { emulator.stop() }
        let environment = Self.sdkEnvironment(emulator, dir)
        let run = try await runObswInBackground(
            ["--service", "dwr", "--endpoint", emulator.endpoint, "-c", """
                let f = executions bulk --state FAILED
                let r = resume bulk $f --concurrency 8
                let w = wait bulk $f --timeout 2m
                print len([e for e in w if e.execution_state == "FAILED"])
                """], environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        let refused = try await EmulatorControl.quota(emulator.endpoint).refused
        #expect(run.stderr.contains("80 resumed in"), "\(run.stderr)")
        if refused > 0 { #expect(run.stderr.contains("; \(refused) throttled (429/503) and retried, paced to"), "\(run.stderr)") }
        let failedAgain = try #require(Int(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(run.stdout)")
        let page = dir.path + "/dwr.html"
        let report = try await runObswInBackground(
            ["--service", "dwr", "--endpoint", emulator.endpoint, "report", "--html", page], environment: environment)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stderr.contains("wrote \(page): 80 executions (80 resumed); now \(80 - failedAgain) SUCCESS, \(failedAgain) FAILED"), "\(report.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("/v3/\(Self.project)</code>"), "the journal names the DWR service")
        #expect(failedAgain > 0, "a quarter of the scenario's executions fail again")
        #expect(html.contains("<tr class=\"group\">"), "what failed again is grouped by cause")
    }

    @Test(
        .enabled(if: SharedFiles.present, "needs ../shared/examples beside the checkout (as in CI)"),
        arguments: ["recover-failed.obsw", "bulk-resume.obsw", "errors.obsw", "language-tour.obsw"])
    func sharedExampleRunsUnchangedOnDWR(_ name: String) async throws {
        let path = SharedFiles.examples.appendingPathComponent(name).path
        let result = try await runObswInBackground(["--local", "--service", "dwr", "run", path], environment: ["HOME": "/nonexistent"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(Self.lastLine(result.stderr).firstMatch(of: /^\d+ passed, 0 failed$/) != nil, "\(result.stderr)")
    }

    /// 5,000 FAILED over 30 days, through the binary: all of them with --since, each once;
    /// without it, the service's three days, and the summary says so.
    @Test func listingsAreCompleteAndTheDefaultWindowIsSaid() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let scenario = dir.write("month.json", """
            {"graphs": [{"name": "bulk", "states": ["fetch", "work"],
                         "seed": {"count": 5000, "failed": 1, "fail_always": 0, "running": 0, "over": "30d"}}]}
            """)
        let emulator = try await EmulatorProcess.start(["--scenario", scenario])
        defer { emulator.stop() }
        let environment = Self.sdkEnvironment(emulator, dir)
        let all = try await runObswInBackground(
            ["--service", "dwr", "--endpoint", emulator.endpoint, "-o", "jsonl", "-c", "executions bulk --state FAILED --since 31d"],
            environment: environment)
        #expect(all.status == 0, "\(all.stderr)")
        let names = all.stdout.split(separator: "\n").compactMap { $0.firstMatch(of: /"execution_name":"([^"]+)"/).map { String($0.1) } }
        #expect(names.count == 5000)
        #expect(Set(names).count == 5000)
        #expect(!all.stderr.contains("default window"))
        let recent = try await runObswInBackground(
            ["--service", "dwr", "--endpoint", emulator.endpoint, "-o", "jsonl", "-c", "executions bulk --state FAILED"],
            environment: environment)
        #expect(recent.status == 0, "\(recent.stderr)")
        let count = recent.stdout.split(separator: "\n").count
        #expect(count > 0 && count < 1000)
        #expect(recent.stderr.contains("executions bulk: \(count) started in the last 3 days (the service's default window; --since 30d reaches further)"), "\(recent.stderr)")
        // A start in the future is a slip, said before anything is sent.
        let future = try await runObswInBackground(
            ["--service", "dwr", "--endpoint", emulator.endpoint, "-c", "executions bulk --since 2062-01-01T00:00:00Z"],
            environment: environment)
        #expect(future.status == 3)
        #expect(future.stderr.contains("--since 2062-01-01T00:00:00.000Z is in the future"), "\(future.stderr)")
    }

    /// Resumed executions that started weeks ago, more than `wait` reads one by one: it
    /// lists the RUNNING ones from the earliest start, not the service's three days, so none
    /// is taken for finished while it runs.
    @Test func waitFollowsExecutionsThatStartedWeeksAgo() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let scenario = dir.write("old.json", """
            {"graphs": [{"name": "old", "states": ["fetch", "work"],
                         "seed": {"count": 40, "failed": 1, "fail_always": 0, "running": 0, "over": "20d"}}]}
            """)
        let emulator = try await EmulatorProcess.start(["--scenario", scenario, "--speed", "0.5"])
        defer { emulator.stop() }
        let environment = Self.sdkEnvironment(emulator, dir)
        let resume = """
            let failed = executions old --state FAILED --since 30d
            expect len(failed) == 40
            let results = resume old $failed --concurrency 8
            expect len([r for r in results if r.outcome == "resumed"]) == 40
            """
        let resumed = try await runObswInBackground(
            ["--service", "dwr", "--endpoint", emulator.endpoint, "-c", resume], environment: environment)
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        #expect(try await EmulatorControl.dwrRequests(emulator.endpoint)["retry"] == 40)

        // The wait: forty executions that started twenty days ago and all stay RUNNING until
        // one moment (`run_for` counts from the emulator's start), so the reads are exact
        // however slowly a loaded machine polls. Listing from the service's three days would
        // see none of them RUNNING and read all forty on every poll while they run.
        let started = ISO8601DateFormatter().string(from: Date(timeIntervalSinceNow: -20 * 86_400))
        let running = (1...40).map { index in
            """
            {"name": "run-\(index)", "state": "RUNNING", "started_at": "\(started)", "run_for": "20s",
             "state_map": {"fetch": {"status": "RUNNING", "started_at": "\(started)"}}}
            """
        }
        let runningScenario = dir.write("running.json", """
            {"graphs": [{"name": "old", "states": ["fetch", "work"], "executions": [\(running.joined(separator: ","))]}]}
            """)
        let second = try await EmulatorProcess.start(["--scenario", runningScenario])
        defer { second.stop() }
        let wait = """
            let all = executions old --since 30d
            let final = wait old $all --timeout 2m --interval 200ms
            expect len([e for e in final if e.execution_state == "SUCCESS"]) == 40, "every one finished SUCCESS"
            """
        let result = try await runObswInBackground(
            ["--service", "dwr", "--endpoint", second.endpoint, "-c", wait], environment: Self.sdkEnvironment(second, dir))
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("wait old: 40 SUCCESS"), "\(result.stderr)")
        #expect(result.stderr.contains("1 passed, 0 failed"), "\(result.stderr)")
        // It polled by listing: each execution was read once, when it had finished.
        let requests = try await EmulatorControl.dwrRequests(second.endpoint)
        #expect((requests["list executions"] ?? 0) >= 2, "the script's listing and the wait's: \(requests)")
        #expect(requests["show execution"] == 40, "\(requests)")
    }

    @Test func configurationNamesTheServiceAndSaysHowToSetWhatIsMissing() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let sdk = [
            "HOME": dir.path, "HUAWEICLOUD_SDK_AK": "AK1", "HUAWEICLOUD_SDK_SK": "SK1", "HUAWEICLOUD_SDK_PROJECT_ID": "p123",
        ]
        let shown = try await runObswInBackground(["config", "--service", "dwr", "--region", "cn-north-9"], environment: sdk)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("service: dwr (DWR v3)  (from --service)"))
        #expect(shown.stdout.contains("endpoint: https://dwr-lms.cn-north-9.myhuaweicloud.com  (from the region)"))
        #expect(shown.stdout.contains("project_id: p123  (from HUAWEICLOUD_SDK_PROJECT_ID)"))
        #expect(shown.stdout.contains("access_key_id: AK1  (from HUAWEICLOUD_SDK_AK)"))
        #expect(!shown.stdout.contains("SK1"))
        // cn-south-1 is dwr., not dwr-lms.
        let south = try await runObswInBackground(["config", "--service", "dwr", "--region", "cn-south-1"], environment: sdk)
        #expect(south.stdout.contains("endpoint: https://dwr.cn-south-1.myhuaweicloud.com"))
        let unknownRegion = try await runObswInBackground(["config", "--service", "dwr", "--region", "cn-north-4"], environment: sdk)
        #expect(unknownRegion.status == 2)
        #expect(unknownRegion.stderr.contains("DWR is not served in region 'cn-north-4' (it is in cn-east-3, cn-north-11, cn-north-9, cn-south-1, cn-southwest-2)"), "\(unknownRegion.stderr)")
        // A missing project id is an error that says how to set it — before anything is sent.
        var noProject = sdk
        noProject["HUAWEICLOUD_SDK_PROJECT_ID"] = nil
        let missing = try await runObswInBackground(
            ["--service", "dwr", "--region", "cn-north-9", "-c", "graphs"], environment: noProject)
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("DWR needs a project id: pass --project-id, set HUAWEICLOUD_SDK_PROJECT_ID"), "\(missing.stderr)")
        // A profile chooses the service; OBS's environment names do not leak into DWR.
        try FileManager.default.createDirectory(atPath: dir.path + "/.config/obsw", withIntermediateDirectories: true)
        let file = dir.write(".config/obsw/config", """
            [dwr-prod]
            service = dwr
            region = cn-east-3
            project_id = fromprofile
            access_key_id = AKP
            secret_access_key = SKP
            """)
        _ = file
        let profile = try await runObswInBackground(
            ["config", "--profile", "dwr-prod"], environment: ["HOME": dir.path, "OBS_ENDPOINT": "https://obs.example.com"])
        #expect(profile.status == 0, "\(profile.stderr)")
        #expect(profile.stdout.contains("service: dwr (DWR v3)  (from profile 'dwr-prod'"))
        #expect(profile.stdout.contains("endpoint: https://dwr-lms.cn-east-3.myhuaweicloud.com"))
        #expect(profile.stdout.contains("project_id: fromprofile"))
        // Nothing configured for DWR: how to, in DWR's terms; the service's name in any case.
        let bare = try await runObswInBackground(["config", "--service", "DWR"], environment: ["HOME": dir.path + "/none"])
        #expect(bare.status == 0, "\(bare.stderr)")
        #expect(bare.stderr.contains("DWR is not configured yet"), "\(bare.stderr)")
        #expect(bare.stderr.contains("obsw --local --service dwr"), "\(bare.stderr)")
        let badService = try await runObswInBackground(["config", "--service", "sfn"], environment: ["HOME": dir.path])
        #expect(badService.status == 2)
        #expect(badService.stderr.contains("obs") && badService.stderr.contains("dwr"), "\(badService.stderr)")
        // After the script file, --service is obsw's, and refused there with both fixes.
        let script = dir.write("s.obsw", "print 1\n")
        let late = try await runObswInBackground(["run", script, "--service", "dwr"], environment: ["HOME": dir.path])
        #expect(late.status == 2)
        #expect(late.stderr.contains("obsw run --service dwr \(script)"), "\(late.stderr)")
    }

    /// On OBS Data+, which has no time filter, --since and --until keep what started in the
    /// window, as pages arrive.
    @Test func onDataPlusSinceAndUntilFilterByStartTime() async throws {
        let script = """
            let all = executions thumbnails
            let cut = now() - 2h
            let recent = executions thumbnails --since $cut
            let older = executions thumbnails --until $cut
            expect len(recent) + len(older) == len(all)
            expect len(recent) > 0 and len(older) > 0
            expect len([e for e in recent if e.started_at < cut]) == 0
            expect len([e for e in older if e.started_at >= cut]) == 0
            """
        let result = try await runObswInBackground(["--local", "-c", script], environment: ["HOME": "/nonexistent"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("4 passed, 0 failed"), "\(result.stderr)")
        #expect(!result.stderr.contains("default window"), "Data+ lists everything: \(result.stderr)")
    }

    /// The journal works on DWR as on Data+: a rerun given it resumes nothing twice.
    @Test func aRerunWithTheJournalResumesNothingTwice() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let emulator = try await EmulatorProcess.start()
        defer { emulator.stop() }
        let environment = Self.sdkEnvironment(emulator, dir)
        let journal = dir.path + "/dwr.jsonl"
        let first = try await runObswInBackground(
            ["--service", "dwr", "--endpoint", emulator.endpoint, "-c",
             "let failed = executions thumbnails --state FAILED\nlet r = resume thumbnails $failed --journal \"\(journal)\""],
            environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        let resumedFirst = try #require(first.stderr.firstMatch(of: /resume thumbnails: (\d+) resumed/).flatMap { Int($0.1) }, "\(first.stderr)")
        let header = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n").first ?? ""
        #expect(header.contains("/v3/\(Self.project)"), "the journal names the DWR project: \(header)")
        // The same names again (some now RUNNING or SUCCESS): the journal skips them all.
        let again = try await runObswInBackground(
            ["--service", "dwr", "--endpoint", emulator.endpoint, "-o", "jsonl", "-c",
             "resume thumbnails $(executions thumbnails --since 1d) --journal \"\(journal)\""],
            environment: environment)
        #expect(again.status == 0 || again.status == 3, "\(again.stderr)")
        #expect(again.stdout.components(separatedBy: "already resumed (journal").count - 1 == resumedFirst, "\(again.stdout)")
        let restores = try await EmulatorControl.restores(emulator.endpoint)
        #expect(restores.total == resumedFirst && restores.counts.values.allSatisfy { $0 == 1 }, "\(restores)")
    }

    /// What an operator sees when the key is wrong: the service's code and what to check.
    @Test func aWrongSecretSaysWhatToCheck() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let emulator = try await EmulatorProcess.start()
        defer { emulator.stop() }
        var environment = Self.sdkEnvironment(emulator, dir)
        environment["HUAWEICLOUD_SDK_SK"] = "not-the-secret"
        let result = try await runObswInBackground(
            ["--service", "dwr", "--endpoint", emulator.endpoint, "-c", "graphs"], environment: environment)
        #expect(result.status == 3)
        #expect(result.stderr.contains("APIG.0301"), "\(result.stderr)")
        #expect(result.stderr.contains("HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK"), "\(result.stderr)")
    }
}
