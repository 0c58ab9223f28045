import Foundation
import OBSWorkflowEmulator
import OBSWTestSupport
import Testing

/// The official OBS Python SDK, unmodified, against the emulator: the proof that the
/// emulator speaks the service's protocol and not merely our client's dialect.
@Suite(.timeLimit(.minutes(5))) struct SDKConformanceTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var python: String? {
        if let configured = ProcessInfo.processInfo.environment["OBSW_SDK_PYTHON"] { return configured }
        let venv = packageRoot.appendingPathComponent(".venv-sdk/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }

    @Test func officialPythonSDKWorksUnmodified() async throws {
        guard let python = Self.python else {
            Issue.record("the official OBS Python SDK is not installed: run scripts/setup-sdk (scripts/test does)")
            return
        }
        let emulator = try await WorkflowEmulator.start(EmulatorConfiguration(speed: 5, scenario: .demo))
        let script = Self.packageRoot.appendingPathComponent("Tests/Conformance/sdk_conformance.py").path
        let keys = EmulatorConfiguration.demoCredentials
        // On a thread of its own: the emulator answers from this process's concurrency pool,
        // which a test waiting there for Python would starve.
        let run: CommandResult
        do {
            run = try await runProgramInBackground(
                URL(fileURLWithPath: python), [script, emulator.endpoint, keys.accessKeyID, keys.secretAccessKey.reveal()])
        } catch {
            await emulator.stop()
            throw error
        }
        await emulator.stop()
        let text = run.stdout + run.stderr
        #expect(run.status == 0, "\(text)")
        let summary = text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(summary.hasSuffix("passed, 0 failed"), "\(text)")
        #expect(!text.contains("FAIL "), "\(text)")
    }
}
