import Foundation
import OBSWTestSupport
import Testing

/// Change control: `resume … --plan FILE`, `obsw plan show|approve`, `obsw apply FILE` —
/// against `obsw emulator` playing production, counted by the emulator.
@Suite(.timeLimit(.minutes(5))) struct ChangeControlTests {
    /// 500 FAILED executions of `thumbnails` (publish timed out). What a resume does is
    /// set per execution for the first 30, the ones "someone else" resumes before the plan is
    /// applied: 0–9 run for hours, 10–19 fail again with another error, 20–29 succeed at once.
    /// The rest run an hour after any resume.
    static func incident(count: Int = 500) -> String {
        let now = Int(Date().timeIntervalSince1970 * 1000)
        func time(_ ms: Int) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
        }
        var lines: [String] = []
        for i in 0..<count {
            let start = now - 3_600_000 + i * 1000
            let rule = switch i {
            case 0..<10: ", \"on_resume\": {\"then\": \"succeed\", \"run_for\": \"2h\"}"
            case 10..<20: ", \"on_resume\": {\"then\": \"fail_again\", \"error\": \"AccessDenied: 403 Forbidden writing thumbs/\(i).jpg\", \"run_for\": \"0s\"}"
            case 20..<30: ", \"on_resume\": {\"then\": \"succeed\", \"run_for\": \"0s\"}"
            default: ""
            }
            lines.append(
                "{\"name\": \"\(name(i))\", \"state\": \"FAILED\", \"started_at\": \"\(time(start))\", \"stopped_at\": \"\(time(start + 800))\", "
                    + "\"state_map\": {\"make-thumbnail\": {\"status\": \"SUCCESS\", \"started_at\": \"\(time(start))\", \"stopped_at\": \"\(time(start + 400))\"}, "
                    + "\"publish\": {\"status\": \"FAILED\", \"started_at\": \"\(time(start + 400))\", \"stopped_at\": \"\(time(start + 800))\", "
                    + "\"error\": \"States.Timeout: publish timed out after \(30_000 + i) ms on host-\(i % 7)\"}}\(rule)}")
        }
        return "{\"graphs\": [{\"name\": \"thumbnails\", \"states\": [\"make-thumbnail\", \"publish\"],\n"
            + "\"on_resume\": [{\"when\": {\"state\": \"publish\"}, \"then\": \"succeed\", \"run_for\": \"1h\"}],\n"
            + "\"executions\": [\n" + lines.joined(separator: ",\n") + "\n]}]}\n"
    }

    static func name(_ i: Int) -> String { "exec-" + String(format: "%04d", i) }

    /// What obsw needs to reach `emulator` as production, as `user`.
    static func environment(_ emulator: EmulatorProcess, _ dir: TemporaryDirectory, user: String = "alice") -> [String: String] {
        emulator.clientEnvironment.merging([
            "HOME": dir.path, "XDG_STATE_HOME": dir.path + "/state", "LOGNAME": user, "OBSW_CONFIG_FILE": dir.path + "/config",
        ]) { a, _ in a }
    }

    /// A plan of every FAILED execution, written to `plan.json` in `dir`.
    static func makePlan(_ emulator: EmulatorProcess, _ dir: TemporaryDirectory, options: String = "--concurrency 16") async throws
        -> CommandResult
    {
        try await runObswInBackground(
            ["-c", "let failed = executions thumbnails --state FAILED; resume thumbnails $failed \(options) --plan plan.json"],
            environment: environment(emulator, dir), workingDirectory: dir.path)
    }

    @Test func applyResumesOnlyWhatIsStillAsPlannedAndASecondApplyNothing() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let emulator = try await EmulatorProcess.start(["--scenario", dir.write("incident.json", Self.incident())])
        defer { emulator.stop() }

        let made = try await Self.makePlan(emulator, dir)
        try #require(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains("resumes:  500 FAILED executions"), "\(made.stdout)")
        #expect(made.stdout.contains("made by:  alice@"), "\(made.stdout)")
        #expect(made.stdout.contains("Apply: obsw apply plan.json"), "\(made.stdout)")
        #expect(try await EmulatorControl.restores(emulator.endpoint).total == 0, "a plan resumes nothing")

        // Someone else resumes 30 of them meanwhile: 10 still run, 10 fail again differently,
        // 10 succeed.
        let others = (0..<30).map(Self.name).joined(separator: " ")
        let elsewhere = try await runObswInBackground(
            ["-c", "let r = resume thumbnails \(others) --journal other.jsonl; let w = wait thumbnails \((10..<30).map(Self.name).joined(separator: " ")) --timeout 2m"],
            environment: Self.environment(emulator, dir, user: "carol"), workingDirectory: dir.path)
        try #require(elsewhere.status == 0, "\(elsewhere.stderr)")
        #expect(elsewhere.stderr.contains("wait thumbnails: 10 SUCCESS, 10 FAILED"), "\(elsewhere.stderr)")
        try await EmulatorControl.resetRestores(emulator.endpoint)

        let env = Self.environment(emulator, dir, user: "bob")
        let applied = try await runObswInBackground(["apply", "plan.json"], environment: env, workingDirectory: dir.path)
        #expect(applied.status == 0, "\(applied.stderr)")
        let counts = try await EmulatorControl.restores(emulator.endpoint)
        #expect(counts.total == 470 && counts.counts.count == 470 && counts.counts.values.allSatisfy { $0 == 1 }, "\(counts.total)")
        #expect((0..<30).allSatisfy { counts.counts[Self.name($0)] == nil }, "the stale ones were not resumed")
        #expect(applied.stdout.contains("apply thumbnails (plan "), "\(applied.stdout)")
        #expect(applied.stdout.contains("470 resumed, 30 stale"), "\(applied.stdout)")
        for i in 0..<10 {
            #expect(applied.stdout.contains("\(Self.name(i)): skipped: stale: now RUNNING since "), "\(applied.stdout)")
            #expect(applied.stdout.contains("\(Self.name(i + 10)): skipped: stale: failed again at "), "\(applied.stdout)")
            #expect(applied.stdout.contains("\(Self.name(i + 20)): skipped: stale: now SUCCESS (stopped at "), "\(applied.stdout)")
        }
        #expect(applied.stdout.contains("differently: publish: AccessDenied: 403 Forbidden writing thumbs/10.jpg"), "\(applied.stdout)")

        let again = try await runObswInBackground(["apply", "plan.json"], environment: env, workingDirectory: dir.path)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try await EmulatorControl.restores(emulator.endpoint).total == 470, "a second apply resumes nothing")
        #expect(
            again.stdout.contains("0 resumed, 0 stale, 500 already applied (470 resumed, 30 not resumed before): nothing left to resume"),
            "\(again.stdout)")

        // The journal names the plan; the report shows it with its author.
        let journal = try #require(again.stdout.firstMatch(of: /journal (\S+\.jsonl)/).map { String($0.1) })
        let report = try await runObswInBackground(
            ["report", journal, "--html", "report.html", "--offline"], environment: env, workingDirectory: dir.path)
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: dir.path + "/report.html", encoding: .utf8)
        let digest = try #require(made.stdout.firstMatch(of: /Resume plan (sha256:[0-9a-f]{64})/).map { String($0.1) })
        #expect(html.contains("Applied plan <code>\(digest)</code>") && html.contains("made by alice@"), "\(html.prefix(3000))")
    }

    @Test func aPlanIsRefusedBeforeAnyRequestNamingTheRule() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let emulator = try await EmulatorProcess.start(["--scenario", dir.write("incident.json", Self.incident(count: 40))])
        defer { emulator.stop() }
        let made = try await Self.makePlan(emulator, dir)
        try #require(made.status == 0, "\(made.stderr)")
        let plan = try String(contentsOfFile: dir.path + "/plan.json", encoding: .utf8)
        var env = Self.environment(emulator, dir, user: "bob")
        env["OBSW_LOG"] = "debug"  // every request sent is logged: none may be

        func refused(_ arguments: [String], _ rule: String, environment: [String: String]? = nil) async throws {
            let result = try await runObswInBackground(arguments, environment: environment ?? env, workingDirectory: dir.path)
            #expect(result.status == 2, "\(arguments): \(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains(rule), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("→ "), "\(arguments) sent a request: \(result.stderr)")
        }

        // One byte changed: an error text, a blank, an approval.
        dir.write("edited.json", plan.replacing("timed out after 30001 ms", with: "timed out after 30002 ms"))
        try await refused(["apply", "edited.json"], "the plan was changed after it was made")
        dir.write("blank.json", plan.replacing("\"approvals\":[]", with: "\"approvals\": []"))
        try await refused(["apply", "blank.json"], "not as obsw wrote it")
        dir.write("cut.json", String(plan.prefix(plan.count / 2)))
        try await refused(["apply", "cut.json"], "not a plan")
        // Older than --max-age.
        try await refused(["apply", "--max-age", "1ms", "plan.json"], "older than --max-age 1ms")
        // Another endpoint, another service, a rehearsal.
        var elsewhere = env
        elsewhere["OBS_ENDPOINT"] = "http://127.0.0.1:9"
        try await refused(["apply", "plan.json"], "the plan is for \(emulator.endpoint), and http://127.0.0.1:9 is in force", environment: elsewhere)
        var dwr = env
        dwr.merge(["HUAWEICLOUD_SDK_AK": "AK", "HUAWEICLOUD_SDK_SK": "SK"]) { _, b in b }
        try await refused(
            ["apply", "--service", "dwr", "--region", "cn-north-9", "--project-id", "p1", "plan.json"], "the plan is for the obs service",
            environment: dwr)
        try await refused(["apply", "--local", "plan.json"], "--local is the embedded emulator")
        // A missing approval: the profile requires two; the author's own does not count.
        dir.write("config", "[default]\nrequire_approvals = 2\n")
        try await refused(["apply", "plan.json"], "the profile requires 2 approvals (require_approvals), and the plan has 0")
        let approve = try await runObswInBackground(["plan", "approve", "plan.json"], environment: env, workingDirectory: dir.path)
        #expect(approve.status == 0 && approve.stdout.contains("by bob@"), "\(approve.stdout)\(approve.stderr)")
        try await refused(["apply", "plan.json"], "and the plan has 1 (bob@")
        #expect(try await EmulatorControl.restores(emulator.endpoint).total == 0)

        // A second approver: it applies.
        let dave = try await runObswInBackground(
            ["plan", "approve", "plan.json"], environment: Self.environment(emulator, dir, user: "dave"), workingDirectory: dir.path)
        #expect(dave.status == 0 && dave.stdout.contains("it has 2 approvals"), "\(dave.stdout)\(dave.stderr)")
        let applied = try await runObswInBackground(["apply", "plan.json"], environment: Self.environment(emulator, dir), workingDirectory: dir.path)
        #expect(applied.status == 0 && applied.stdout.contains("40 resumed, 0 stale"), "\(applied.stdout)\(applied.stderr)")
        #expect(try await EmulatorControl.restores(emulator.endpoint).total == 40)
    }

    @Test func approvalsNeedASecondPersonAndAreKeptOnce() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let emulator = try await EmulatorProcess.start(["--scenario", dir.write("incident.json", Self.incident(count: 25))])
        defer { emulator.stop() }
        let made = try await Self.makePlan(emulator, dir, options: "--concurrency 4 --canary 5 --max-refail 10% --rps 20")
        try #require(made.status == 0, "\(made.stderr)")
        let alice = Self.environment(emulator, dir)
        let own = try await runObswInBackground(["plan", "approve", "plan.json"], environment: alice, workingDirectory: dir.path)
        #expect(own.status == 2 && own.stderr.contains("you (alice@") && own.stderr.contains("--self-approve"), "\(own.stderr)")
        let before = try String(contentsOfFile: dir.path + "/plan.json", encoding: .utf8)
        #expect(before.contains("\"approvals\":[]"), "a refused approval leaves the file as it was")
        chmod(dir.path + "/plan.json", 0o640)

        let bob = Self.environment(emulator, dir, user: "bob")
        for _ in 0..<2 {
            let approve = try await runObswInBackground(["plan", "approve", "plan.json"], environment: bob, workingDirectory: dir.path)
            #expect(approve.status == 0, "\(approve.stderr)")
        }
        let selfApproved = try await runObswInBackground(["plan", "approve", "--self-approve", "plan.json"], environment: alice, workingDirectory: dir.path)
        #expect(selfApproved.status == 0, "\(selfApproved.stderr)")
        var info = stat()
        stat(dir.path + "/plan.json", &info)
        #expect(info.st_mode & 0o777 == 0o640, "the rewrite keeps the file's mode")

        let shown = try await runObswInBackground(["plan", "show", "plan.json"], environment: bob, workingDirectory: dir.path)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.components(separatedBy: "bob@").count == 2, "one approval by bob, however often he approves: \(shown.stdout)")
        #expect(shown.stdout.contains("(self-approved)"), "\(shown.stdout)")
        #expect(shown.stdout.contains("concurrency 4, at most 20 resumes a second, canary 5 (max refail 10%, timeout 15m)"), "\(shown.stdout)")
        #expect(shown.stdout.contains("     25  publish: States.Timeout: publish timed out after <n> ms on host-<n>"), "\(shown.stdout)")

        let json = try await runObswInBackground(["plan", "show", "--format", "json", "plan.json"], environment: bob, workingDirectory: dir.path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stdout)")
        #expect(object["targets"] as? Int == 25)
        #expect((object["approvals"] as? [[String: Any]])?.count == 2)
        #expect((object["options"] as? [String: Any])?["canary"] as? Int == 5)

        // --plan-format json prints the same summary for tools.
        let planJSON = try await runObswInBackground(
            ["-c", "resume thumbnails exec-0001 exec-0002 nope --plan second.json --plan-format json"], environment: alice,
            workingDirectory: dir.path)
        #expect(planJSON.status == 0, "\(planJSON.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(planJSON.stdout.utf8)) as? [String: Any], "\(planJSON.stdout)")
        #expect(summary["targets"] as? Int == 2)
        let notPlanned = summary["not_planned"] as? [[String: Any]]
        #expect(notPlanned?.count == 1 && notPlanned?.first?["execution_name"] as? String == "nope", "\(planJSON.stdout)")
    }

    @Test func planMistakesAreClearAndWriteNothing() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let emulator = try await EmulatorProcess.start(["--scenario", dir.write("incident.json", Self.incident(count: 3))])
        defer { emulator.stop() }
        let env = Self.environment(emulator, dir)
        for (status, code, message): (Int32, String, String) in [
            (2, "resume thumbnails exec-0001 --plan p.json --dry-run", "resume: --plan cannot go with --dry-run [OBSW313]"),
            (2, "resume thumbnails exec-0001 --plan p.json --wait-lock", "resume: --plan cannot go with --wait-lock [OBSW313]"),
            (2, "resume thumbnails exec-0001 --plan-format json", "resume: --plan-format goes with --plan FILE [OBSW313]"),
            (3, "resume thumbnails exec-0001 --plan \(dir.path)", "is a directory; give a file name"),
        ] {
            let result = try await runObswInBackground(["-c", code], environment: env, workingDirectory: dir.path)
            #expect(result.status == status, "\(code): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(code): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/p.json"))
        let missing = try await runObswInBackground(["plan", "show", "nope.json"], environment: env, workingDirectory: dir.path)
        #expect(missing.status == 2 && missing.stderr.contains("cannot read the plan nope.json"), "\(missing.stderr)")
        let made = try await Self.makePlan(emulator, dir)
        try #require(made.status == 0, "\(made.stderr)")
        dir.write("config", "[default]\nrequire_approvals = two\n")
        let badConfig = try await runObswInBackground(["apply", "plan.json"], environment: env, workingDirectory: dir.path)
        #expect(badConfig.status == 2 && badConfig.stderr.contains("require_approvals must be a whole number from 0 to 100"), "\(badConfig.stderr)")
        #expect(try await EmulatorControl.restores(emulator.endpoint).total == 0)
    }
}
