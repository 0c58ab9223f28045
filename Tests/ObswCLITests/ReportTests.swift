import Foundation
import OBSWTestSupport
import Testing

/// `obsw report [JOURNAL] --html FILE`: a resume's journal and a final read of its
/// executions as one self-contained page — checked as the browser renders it (headless
/// Chromium runs its script), and from journals written by hand for the edge cases.
@Suite(.timeLimit(.minutes(5))) struct ReportTests {
    func environment(_ dir: TemporaryDirectory, _ emulator: EmulatorProcess? = nil) -> [String: String] {
        (emulator?.clientEnvironment ?? EmulatorProcess.demoCredentials).merging(["HOME": dir.path, "PATH": "/usr/bin:/bin"]) { a, _ in a }
    }

    /// Chromium from Debian's packages (`.ci/run` installs it when missing).
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The page as the browser leaves it after its script ran, at `fragment`.
    func rendered(_ file: String, fragment: String, _ dir: TemporaryDirectory) async throws -> String {
        let chromium = try #require(Self.chromium, "this test needs Chromium: apt-get install chromium (.ci/run installs it)")
        let profile = dir.path + "/chromium-profile"
        let result = try await runProgramInBackground(
            URL(fileURLWithPath: "/usr/bin/timeout"),
            ["120", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)",
             "--dump-dom", "file://\(file)#\(fragment)"],
            environment: ["HOME": dir.path, "PATH": "/usr/bin:/bin"])
        #expect(result.status == 0, "chromium: \(result.stderr.suffix(2000))")
        return result.stdout
    }

    @Test func aResumeThroughAQuotaRendersInTheBrowser() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        // 300 FAILED executions; those whose key says "fail-always" fail again when resumed.
        let scenario = dir.write("incident.json", """
            {"graphs": [{"name": "thumbnails", "states": ["fetch", "resize", "publish"],
              "seed": {"count": 300, "failed": 1, "fail_always": 0.1, "running": 0}}]}
            """)
        let emulator = try await EmulatorProcess.start(["--scenario", scenario, "--speed", "0.05", "--rate-limit", "100"])
        defer { emulator.stop() }
        let run = try await runObswInBackground(
            ["-c", """
                let failed = executions thumbnails --state FAILED
                let r = resume thumbnails $failed --concurrency 16
                let w = wait thumbnails $failed --timeout 2m
                print len([e for e in w if e.execution_state == "FAILED"])
                """], environment: environment(dir, emulator))
        #expect(run.status == 0, "\(run.stderr)")
        let failedAgain = try #require(Int(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(run.stdout)")
        #expect(failedAgain > 0 && failedAgain < 300, "the scenario makes some fail again: \(failedAgain)")

        // No journal named: the newest one the resume kept.
        let page = dir.path + "/report.html"
        let report = try await runObswInBackground(["report", "--html", page], environment: environment(dir, emulator))
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stderr.contains("obsw: report of the newest journal: \(dir.path)/.local/state/obsw/journal/thumbnails-"), "\(report.stderr)")
        #expect(report.stderr.contains("wrote \(page): 300 executions (300 resumed); now \(300 - failedAgain) SUCCESS, \(failedAgain) FAILED"), "\(report.stderr)")

        // Self-contained: nothing is fetched from anywhere.
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.firstMatch(of: /(src|href)\s*=|@import|url\(|<link|<iframe/) == nil, "the page refers to something outside itself")

        // The page as Chromium renders it, filtered from the address to what failed again.
        let dom = try await rendered(page, fragment: "final=FAILED", dir)
        #expect(dom.contains("<span id=\"shown\">\(failedAgain) of 300 shown</span>"), "\(dom.prefix(3000))")
        #expect(dom.matches(of: /<tr data-outcome="resumed" data-final="FAILED">/).count == failedAgain)
        #expect(dom.matches(of: /<tr data-outcome="resumed" data-final="SUCCESS" class="hidden">/).count == 300 - failedAgain)
        // The cards, the chart's bars, and the causes of what failed again.
        #expect(dom.contains("data-count=\"resumed\"><span class=\"n\">300</span>"))
        #expect(dom.contains("data-count=\"FAILED\"><span class=\"n\">\(failedAgain)</span>"))
        #expect(dom.matches(of: /<rect class="resumed"/).count >= 2, "resumes over at least two seconds at 100/s")
        let grouped = dom.matches(of: /<tr class="group"><td class="n">(\d+)<\/td>/).map { Int($0.1) ?? 0 }
        #expect(!grouped.isEmpty && grouped.reduce(0, +) == failedAgain, "triage groups \(grouped) cover the \(failedAgain) that failed again")
        #expect(grouped == grouped.sorted(by: >), "largest group first")
        // What the page says about refusals is what the service counted.
        let refused = try await EmulatorControl.quota(emulator.endpoint).refused
        if refused > 0 {
            #expect(dom.contains("The service refused \(refused) resume\(refused == 1 ? "" : "s") (429/503)"), "emulator refused \(refused)")
            #expect(dom.contains("<rect class=\"refused\""))
        } else {
            #expect(dom.contains("The service refused no resume."))
        }

        // A text filter from the address, as a link to a view would carry it.
        let filtered = try await rendered(page, fragment: "q=exec-0007", dir)
        #expect(filtered.contains("<span id=\"shown\">1 of 300 shown</span>"), "\(filtered.prefix(2000))")
    }

    /// A journal with what real ones hold after a bad day: a kill between send and record, a
    /// torn last line, two graphs, pace lines, and text that must not become markup.
    @Test func aJournalOnItsOwnWithEveryKindOfLine() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let journal = dir.write("resume.jsonl", """
            {"obsw_journal":1,"endpoint":"https://workflow.example.com","local":false,"at":"2026-12-01T10:00:00.000Z"}
            {"graph":"thumbnails","execution_name":"exec-0001","intent":"resume","at":"2026-12-01T10:00:00.100Z"}
            {"graph":"thumbnails","execution_name":"exec-0002","intent":"resume","at":"2026-12-01T10:00:00.100Z"}
            {"graph":"thumbnails","execution_name":"exec-0003","intent":"resume","at":"2026-12-01T10:00:00.100Z"}
            {"graph":"thumbnails","execution_name":"exec-0001","outcome":"resumed","at":"2026-12-01T10:00:00.300Z"}
            {"graph":"thumbnails","execution_name":"exec-0002","outcome":"failed","reason":"<script>alert(1)</script> & \\"quotes\\"","at":"2026-12-01T10:00:01.300Z"}
            {"graph":"thumbnails","pace":80,"throttled":7,"at":"2026-12-01T10:00:01.000Z"}
            {"graph":"transcode","execution_name":"exec-0009","intent":"resume","at":"2026-12-01T10:00:02.000Z"}
            {"graph":"transcode","execution_name":"exec-0009","outcome":"resumed","at":"2026-12-01T10:00:02.500Z"}
            {"graph":"thumbnails","execution_name":"exec-00
            """)
        let page = dir.path + "/out.html"
        let result = try await runObswInBackground(["report", journal, "--html", page, "--offline"], environment: environment(dir))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("final states not read (--offline)"), "\(result.stderr)")
        #expect(result.stderr.contains("wrote \(page): 4 executions (2 resumed, 1 failed, 1 unrecorded); final states not read"), "\(result.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(!html.contains("<script>alert"), "a reason is text, never markup")
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"))
        #expect(html.contains("1 line of the journal could not be read"))
        // Intents are written ahead of the sends: one without an outcome may not have been sent.
        #expect(html.contains("the resume may have been sent; nothing was recorded after its intent (the run was stopped)"), "exec-0003's intent was recorded, nothing after it")
        #expect(html.contains("<th>graph</th>"), "two graphs: the table names each row's")
        #expect(html.contains("The service refused 7 resumes (429/503)"))
        #expect(!html.contains("id=\"triage\""), "no final read: nothing to group")

        // A journal of another service: written, but its executions are not read here.
        let elsewhere = try await runObswInBackground(
            ["report", journal, "--html", page, "--endpoint", "http://127.0.0.1:9"], environment: environment(dir))
        #expect(elsewhere.status == 0, "\(elsewhere.stderr)")
        #expect(elsewhere.stderr.contains("final states not read: the journal was written against https://workflow.example.com, not http://127.0.0.1:9"), "\(elsewhere.stderr)")
    }

    /// The service the journal names is down: the report is still written without trying
    /// every execution — the reading stops after 16 failures with none read — and says why
    /// states are unknown.
    @Test func aServiceThatIsDownLeavesTheStatesUnknown() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let refusing = try RefusingPort()
        var lines = [#"{"obsw_journal":1,"endpoint":"\#(refusing.endpoint)","local":false,"at":"2026-12-01T10:00:00.000Z"}"#]
        for index in 1...200 {
            lines.append(#"{"graph":"thumbnails","execution_name":"exec-\#(index)","outcome":"resumed","at":"2026-12-01T10:00:01.000Z"}"#)
        }
        let journal = dir.write("down.jsonl", lines.joined(separator: "\n") + "\n")
        let page = dir.path + "/down.html"
        var environment = environment(dir)
        environment["OBS_ENDPOINT"] = refusing.endpoint
        environment["OBSW_LOG"] = "debug"
        let result = try await runObswInBackground(["report", journal, "--html", page], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("final states: 200 of 200 executions could not be read now (get execution exec-"), "\(result.stderr)")
        #expect(result.stderr.contains("connection refused"), "\(result.stderr)")
        // Reading stops at the 16th failure: 64 reads at once (as many as the pace lets go
        // out), each of the first 15 failures starting one more — at most 79 executions asked
        // for, not 200 (counted, not timed).
        let asked = Set(result.stderr.split(separator: "\n").compactMap { line -> Substring? in
            guard let arrow = line.range(of: "→ GET ") else { return nil }
            return line[arrow.upperBound...].split(separator: " ").first
        })
        #expect(asked.count >= 16 && asked.count <= 79, "\(asked.count) executions read")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("id=\"final-note\">final states: 200 of 200 executions could not be read now"))
    }

    @Test func badInputGetsAClearErrorAndNoPage() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let page = dir.path + "/out.html"
        func report(_ arguments: [String]) async throws -> CommandResult {
            try await runObswInBackground(["report"] + arguments, environment: environment(dir))
        }
        let none = try await report(["--html", page])
        #expect(none.status == 2)
        #expect(none.stderr.contains("no journal given, and obsw has kept none (under \(dir.path)/.local/state/obsw/journal)"), "\(none.stderr)")
        let missing = try await report([dir.path + "/nope.jsonl", "--html", page])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read the journal \(dir.path)/nope.jsonl"), "\(missing.stderr)")
        let empty = dir.write("empty.jsonl", "not json\n")
        let nothing = try await report([empty, "--html", page])
        #expect(nothing.status == 2)
        #expect(nothing.stderr.contains("the journal \(empty) records no resume (1 line could not be read)"), "\(nothing.stderr)")
        let intoDirectory = try await report([empty, "--html", dir.path])
        #expect(intoDirectory.status == 2)
        #expect(intoDirectory.stderr.contains("is a directory; give a file name"), "\(intoDirectory.stderr)")
        // After a rehearsal only: where its journal is.
        let rehearsal = try await runObswInBackground(
            ["--local", "-c", "let f = executions thumbnails --state FAILED\nlet r = resume thumbnails $f"], environment: environment(dir))
        #expect(rehearsal.status == 0, "\(rehearsal.stderr)")
        let hint = try await report(["--html", page])
        #expect(hint.status == 2)
        #expect(hint.stderr.contains("the newest of a --local rehearsal is \(dir.path)/.local/state/obsw/journal/local/thumbnails-"), "\(hint.stderr)")
        let noHTML = try await report([empty])
        #expect(noHTML.status == 2)
        #expect(noHTML.stderr.contains("--html"), "\(noHTML.stderr)")
        #expect(!FileManager.default.fileExists(atPath: page), "no page written for bad input")
    }
}
