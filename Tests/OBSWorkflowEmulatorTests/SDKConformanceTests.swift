import Foundation
import OBSWorkflowEmulator
import OBSWTestSupport
import Testing

/// The official OBS Python SDK, unmodified, against the emulator: the proof that the
/// emulator speaks the service's protocol and not merely our client's dialect.
@Suite(.timeLimit(.minutes(5))) struct SDKConformanceTests {
    @Test func officialPythonSDKWorksUnmodified() async throws {
        let keys = EmulatorConfiguration.demoCredentials
        try await expectConformance(
            EmulatorConfiguration(speed: 5, scenario: .demo), script: "sdk_conformance.py",
            arguments: { [$0, keys.accessKeyID, keys.secretAccessKey.reveal()] })
    }

    /// The official DWR SDK (huaweicloudsdkdwr) against the v3 face: every operation obsw
    /// uses, paging, filters, errors, bad signatures and a skewed clock.
    @Test func officialDWRSDKWorksUnmodified() async throws {
        let keys = EmulatorConfiguration.demoCredentials
        let scenario = Scenario(graphs: [
            .init(name: "conf", states: ["fetch", "work"],
                  seed: .init(count: 450, failed: 0.5, failAlways: 0, running: 0, spanMilliseconds: 20 * 86_400_000))
        ])
        try await expectConformance(
            EmulatorConfiguration(speed: 5, scenario: scenario), script: "dwr_sdk_conformance.py",
            arguments: { [$0, keys.accessKeyID, keys.secretAccessKey.reveal(), EmulatorConfiguration.demoProjectID] })
    }

    /// Runs a conformance script of Tests/Conformance against a fresh emulator; every check
    /// must pass.
    func expectConformance(
        _ configuration: EmulatorConfiguration, script name: String, arguments: (String) -> [String]
    ) async throws {
        let python = try #require(SDKPython.path, "the official SDKs are not installed: run scripts/setup-sdk (scripts/test does)")
        let emulator = try await WorkflowEmulator.start(configuration)
        let script = SDKPython.packageRoot.appendingPathComponent("Tests/Conformance/\(name)").path
        // On a thread of its own: the emulator answers from this process's concurrency pool,
        // which a test waiting there for Python would starve.
        let run = try await afterwards({
            try await runProgramInBackground(URL(fileURLWithPath: python), [script] + arguments(emulator.endpoint))
        }) {
            await emulator.stop()
        }
        let text = run.stdout + run.stderr
        #expect(run.status == 0, "\(text)")
        let summary = text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(summary.hasSuffix("passed, 0 failed"), "\(text)")
        #expect(!text.contains("FAIL "), "\(text)")
    }
}
