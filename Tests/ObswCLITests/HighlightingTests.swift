import Foundation
import ObswLang
import ObswRuntime
import OBSWTestSupport
import Testing

/// editors/: vim's syntax file and the TextMate grammar (VS Code) highlight a sample as
/// expected (Tests/Highlighting/test_highlighting.py: vim headless, and a TextMate
/// tokenizer), and both know every command, keyword and builtin obsw declares.
@Suite(.timeLimit(.minutes(5))) struct HighlightingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func vimAndTheTextMateGrammarHighlightTheSample() async throws {
        let python = try #require(SDKPython.path, "scripts/setup-sdk makes .venv-sdk with textmate-grammar-python")
        let folder = Self.root.appendingPathComponent("Tests/Highlighting").path
        let result = try await runProgramInBackground(
            URL(fileURLWithPath: python), ["-m", "pytest", "-q", "-p", "no:cacheprovider", folder],
            environment: ["HOME": "/tmp", "PATH": "/usr/bin:/bin"], workingDirectory: folder)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let passed = result.stdout.firstMatch(of: /(\d+) passed/).flatMap { Int($0.1) } ?? 0
        #expect(passed >= 3, "\(result.stdout)")
    }

    /// A command, keyword or builtin added to obsw and not to the editors' files fails here.
    @Test func theEditorsKnowEveryWordObswDeclares() throws {
        let vim = try String(contentsOf: Self.root.appendingPathComponent("editors/vim/syntax/obsw.vim"), encoding: .utf8)
        let grammar = try String(
            contentsOf: Self.root.appendingPathComponent("editors/vscode/syntaxes/obsw.tmLanguage.json"), encoding: .utf8)
        let engine = Engine(host: ServiceHost { () throws(ScriptError) in throw ScriptError(.runtime, "runs nothing") })
        let words = engine.catalog.commands.map(\.name) + LanguageHelp.keywordNames + LanguageHelp.builtinNames
        #expect(words.count >= 60, "\(words)")
        func listed(_ word: String, in text: String) -> Bool {
            text.contains(" \(word) ") || text.contains(" \(word)\n") || text.contains("|\(word)|") || text.contains("(\(word)|")
                || text.contains("|\(word))") || text.contains("%(\(word)\\|") || text.contains("\\|\(word)\\|") || text.contains("\\|\(word)\\)")
        }
        for word in words {
            #expect(listed(word, in: vim), "editors/vim/syntax/obsw.vim does not highlight '\(word)'")
            #expect(listed(word, in: grammar), "editors/vscode/syntaxes/obsw.tmLanguage.json does not highlight '\(word)'")
        }
    }
}
