import Foundation
import OBSWTestSupport
import Testing

/// Runs Tests/Shell/shell_pty_tests.py: the real binary in a pseudo-terminal, driven by
/// pexpect (installed with the SDK by scripts/setup-sdk).
@Suite(.timeLimit(.minutes(5))) struct ShellPtyTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func interactiveShellInAPseudoTerminal() async throws {
        let python = ProcessInfo.processInfo.environment["OBSW_SDK_PYTHON"]
            ?? Self.root.appendingPathComponent(".venv-sdk/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("pexpect is not installed: run scripts/setup-sdk (scripts/test does)")
            return
        }
        // On a thread of its own: waiting here for the minute the pty tests take would hold a
        // thread of the concurrency pool that in-process emulators of other tests answer on.
        let run = try await runProgramInBackground(
            URL(fileURLWithPath: python), [Self.root.appendingPathComponent("Tests/Shell/shell_pty_tests.py").path, obswBinary.path])
        let text = run.stdout + run.stderr
        #expect(run.status == 0, "\(text)")
        #expect(run.stdout.split(separator: "\n").last?.hasSuffix("passed, 0 failed") == true, "\(text)")
    }
}
