import Foundation
import OBSWTestSupport
import Testing

/// `obsw lsp` end to end, as an editor drives it: Tests/LanguageServer/test_lsp.py runs a
/// real LSP client (pytest-lsp, on pygls) over pipes against the built binary — diagnostics
/// at the right UTF-16 range, completion, hover, definition and references, formatting,
/// garbage input, cancellation, shutdown and exit.
@Suite(.timeLimit(.minutes(5))) struct LanguageServerTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LanguageServer").path

    @Test func anEditorsClientOverPipes() async throws {
        let python = try #require(SDKPython.path, "scripts/setup-sdk makes .venv-sdk with pytest-lsp")
        let home = TemporaryDirectory()
        defer { home.remove() }
        let result = try await runProgramInBackground(
            URL(fileURLWithPath: python), ["-m", "pytest", "-q", "-p", "no:cacheprovider", Self.folder],
            environment: ["OBSW_BINARY": obswBinary.path, "HOME": home.path], workingDirectory: Self.folder)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let passed = result.stdout.firstMatch(of: /(\d+) passed/).flatMap { Int($0.1) } ?? 0
        #expect(passed >= 13, "\(result.stdout)")
    }
}
