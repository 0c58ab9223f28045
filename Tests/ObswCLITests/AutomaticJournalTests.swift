import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OBSWTestSupport
import Testing

/// Every bulk resume keeps a journal of its own under the state folder, named in the
/// summary; given to `--journal`, it makes the next run skip what was resumed.
@Suite(.timeLimit(.minutes(5))) struct AutomaticJournalTests {
    @Test func aResumeKeepsAJournalTheNextRunCanUse() async throws {
        let emulator = try await EmulatorProcess.start()
        defer { emulator.stop() }
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let environment = emulator.clientEnvironment.merging(["HOME": "/nonexistent", "XDG_STATE_HOME": dir.path]) { a, _ in a }
        let first = try await runObswInBackground(
            ["-c", "let failed = executions thumbnails --state FAILED\nresume thumbnails [failed[i] for i in range(5)]"], environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        let named = try #require(first.stderr.firstMatch(of: /5 resumed in \S+; journal (\S+\.jsonl)/), "\(first.stderr)")
        let path = String(named.1)
        #expect(path.hasPrefix(dir.path + "/obsw/journal/thumbnails-"))
        // A header, then for each resume its intent (on disk before it was sent) and its outcome.
        let all = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let lines = all.filter { $0.contains(#""outcome""#) }
        #expect(lines.count == 5 && lines.allSatisfy { $0.contains(#""outcome":"resumed""#) })
        #expect(all.filter { $0.contains(#""intent":"resume""#) }.count == 5 && all.count == 11)
        #expect(all.first?.contains(#""obsw_journal":1"#) == true && all.first?.contains(#""local":false"#) == true, "a header names the service")
        #expect(first.stderr.contains("resume thumbnails: journal \(path)"), "the path is printed when the run starts")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // The next run, given that journal, skips those five and resumes the rest.
        let second = try await runObswInBackground(
            ["--output", "jsonl", "-c", "resume thumbnails $(executions thumbnails --state FAILED) \(names(lines)) --journal \"\(path)\""],
            environment: environment)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.components(separatedBy: "already resumed (journal").count - 1 == 5, "\(second.stdout)")
        // A dry run keeps no journal; nor does a run whose state folder cannot be made (it says so).
        let folder = dir.path + "/obsw/journal"
        let before = try FileManager.default.contentsOfDirectory(atPath: folder).count
        _ = try await runObswInBackground(["-c", "resume thumbnails exec-0001 --dry-run"], environment: environment)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == before)
        var unwritable = environment
        unwritable["XDG_STATE_HOME"] = "/proc/obsw-cannot-write-here"
        let noted = try await runObswInBackground(["-c", "resume thumbnails exec-0002"], environment: unwritable)
        #expect(noted.stderr.contains("obsw: no journal kept for this resume"), "\(noted.stderr)")
    }

    /// The execution names in journal lines, as a list literal.
    func names(_ lines: [Substring]) -> String {
        "[" + lines.compactMap { $0.firstMatch(of: /"execution_name":"([^"]+)"/).map { "\"\($0.1)\"" } }.joined(separator: ", ") + "]"
    }
}
