import Foundation
import OBSWTestSupport
import Testing

/// Files obsw writes for a user (`run --junit`, `report --html`) never clobber what they
/// should not: a device or FIFO is written through, a symlink's target is replaced (the
/// link stays), the file the command reads is refused, and an empty path is refused — each
/// before the script runs or anything is sent.
@Suite(.timeLimit(.minutes(5))) final class OutputFileTests {
    let dir = TemporaryDirectory()
    deinit { dir.remove() }

    /// A script with a side effect that shows whether it ran.
    var script: String { dir.write("t.obsw", "print \"the script ran\"\nexpect 1 == 1, \"one\"\n") }

    func fileType(_ path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : nil
    }

    /// As root (CI containers), `--junit /dev/null` once replaced the machine's /dev/null
    /// with a regular file. The test makes a device node of its own (a null device in its
    /// folder) so a regression cannot break the machine; without root it cannot make one,
    /// nor can obsw replace /dev/null, so /dev/null is used.
    @Test func aDeviceIsWrittenThroughNeverReplaced() async throws {
        var device = "/dev/null"
        if geteuid() == 0 {
            device = dir.path + "/null"
            // makedev(1, 3), the null device, in glibc's encoding of small numbers.
            #expect(mknod(device, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0, "mknod: \(errno)")
        }
        let run = try await runObswInBackground(["run", "--junit", device, script])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(fileType(device) == S_IFCHR, "\(device) is still a character device")
        let report = try await runObswInBackground(["report", writeJournal(), "--html", device, "--offline"])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(fileType(device) == S_IFCHR)
    }

    @Test func aSymlinkStaysALinkAndItsTargetIsWritten() async throws {
        let target = dir.write("real.xml", "old")
        let link = dir.path + "/link.xml"
        #expect(symlink("real.xml", link) == 0)
        let run = try await runObswInBackground(["run", "--junit", link, script])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(fileType(link) == S_IFLNK, "the link is kept")
        #expect(try String(contentsOfFile: target, encoding: .utf8).contains("<testsuites"), "its target holds the report")
        // A link to a name that does not exist yet: the file is made where it points.
        let dangling = dir.path + "/new.xml"
        #expect(symlink("made.xml", dangling) == 0)
        let made = try await runObswInBackground(["run", "--junit", dangling, script])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(fileType(dangling) == S_IFLNK && fileType(dir.path + "/made.xml") == S_IFREG)
    }

    @Test func aFIFOIsWrittenThroughOrRefusedWhenNothingReadsIt() async throws {
        let fifo = dir.path + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let unread = try await runObswInBackground(["run", "--junit", fifo, script])
        #expect(unread.status == 2)
        #expect(unread.stderr.contains("--junit \(fifo): nothing reads this FIFO"), "\(unread.stderr)")
        #expect(!unread.stdout.contains("the script ran"), "refused before the script ran")
        // With a reader (this test holds the read end; the pipe buffers the report), the
        // report goes through the FIFO and the FIFO stays one.
        let readEnd = open(fifo, O_RDONLY | O_NONBLOCK)
        #expect(readEnd >= 0)
        defer { close(readEnd) }
        let read = try await runObswInBackground(["run", "--junit", fifo, script])
        #expect(read.status == 0, "\(read.stderr)")
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let count = Glibc.read(readEnd, &buffer, buffer.count)
        let text = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
        #expect(text.contains("<testsuites"), "\(text)")
        #expect(fileType(fifo) == S_IFIFO)
    }

    @Test func theFileTheCommandReadsIsRefused() async throws {
        let journal = writeJournal()
        let before = try String(contentsOfFile: journal, encoding: .utf8)
        let report = try await runObswInBackground(["report", journal, "--html", journal, "--offline"])
        #expect(report.status == 2)
        #expect(report.stderr.contains("that is the journal this command reads"), "\(report.stderr)")
        #expect(try String(contentsOfFile: journal, encoding: .utf8) == before, "the journal is untouched")
        // The same file by another name (a hard link) is the same file.
        let alias = dir.path + "/alias.jsonl"
        #expect(link(journal, alias) == 0)
        let aliased = try await runObswInBackground(["report", journal, "--html", alias, "--offline"])
        #expect(aliased.status == 2)
        let file = script
        let run = try await runObswInBackground(["run", "--junit", file, file])
        #expect(run.status == 2)
        #expect(run.stderr.contains("that is the script this command reads"), "\(run.stderr)")
        #expect(!run.stdout.contains("the script ran"))
    }

    /// `--junit ''` passed the check: the whole script ran (a real one sends resumes), then
    /// the write failed with "NSCocoaErrorDomain error 512", exit 3.
    @Test func anEmptyPathIsRefusedBeforeTheScriptRuns() async throws {
        let run = try await runObswInBackground(["run", "--junit", "", script])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--junit is empty; give a file name"), "\(run.stderr)")
        #expect(!run.stdout.contains("the script ran"))
        let report = try await runObswInBackground(["report", writeJournal(), "--html", "", "--offline"])
        #expect(report.status == 2)
        #expect(report.stderr.contains("--html is empty"), "\(report.stderr)")
        let folder = try await runObswInBackground(["run", "--junit", dir.path + "/", script])
        #expect(folder.status == 2)
    }

    /// `obsw report FIFO` blocked forever; now it is refused as `resume --journal FIFO` is.
    @Test func aFIFOAsTheJournalIsRefused() async throws {
        let fifo = dir.path + "/journal-fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let report = try await runObswInBackground(["report", fifo, "--html", dir.path + "/r.html", "--offline"])
        #expect(report.status == 2)
        #expect(report.stderr.contains("is not a regular file (a FIFO)"), "\(report.stderr)")
    }

    /// A regular file is still replaced atomically, keeping its mode.
    @Test func aRegularFileIsReplacedKeepingItsMode() async throws {
        let target = dir.write("r.xml", "old", mode: 0o640)
        let run = try await runObswInBackground(["run", "--junit", target, script])
        #expect(run.status == 0, "\(run.stderr)")
        var info = stat()
        #expect(stat(target, &info) == 0 && info.st_mode & 0o777 == 0o640)
        #expect(try String(contentsOfFile: target, encoding: .utf8).contains("<testsuites"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".obsw-") }
        #expect(leftovers.isEmpty, "no temporary file is left: \(leftovers)")
    }

    func writeJournal() -> String {
        dir.write("journal-\(UInt32.random(in: 0...UInt32.max)).jsonl", """
            {"obsw_journal":1,"endpoint":"http://127.0.0.1:1","local":false,"at":"2026-12-01T10:00:00.000Z"}
            {"graph":"g","execution_name":"e1","outcome":"resumed","at":"2026-12-01T10:00:01.000Z"}

            """)
    }
}
