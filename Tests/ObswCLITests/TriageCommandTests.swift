import Foundation
import OBSWTestSupport
import Testing

/// `triage` against the emulator's demo data, which fails in two states with several error
/// texts: groups by cause, largest first, on both services; one group resumed by itself.
@Suite(.timeLimit(.minutes(5))) struct TriageCommandTests {
    static let script = """
        let groups = triage thumbnails
        expect sum([g.count for g in groups]) == 44, "every FAILED execution is in a group"
        expect len(groups) == 8
        expect groups[0].count == 13 and groups[0].state == "publish"
        expect groups[0].error == "States.ActionFailed: simulated failure of publish for photos/<n>-fail-once.jpg"
        expect [g.count for g in groups] == reverse(sort([g.count for g in groups])), "largest first"
        expect len([g for g in groups if g.state == "make-thumbnail"]) == 4, "two states failed"
        let timeouts = [g for g in groups if g.state == "publish" and contains(g.error, "timed out")][0]
        expect timeouts.error == "States.Timeout: publish timed out after <n> ms on host-<n>"
        expect timeouts.count == 5 and contains(timeouts.sample, "ms on host-")

        # One group resumed by itself; the rest stay FAILED.
        let results = resume thumbnails $groups[0].executions
        expect len([r for r in results if r.outcome == "resumed"]) == 13
        let after = triage thumbnails $groups[0].executions $groups[1].executions
        expect len(after) == 1 and after[0].count == 8, "the resumed ones are no longer FAILED"
        """

    @Test(arguments: ["obs", "dwr"]) func groupsByCauseAndResumesOneGroup(_ service: String) async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let result = try await runObswInBackground(["--local", "--service", service, "-c", Self.script], environment: ["HOME": dir.path])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("triage thumbnails: 44 FAILED executions in 8 groups"), "\(result.stderr)")
        #expect(result.stderr.contains("triage thumbnails: 8 FAILED executions in 1 group; 13 not FAILED left out"), "\(result.stderr)")
        #expect(result.stderr.contains("10 passed, 0 failed"), "\(result.stderr)")
    }

    @Test func badInputIsSaid() async throws {
        let both = try await runObswInBackground(["--local", "-c", "triage thumbnails exec-0001 --since 1d"], environment: ["HOME": "/nonexistent"])
        #expect(both.status == 3)
        #expect(both.stderr.contains("with targets given, leave them out"), "\(both.stderr)")
        let none = try await runObswInBackground(["--local", "-c", "triage no-such-graph"], environment: ["HOME": "/nonexistent"])
        #expect(none.status == 3)
        #expect(none.stderr.contains("no-such-graph"), "\(none.stderr)")
    }
}
