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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Self.root.appendingPathComponent("Tests/Shell/shell_pty_tests.py").path, obswBinary.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.split(separator: "\n").last?.hasSuffix("passed, 0 failed") == true, "\(text)")
    }
}
