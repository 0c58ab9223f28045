import Foundation
import OBSWTestSupport
import OBSWorkflow
import Testing

/// `obsw emulator` and `obsw --local`, run as a user would.
@Suite(.timeLimit(.minutes(5))) struct EmulatorCommandTests {
    /// Starts `obsw emulator ARGS` and returns the process, its endpoint and the banner.
    func startEmulator(_ arguments: [String]) async throws -> (Process, String, String) {
        let emulator = try await EmulatorProcess.start(arguments)
        return (emulator.process, emulator.endpoint, emulator.banner)
    }

    @Test func standaloneWithDemoKeysServesTheDemoDataAndStopsOnSIGTERM() async throws {
        let (process, endpoint, banner) = try await startEmulator(["--speed", "2"])
        #expect(!endpoint.isEmpty, "\(banner)")
        #expect(banner.contains("access key id:     OBSWEMULATORDEMOKEY"))
        #expect(banner.contains("secret access key: obsw-emulator-demo-secret-key"))
        let client = try OBSWorkflowClient(
            settings: TransportSettings(
                endpoint: try Endpoint(parsing: endpoint),
                credentials: Credentials(accessKeyID: "OBSWEMULATORDEMOKEY", secretAccessKey: Secret("obsw-emulator-demo-secret-key"))))
        let failed = try await client.executions(graph: "thumbnails", state: .failed).collect()
        #expect(!failed.isEmpty)
        await client.shutdown()
        process.terminate()  // SIGTERM
        #expect(await exitStatus(of: process) == 0)
    }

    @Test func givenKeysAreTheOnlyOnesAcceptedAndTheSecretIsNotPrinted() async throws {
        let (process, endpoint, banner) = try await startEmulator(["--access-key", "MYKEY", "--secret-key", "my-own-secret"])
        #expect(banner.contains("access key id:     MYKEY"))
        #expect(!banner.contains("my-own-secret"))
        func client(_ key: String, _ secret: String) throws -> OBSWorkflowClient {
            try OBSWorkflowClient(
                settings: TransportSettings(
                    endpoint: try Endpoint(parsing: endpoint), credentials: Credentials(accessKeyID: key, secretAccessKey: Secret(secret)),
                    retry: .never))
        }
        let mine = try client("MYKEY", "my-own-secret")
        #expect(try await mine.workflows().collect().count == 2)
        let demo = try client("OBSWEMULATORDEMOKEY", "obsw-emulator-demo-secret-key")
        do {
            _ = try await demo.workflows().collect()
            Issue.record("the demo key was accepted")
        } catch {
            #expect(error.serviceError?.code == "InvalidAccessKeyId")
        }
        await mine.shutdown()
        await demo.shutdown()
        process.interrupt()  // SIGINT, as Ctrl-C
        #expect(await exitStatus(of: process) == 0)
    }

    /// `--project-id` after `emulator` is the project it serves (not the connection's option
    /// of the same name), and a DWR client of that project is served.
    @Test func theDWRFaceServesTheProjectGiven() async throws {
        let (process, endpoint, banner) = try await startEmulator(["--project-id", "my-project_1"])
        defer { end(process) }
        #expect(banner.contains("project id:        my-project_1\n"), "\(banner)")
        #expect(banner.contains("/v3/my-project_1/..."), "\(banner)")
        let result = try await runObswInBackground(
            ["--service", "dwr", "--endpoint", endpoint, "--project-id", "my-project_1", "-o", "jsonl", "-c", "graphs"],
            environment: ["HOME": "/nonexistent", "HUAWEICLOUD_SDK_AK": "OBSWEMULATORDEMOKEY", "HUAWEICLOUD_SDK_SK": "obsw-emulator-demo-secret-key"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 2)
    }

    @Test func badOptionsAreRefused() async throws {
        let keyAlone = try await runObswInBackground(["emulator", "--access-key", "K"])
        #expect(keyAlone.status != 0 && keyAlone.stderr.contains("--access-key and --secret-key go together"))
        let badFaults = try await runObswInBackground(["emulator", "--faults", "500=3"])
        #expect(badFaults.status == 2 && badFaults.stderr.contains("500 must be a rate between 0 and 1"))
        let missingScenario = try await runObswInBackground(["emulator", "--scenario", "/nonexistent.json"])
        #expect(missingScenario.status == 2 && missingScenario.stderr.contains("cannot read scenario file"))
        // Numbers beyond what the clock can hold are refused, never an overflow trap.
        let offset = try await runObswInBackground(["emulator", "--clock-offset", "99999999999999999h"])
        #expect(offset.status == 2 && offset.stderr.contains("--clock-offset '99999999999999999h' is not a duration"), "\(offset.stderr)")
        let century = try await runObswInBackground(["emulator", "--clock-offset=-1000000h"])
        #expect(century.status == 2 && century.stderr.contains("within 100 years"), "\(century.stderr)")
        for quota in ["0", "-5", "99999999999"] {
            let result = try await runObswInBackground(["emulator", "--rate-limit=\(quota)"])
            #expect(result.status == 2 && result.stderr.contains("--rate-limit must be 1 to 1000000"), "\(quota): \(result.stderr)")
        }
        let notANumber = try await runObswInBackground(["emulator", "--rate-limit", "lots"])
        #expect(notANumber.status == 2, "\(notANumber.stderr)")
        let projectID = try await runObswInBackground(["emulator", "--project-id", "a/b"])
        #expect(projectID.status == 2 && projectID.stderr.contains("--project-id must be 1-64 letters"), "\(projectID.stderr)")
        for speed in ["1e-300", "0", "1e300", "nan"] {
            let result = try await runObswInBackground(["emulator", "--speed", speed])
            #expect(result.status == 2 && result.stderr.contains("--speed must be a number from 0.0001 to 10000"), "\(speed): \(result.stderr)")
        }
    }

    @Test func scenarioFileReplacesTheDemoData() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.write("s.json", """
            {"graphs": [{"name": "ingest", "states": ["fetch", "store"], "seed": {"count": 12, "failed": 0.5}}],
             "executions": [{"graph": "ingest", "object": "x/fail-always-1", "started_ago": "1h"}]}
            """)
        let (process, endpoint, _) = try await startEmulator(["--scenario", file])
        let client = try OBSWorkflowClient(
            settings: TransportSettings(
                endpoint: try Endpoint(parsing: endpoint),
                credentials: Credentials(accessKeyID: "OBSWEMULATORDEMOKEY", secretAccessKey: Secret("obsw-emulator-demo-secret-key"))))
        #expect(try await client.workflows().collect().compactMap(\.name) == ["ingest"])
        #expect(try await client.executions(graph: "ingest").collect().count == 13)
        await client.shutdown()
        process.terminate()
        await exitStatus(of: process)
    }

    @Test func localPointsTheSessionAtAnEmbeddedEmulator() async throws {
        let result = try await runObswInBackground(["--local", "config"], environment: ["HOME": "/nonexistent", "OBS_ENDPOINT": "https://elsewhere.example.com"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("obsw: using an embedded Data+ emulator at http://127.0.0.1:"))
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stdout.contains("endpoint: http://127.0.0.1:"))
        #expect(result.stdout.contains("access_key_id: OBSWEMULATORDEMOKEY"))
        let conflict = try await runObswInBackground(["--local", "--endpoint", "x.example.com", "config"])
        #expect(conflict.status != 0 && conflict.stderr.contains("--local uses the embedded emulator"))
    }
}
