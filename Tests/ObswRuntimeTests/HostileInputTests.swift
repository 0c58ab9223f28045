import Foundation
import OBSWorkflowEmulator
import ObswLang
import Testing

@Suite(.timeLimit(.minutes(5))) struct HostileInputTests {
    /// Names with spaces, slashes, '+', '=' and non-ASCII are encoded and signed correctly:
    /// the service answers about the name (invalid, or not found), never "signature mismatch".
    @Test func awkwardNamesReachTheServiceIntact() async throws {
        let f = try await Fixture()
        defer { Task { await f.close() } }
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
        guard case .map(let e)? = slash.value else { Issue.record("\(slash.outcome)"); return }
        #expect(e["status"] == 400, "a name with a slash stays one path segment: \(e)")
    }

    @Test func wrongArgumentTypesAreClearErrors() async throws {
        let f = try await Fixture()
        defer { Task { await f.close() } }
        let cases: [(String, String)] = [
            ("executions thumbnails --limit many", "--limit takes a whole number"),
            ("executions thumbnails --limit 0", "--limit takes a whole number from 1"),
            ("resume thumbnails [1.5]", "a target is an execution name"),
            ("resume thumbnails {name: 1}", "needs an execution_name"),
            ("wait thumbnails x --timeout soon", "--timeout takes a duration"),
            ("wait thumbnails x --until forever", "--until takes terminal or success"),
            ("resume thumbnails x --concurrency 0", "--concurrency takes a whole number from 1 to 1024"),
            ("graph [1, 2]", "must be a name"),
        ]
        for (code, fragment) in cases {
            let run = await f.run(code)
            #expect(run.error?.message.contains(fragment) == true, "\(code): \(run.outcome)")
            #expect(run.error?.kind == .runtime)
        }
    }
}
