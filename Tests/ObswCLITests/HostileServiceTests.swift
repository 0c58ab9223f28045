import Foundation
import OBSWTestSupport
import Testing

/// What an operator sees when the other end is wrong: a wrong key, a skewed clock, a server
/// that is not a Data+ service, broken JSON. Each ends in one clear message (no stack, no
/// secret) and exit status 3, the documented status of an uncaught runtime error.
@Suite(.timeLimit(.minutes(5))) struct HostileServiceTests {
    static let secret = "obsw-emulator-demo-secret-key"

    func environment(_ endpoint: String, secret: String = Self.secret) -> [String: String] {
        ["HOME": "/nonexistent", "OBS_ENDPOINT": endpoint, "OBS_ACCESS_KEY_ID": "OBSWEMULATORDEMOKEY", "OBS_SECRET_ACCESS_KEY": secret]
    }

    /// Names and error texts from the service reached the terminal unchanged: an OSC title
    /// change, a screen clear, a bare CR. In tables, records and diagnostics every control
    /// is now shown (`\u{1b}`, `\r`), never obeyed.
    @Test func controlsFromTheServiceAreShownNotObeyed() async throws {
        let hostile = #"thumb\u001b]0;owned\u0007\u001b[2J\rX\r\nforged\u009b31m"#
        let server = try await TestHTTPServer.start { request, _ in
            if request.target.hasPrefix("/v2/workflows/broken") {
                return .json(400, #"{"error_code":"WF.0001","error_msg":"bad \#(hostile)"}"#)
            }
            return .json(200, #"{"count":1,"graphs":[{"name":"\#(hostile)","description":"\#(hostile)"}]}"#)
        }
        defer { Task { await server.stop() } }
        let shown = #"thumb\u{1b}]0;owned\u{7}\u{1b}[2J\rX\r\nforged\u{9b}31m"#
        for format in ["table", "tsv"] {
            let table = try await runObswInBackground(["-c", "graphs", "-o", format], environment: environment(server.endpoint))
            #expect(table.status == 0, "\(table.stderr)")
            #expect(!table.stdout.unicodeScalars.contains { $0 == "\u{1b}" || $0 == "\r" || $0 == "\u{9b}" }, "\(table.stdout.debugDescription)")
            // A table cuts long cells (48 characters); TSV keeps them whole.
            #expect(table.stdout.contains(format == "tsv" ? shown : String(shown.prefix(40))), "\(format): \(table.stdout)")
        }
        let error = try await runObswInBackground(["-c", "graph broken"], environment: environment(server.endpoint))
        #expect(error.status == 3)
        #expect(!error.stderr.unicodeScalars.contains { $0 == "\u{1b}" || $0 == "\r" || $0 == "\u{9b}" }, "\(error.stderr.debugDescription)")
        #expect(error.stderr.contains("bad " + shown), "\(error.stderr)")
    }

    @Test func wrongKeyIsExplainedWithTheFix() async throws {
        let emulator = try await EmulatorProcess.start()
        defer { emulator.stop() }
        let run = try await runObswInBackground(["-c", "graphs"], environment: environment(emulator.endpoint, secret: "a-wrong-secret"))
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("SignatureDoesNotMatch"), "\(run.stderr)")
        #expect(run.stderr.contains("hint: the secret access key does not match"), "the hint names what to fix: \(run.stderr)")
        #expect(!run.stderr.contains("a-wrong-secret"))
    }

    @Test func skewedClockIsExplained() async throws {
        // The emulator's clock an hour ahead is this machine's clock an hour behind.
        let emulator = try await EmulatorProcess.start(["--clock-offset", "1h"])
        defer { emulator.stop() }
        #expect(emulator.banner.contains("clock offset"), "\(emulator.banner)")
        let run = try await runObswInBackground(["-c", "graphs"], environment: environment(emulator.endpoint))
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("RequestTimeTooSkewed"), "\(run.stderr)")
        #expect(run.stderr.contains("hint: this machine's clock differs"), "\(run.stderr)")
        // Within the allowed 15 minutes nothing is wrong.
        let near = try await EmulatorProcess.start(["--clock-offset=-5m"])
        defer { near.stop() }
        #expect(try await runObswInBackground(["-c", "graphs"], environment: environment(near.endpoint)).status == 0)
    }

    @Test func clockOffsetMustBeADuration() async throws {
        let run = try await runObswInBackground(["emulator", "--port", "0", "--clock-offset", "soon"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--clock-offset 'soon' is not a duration"), "\(run.stderr)")
    }

    @Test func aServerThatNeverAnswersEndsInATimeout() async throws {
        let server = try await TestHTTPServer.start { _, _ in .delayed(.seconds(600), .json(200, "{}")) }
        let endpoint = server.endpoint
        let run = try await runObswInBackground(["--request-timeout", "500ms", "-c", "graphs"], environment: environment(endpoint))
        await server.stop()
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("timeout error: list workflows: no answer within 500ms (after 4 attempts)"), "\(run.stderr)")
    }

    /// The main job against a listing of the wrong shape: an invalid answer (exit 3), never
    /// "nothing to resume".
    @Test func theMainJobDoesNotTakeABrokenListingForAnEmptyOne() async throws {
        let server = try await TestHTTPServer.start { _, _ in .json(200, #"{"executions": "not a list"}"#) }
        let job = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/resume-failed.obsw").path
        let run = try await runObswInBackground(["run", job, "thumbnails"], environment: environment(server.endpoint))
        await server.stop()
        #expect(run.status == 3, "\(run.stderr)")
        #expect(!run.stdout.contains("nothing to resume") && !run.stderr.contains("nothing to resume"))
        #expect(run.stderr.contains("executions is not a list"), "\(run.stderr)")
    }

    @Test func requestTimeoutMustBeADuration() async throws {
        let run = try await runObswInBackground(["--request-timeout", "soon", "-c", "1"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--request-timeout 'soon' is not a duration"), "\(run.stderr)")
    }

    /// Answers that no Data+ service gives.
    @Test(arguments: [
        ("an HTML page", TestReply.respond(status: 200, headers: [("Content-Type", "text/html")], body: "<html><body>Welcome to nginx!</body></html>")),
        ("an HTML error page", TestReply.respond(status: 404, headers: [("Content-Type", "text/html")], body: "<html><body>Not Found</body></html>")),
        ("malformed JSON", TestReply.json(200, #"{"workflows": [}"#)),
        ("truncated JSON", TestReply.json(200, #"{"workflows": [{"name": "thumbn"#)),
        ("JSON of the wrong shape", TestReply.json(200, #"["not", "an", "object"]"#)),
    ])
    func answersNoDataPlusServiceGives(_ what: String, _ reply: TestReply) async throws {
        let server = try await TestHTTPServer.start { _, _ in reply }
        let endpoint = server.endpoint
        let run = try await runObswInBackground(["-c", "graphs"], environment: environment(endpoint))
        await server.stop()
        #expect(run.status == 3, "\(what): \(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        #expect(!lines.isEmpty && lines.count <= 4, "\(what): one clear message, not a dump: \(run.stderr)")
        #expect(run.stderr.lowercased().contains("workflows"), "\(what): names the operation: \(run.stderr)")
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains(Self.secret))
        print("\(what): \(run.stderr)")
    }
}
