import Foundation
import OBSWorkflowEmulator
import ObswLang
import Testing

@Suite(.timeLimit(.minutes(5))) struct HostileInputTests {
    /// Names with spaces, slashes, '+', '=' and non-ASCII are encoded and signed correctly:
    /// the service answers about the name (invalid, or not found), never "signature mismatch".
    @Test func awkwardNamesReachTheServiceIntact() async throws {
        try await withFixture(try await Fixture()) { f throws in
            for name in ["my graph", "a/b", "a+b=c", "graphé", "x%2Fy", "tab\there", "../../etc"] {
                let run = await f.run("try { graph \(Value.string(name).literalText) } catch e { e }")
                guard case .map(let e)? = run.value else { Issue.record("\(name): \(run.outcome)"); continue }
                #expect(e["status"] == 400 && e["code"] == "InvalidName", "\(name): \(e)")
            }
            for name in ["exec 1", "a+b=c", "é-✓", "x%41", "semi;colon", "q?x=1&y"] {
                let run = await f.run("try { execution thumbnails \(Value.string(name).literalText) } catch e { e }")
                guard case .map(let e)? = run.value else { Issue.record("\(name): \(run.outcome)"); continue }
                #expect(e["status"] == 404 && e["code"] == "ExecutionNotFound", "\(name): \(e)")
                #expect(e["message"]?.displayText.contains(name) == true, "\(name): \(e)")
            }
            let slash = await f.run("try { execution thumbnails \"a/b\" } catch e { e }")
            let e = try #require(slash.value?.mapValue, "\(slash.outcome)")
            #expect(e["status"] == 400, "a name with a slash stays one path segment: \(e)")
        }
    }

    @Test func wrongArgumentTypesAreClearErrors() async throws {
        try await withFixture(try await Fixture()) { f throws in
            // A bad value written in the script is refused before anything runs (issue 14:
            // `compileTime`); one that is not a literal option value fails at the call.
            let cases: [(String, String, compileTime: Bool)] = [
                ("executions thumbnails --limit many", "--limit takes a whole number", true),
                ("executions thumbnails --limit 0", "--limit takes a whole number from 1", true),
                ("resume thumbnails [1.5]", "a target is an execution name", false),
                ("resume thumbnails {name: 1}", "needs an execution_name", false),
                ("wait thumbnails x --timeout soon", "--timeout takes a duration", true),
                ("wait thumbnails x --until forever", "--until takes terminal or success", true),
                ("resume thumbnails x --concurrency 0", "--concurrency takes a whole number from 1 to 1024", true),
                ("graph [1, 2]", "must be a name", false),
                ("let n = \"many\"\nexecutions thumbnails --limit $n", "--limit takes a whole number", false),
            ]
            for (code, fragment, compileTime) in cases {
                let run = await f.run(code)
                if compileTime {
                    var messages: [String] = []
                    if case .invalid(let diagnostics) = run.outcome { messages = diagnostics.map(\.message) }
                    #expect(messages.count == 1 && messages[0].contains(fragment), "\(code): \(run.outcome)")
                } else {
                    #expect(run.error?.message.contains(fragment) == true, "\(code): \(run.outcome)")
                    #expect(run.error?.kind == .runtime)
                }
            }
        }
    }
}
