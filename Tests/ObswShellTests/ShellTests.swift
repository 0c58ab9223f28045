import Foundation
import ObswLang
import ObswShell
import Testing

final class NoHost: CommandHost {
    let catalog: any CommandCatalog = StaticCatalog([])
    func run(_ invocation: CommandInvocation, engine: Engine) throws(ScriptError) -> Value { .null }
}

/// Records the commands it is asked to run (for the completion test).
final class RecordingHost: CommandHost, @unchecked Sendable {
    let catalog: any CommandCatalog = StaticCatalog([
        CommandSpec("execution", "", arguments: ["GRAPH", "NAME"], count: 2...2, kinds: [.graph, .execution])
    ])
    var calls: [CommandInvocation] = []
    func run(_ invocation: CommandInvocation, engine: Engine) throws(ScriptError) -> Value {
        calls.append(invocation)
        return .null
    }
}

@Suite(.timeLimit(.minutes(5))) struct ShellTests {
    @Test func continuationPromptsAndExit() {
        let reader = PlainLineReader(text: "let xs = [\n1,\n2]\nfor x in xs {\nprint $x\n}\nexit 4\nprint \"never\"\n")
        let shell = Shell(host: NoHost(), reader: reader, history: nil, label: "test")
        #expect(shell.run() == 4)
        #expect(reader.prompts == [
            "obsw (test) [1]> ", "  ...> ", "  ...> ", "obsw (test) [2]> ", "  ...> ", "  ...> ", "obsw (test) [3]> ",
        ])
    }

    @Test func endOfInputExitsZero() {
        let shell = Shell(host: NoHost(), reader: PlainLineReader(text: "let a = 1\n"), history: nil, label: "t")
        #expect(shell.run() == 0)
    }

    @Test func completion() {
        let completer = Completer(
            catalog: StaticCatalog([
                CommandSpec("resume", "", arguments: [], count: 0...9, options: [.init("concurrency", value: "N", ""), .init("dry-run", "")]),
                // What an argument names comes from the declaration (issue 14), not a list in the completer.
                CommandSpec("executions", "", arguments: [], count: 1...1, kinds: [.graph]),
                CommandSpec("help", "", arguments: [], count: 0...1, kinds: [.helpTopic]),
            ]),
            variables: { ["failed", "graph"] }, graphs: { ["thumbnails", "transcode"] })
        #expect(completer.complete("res").candidates == ["resume"])
        #expect(completer.complete("resume thumbnails x --c").candidates == ["--concurrency"])
        #expect(completer.complete("executions t").candidates == ["thumbnails", "transcode"])
        #expect(Completer.commonExtension("t", ["thumbnails", "transcode"]) == "")
        #expect(Completer.commonExtension("th", ["thumbnails"]) == "umbnails")
        #expect(completer.complete("print $fa").candidates == ["$failed"])
        #expect(completer.complete("let r = resume thumbnails $failed --d").candidates == ["--dry-run"])
        #expect(completer.complete("if x { res").candidates == ["resume"])
        #expect(completer.complete("help exe").candidates == ["executions"])
        #expect(completer.complete("help dur").candidates == ["duration"])
        #expect(completer.complete("help wh").candidates == ["while"])
    }

    /// A name from the service that is not a plain word completes quoted: typed or not, it
    /// becomes one argument, never code (`exec-0002;print "PWNED"` once completed as is).
    @Test func completionQuotesNamesThatAreNotWords() throws {
        let hostile = #"exec-0002;print "PWNED""#
        let completer = Completer(
            catalog: StaticCatalog([CommandSpec("execution", "", arguments: [], count: 2...2, kinds: [.graph, .execution])]),
            variables: { [] }, graphs: { ["thumbnails"] }, executions: { _, _ in [hostile, "exec-0003", "a b\u{1b}[2J"] })
        let quoted = #""exec-0002;print \"PWNED\"""#
        #expect(completer.complete("execution thumbnails exec-0002").candidates == [quoted])
        #expect(completer.complete("execution thumbnails \"exec-0002").candidates == [quoted])
        #expect(completer.complete("execution thumbnails exec-000").candidates == [quoted, "exec-0003"])
        #expect(completer.complete("execution thumbnails a").candidates == [#""a b\u{1b}[2J""#])
        // Nothing to extend in common when a candidate replaces the word.
        #expect(Completer.commonExtension("exec-000", [quoted, "exec-0003"]) == "")
        // The completed line names one execution: the quoted text is a single string argument.
        let host = RecordingHost()
        let engine = Engine(host: host)
        guard case .finished = engine.run(SourceFile(name: "t", text: "execution thumbnails \(quoted)")) else {
            Issue.record("the completed line did not run")
            return
        }
        #expect(host.calls.map(\.positional) == [[.string("thumbnails"), .string(hostile)]])
    }

    @Test func historyKeepsLinesSafelyAndCompacts() throws {
        let dir = NSTemporaryDirectory() + "obsw-history-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let history = ShellHistory(path: dir + "/nested/history", limit: 5)
        #expect(history.append("print 1"))
        #expect(!history.append("   "))
        #expect(!history.append("emulator --access-key AK --secret-key SK"))
        #expect(!history.append("let t = env OBS_SECURITY_TOKEN"))
        #expect(history.append("multi\nline \\ with backslash"))
        #expect(history.load() == ["print 1", "multi\nline \\ with backslash"])
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/nested/history")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        for i in 0..<20 { history.append("line \(i)") }
        let kept = history.load()
        #expect(kept.count == 5 && kept.last == "line 19")
        let raw = try String(contentsOfFile: dir + "/nested/history", encoding: .utf8)
        #expect(raw.split(separator: "\n").count <= 10)
        #expect(ShellHistory.defaultPath(environment: ["XDG_STATE_HOME": "/s"]) == "/s/obsw/history")
        #expect(ShellHistory.defaultPath(environment: ["HOME": "/home/op"]) == "/home/op/.local/state/obsw/history")
    }

    @Test func theConfiguredSecretItselfIsNeverWritten() throws {
        let dir = NSTemporaryDirectory() + "obsw-history-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let secret = "Zx9bQ2mLk7Pw4Rt1Yv8N", token = "tok-5f1e2d3c4b5a69788796"
        let history = ShellHistory(path: dir + "/history", secrets: [secret, token, "ab"])
        #expect(!history.append("let k = \"\(secret)\""))
        #expect(!history.append("print \(token)"))
        #expect(history.append("print ab"))  // too short to be a key: ordinary text
        #expect(history.append("print 1"))
        let raw = try String(contentsOfFile: dir + "/history", encoding: .utf8)
        #expect(!raw.contains(secret) && !raw.contains(token))
    }
}
