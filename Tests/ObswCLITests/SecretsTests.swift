import Foundation
import OBSWTestSupport
import Testing

/// A full run against an emulator that accepts a unique key pair: the secret key and the
/// security token appear in no output, error, journal, history or `--output json`.
@Suite(.timeLimit(.minutes(5))) struct SecretsTests {
    static let secret = "SeCrEt-\(UUID().uuidString)"
    static let token = "ToKeN-\(UUID().uuidString)"

    @Test func secretsAppearInNoArtifact() async throws {
        let emulator = try await EmulatorProcess.start(["--access-key", "AKSECRETSTEST", "--secret-key", Self.secret])
        defer { emulator.stop() }
        #expect(!emulator.banner.contains(Self.secret), "the emulator printed a secret it was given")
        let endpoint = emulator.endpoint
        #expect(!endpoint.isEmpty, "\(emulator.banner)")

        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let journal = dir.path + "/run.journal"
        let script = dir.write("run.obsw", """
            let failed = executions thumbnails --state FAILED
            let results = resume thumbnails $failed --journal "\(journal)"
            try { execution thumbnails no-such } catch e { print $e }
            print $(env OBS_ACCESS_KEY_ID)
            $results
            """)
        let environment = [
            "HOME": dir.path, "XDG_STATE_HOME": dir.path, "OBS_ENDPOINT": endpoint, "OBS_ACCESS_KEY_ID": "AKSECRETSTEST",
            "OBS_SECRET_ACCESS_KEY": Self.secret, "OBS_SECURITY_TOKEN": Self.token,
        ]
        var artifacts: [String] = []
        let run = try await runObswInBackground(["run", "--output", "json", script], environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        artifacts += [run.stdout, run.stderr]
        let config = try await runObswInBackground(["config"], environment: environment)
        artifacts += [config.stdout, config.stderr]
        // A wrong key: the error explains, without echoing what was sent.
        var wrong = environment
        wrong["OBS_SECRET_ACCESS_KEY"] = Self.secret + "-wrong"
        let refused = try await runObswInBackground(["-c", "graphs"], environment: wrong)
        #expect(refused.status == 3 && refused.stderr.contains("SignatureDoesNotMatch"))
        artifacts += [refused.stdout, refused.stderr]
        // A trace of every request and answer (OBSW_LOG): the signature and the token redacted.
        var tracing = environment
        tracing["OBSW_LOG"] = "trace"
        let traced = try await runObswInBackground(["run", script], environment: tracing)
        #expect(traced.status == 0, "\(traced.stderr)")
        #expect(traced.stderr.contains("Authorization: OBS AKSECRETSTEST:<redacted>"), "no trace: \(traced.stderr.prefix(500))")
        #expect(traced.stderr.contains("x-obs-security-token: <redacted>"))
        artifacts += [traced.stdout, traced.stderr]
        // A line typed with a secret in it never reaches the history file.
        let piped = try await runObswInBackground([], environment: environment, stdin: "print \"done\"\n")
        artifacts += [piped.stdout, piped.stderr]
        artifacts.append((try? String(contentsOfFile: journal, encoding: .utf8)) ?? "")
        for file in (FileManager.default.enumerator(atPath: dir.path)?.allObjects as? [String]) ?? [] {
            artifacts.append((try? String(contentsOfFile: dir.path + "/" + file, encoding: .utf8)) ?? "")
        }
        #expect(artifacts.joined().contains("AKSECRETSTEST"))  // the key id is not secret and does show
        for (index, artifact) in artifacts.enumerated() {
            #expect(!artifact.contains(Self.secret), "artifact \(index) holds the secret key")
            #expect(!artifact.contains(Self.token), "artifact \(index) holds the security token")
        }
    }

    /// The secret is in the process's memory, so obsw writes no core files at all.
    @Test func noCoreFileCanHoldTheSecret() async throws {
        let process = Process()
        process.executableURL = obswBinary
        // Ended by the defer below; long, so that a poll the loaded machine delays still finds
        // it running (a CI run's poll first ran after a 60-second sleep had ended).
        process.arguments = ["-c", "sleep 10m"]
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"]
        try process.run()
        defer { end(process) }
        // Poll (without holding a thread) until obsw has lowered the limit: it does so first thing.
        var limits = ""
        _ = await eventually(every: .milliseconds(50)) {
            limits = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/limits", encoding: .utf8)) ?? ""
            return limits.firstMatch(of: /Max core file size\s+0\s+0/) != nil
        }
        #expect(
            limits.firstMatch(of: /Max core file size\s+0\s+0/) != nil,
            "running: \(process.isRunning), limits: \(limits)")
    }

    @Test func aTenMegabyteScriptIsCheckedCleanly() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var text = ""
        text.reserveCapacity(10 << 20)
        var i = 0
        while text.utf8.count < 10 << 20 {
            text += "let v\(i) = [\(i), \"item \(i)\", {k: \(i)}]\n"
            i += 1
        }
        let file = dir.write("huge.obsw", text + "print \"end\" (len(v0))\n")
        let checked = try await runObswInBackground(["check", file])
        #expect(checked.status == 0, "\(checked.stderr.prefix(500))")
        let broken = dir.write("huge-broken.obsw", text + "let = oops\n")
        let failing = try await runObswInBackground(["check", broken])
        #expect(failing.status == 2 && failing.stderr.contains("expected a variable name"))
    }
}
