import Foundation
import OBSWTestSupport
import Testing

/// The runbooks that must run unchanged, through the binary, on the embedded emulator.
@Suite(.timeLimit(.minutes(5))) struct LocalRunbookTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = SharedFiles.examples

    static func lastLine(_ text: String) -> String { text.split(separator: "\n").last.map(String.init) ?? "" }

    @Test(.enabled(if: SharedFiles.present, "needs ../shared/examples beside the checkout (as in CI)"), arguments: ["recover-failed.obsw", "bulk-resume.obsw", "errors.obsw"])
    func sharedExample(_ name: String) async throws {
        let path = Self.shared.appendingPathComponent(name).path
        let result = try await runObswInBackground(["--local", "run", path], environment: ["HOME": "/nonexistent"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(Self.lastLine(result.stderr).firstMatch(of: /^\d+ passed, 0 failed$/) != nil, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("obsw: using an embedded Data+ emulator at http://127.0.0.1:"))
    }

    @Test func theMainJobFromTheQuickStart() async throws {
        let path = Self.repository.appendingPathComponent("scripts/resume-failed.obsw").path
        let result = try await runObswInBackground(["--local", "run", path], environment: ["HOME": "/nonexistent"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("thumbnails: 44 FAILED executions"))
        #expect(result.stdout.contains("  resumed: 44"))
        #expect(result.stdout.firstMatch(of: /after resuming: \d+ succeeded, \d+ failed again/) != nil)
        #expect(result.stderr.contains("resume thumbnails: 44 resumed in"))
        #expect(Self.lastLine(result.stderr) == "2 passed, 0 failed")
        let transcode = try await runObswInBackground(["--local", "run", path, "transcode", "--var", "concurrency=4", "--var", "timeout=2m"])
        #expect(transcode.status == 0 && transcode.stdout.hasPrefix("transcode: "), "\(transcode.stderr)")
    }

    @Test func machineOutput() async throws {
        let json = try await runObswInBackground(["--local", "-c", "graphs", "--output", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout.hasPrefix(#"[{"name":"thumbnails","created_at":""#))
        let lines = try await runObswInBackground(["--local", "-c", "executions thumbnails --state FAILED --limit 3", "--output", "jsonl"])
        let records = lines.stdout.split(separator: "\n")
        #expect(records.count == 3 && records.allSatisfy { $0.contains(#""execution_state":"FAILED""#) })
        let script = TemporaryDirectory()
        defer { script.remove() }
        let file = script.write("v.obsw", "let n = 2\n{n: n, list: [1, null]}\n")
        let run = try await runObswInBackground(["run", "--output", "json", file])
        #expect(run.stdout == #"{"n":2,"list":[1,null]}"# + "\n")
    }

    @Test func serviceCommandsWithoutConfigurationSayWhatIsMissing() async throws {
        let result = try await runObswInBackground(["-c", "graphs"], environment: ["HOME": "/nonexistent"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("no endpoint configured"), "\(result.stderr)")
        let languageOnly = try await runObswInBackground(["-c", "print 1"], environment: ["HOME": "/nonexistent"])
        #expect(languageOnly.status == 0)
    }
}

/// Live progress is drawn only when standard error is a terminal; the summary always.
@Suite(.timeLimit(.minutes(5))) struct ProgressTests {
    @Test func progressLineOnATerminalOnlySummaryAlways() async throws {
        let code = "let f = executions transcode --state FAILED; resume transcode $f --concurrency 2 --rps 40"
        let piped = try await runObswInBackground(["--local", "-c", code])
        #expect(piped.status == 0)
        #expect(!piped.stderr.contains("\u{1B}[K"))
        #expect(piped.stderr.firstMatch(of: #/resume transcode: \d+ resumed in /#) != nil)

        // `script` runs the binary on a pseudo-terminal.
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "util-linux's script is needed for the terminal check")
        let quoted = code.replacing("$", with: "\\$")
        let command = "\(obswBinary.path) --local -c \"\(quoted)\""
        // On a thread of its own, not one of the concurrency pool's few.
        let run = try await runProgramInBackground(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"])
        let text = run.stdout
        #expect(run.status == 0, "\(text)")
        #expect(text.contains("\r\u{1B}[Kresume transcode: "), "\(text)")
        #expect(text.firstMatch(of: /\d+ resumed, 0 skipped, 0 failed, \d+\/s/) != nil, "\(text)")
    }
}

/// https by default; plain http only to loopback, or with a flag that warns.
@Suite(.timeLimit(.minutes(5))) struct TransportSecurityTests {
    let environment = ["OBS_ENDPOINT": "http://obs.example.invalid", "OBS_ACCESS_KEY_ID": "a", "OBS_SECRET_ACCESS_KEY": "b", "HOME": "/nonexistent"]

    @Test func plainHTTPToARemoteHostIsRefused() async throws {
        let refused = try await runObswInBackground(["-c", "graphs"], environment: environment)
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("refusing plain http to http://obs.example.invalid"))
        #expect(refused.stderr.contains("--allow-insecure-http"))
    }

    /// Loopback is decided on the address: a name that starts with `127.` is not loopback.
    @Test(arguments: ["http://127.attacker.example", "http://127.0.0.1.attacker.example:9000", "http://1270.0.0.1",
        "http://127.0.0.256", "http://localhost.attacker.example"])
    func namesThatLookLikeLoopbackAreRefused(_ endpoint: String) async throws {
        var environment = self.environment
        environment["OBS_ENDPOINT"] = endpoint
        let refused = try await runObswInBackground(["-c", "graphs"], environment: environment)
        #expect(refused.status == 3, "\(endpoint): \(refused.stderr)")
        #expect(refused.stderr.contains("refusing plain http to \(endpoint)"), "\(refused.stderr)")
        let config = try await runObswInBackground(["config"], environment: environment)
        #expect(config.stderr.contains("will be refused (it is not loopback)"), "\(config.stderr)")
    }

    @Test func realLoopbackAddressesAreAllowed() async throws {
        for endpoint in ["http://127.0.0.1:9", "http://127.1.2.3:9", "http://localhost:9", "http://[::1]:9"] {
            var environment = self.environment
            environment["OBS_ENDPOINT"] = endpoint
            let run = try await runObswInBackground(
                ["--request-timeout", "1s", "-c", "try { graphs } catch e { print $e.kind }"], environment: environment)
            #expect(run.stdout == "network\n", "\(endpoint): \(run.stderr)")  // tried: nothing listens there
            #expect(!run.stderr.contains("refusing plain http"))
        }
    }

    @Test func theFlagAllowsItWithAWarning() async throws {
        let allowed = try await runObswInBackground(["--allow-insecure-http", "-c", "try { graphs } catch e { print $e.kind }"], environment: environment)
        #expect(allowed.status == 0)
        #expect(allowed.stdout == "network\n")  // no such host: it got as far as trying
        #expect(allowed.stderr.contains("warning: plain http to obs.example.invalid"))
    }
}
