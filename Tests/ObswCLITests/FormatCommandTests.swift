import Foundation
import OBSWTestSupport
import Testing

/// `obsw fmt` as users run it: in place over files and folders, standard input to standard
/// output, `--check` and `--diff`, and a file that does not parse left as it is.
@Suite(.timeLimit(.minutes(5))) struct FormatCommandTests {
    static let messy = "let x=[1 ,2]\nif len(x)>1{\nprint $x\n}\n"
    static let tidy = "let x = [1, 2]\nif len(x) > 1 {\n    print $x\n}\n"

    @Test func formatsStandardInputToStandardOutput() async throws {
        let piped = try await runObswInBackground(["fmt"], stdin: Self.messy)
        #expect(piped.status == 0 && piped.stdout == Self.tidy && piped.stderr.isEmpty, "\(piped)")
        let dash = try await runObswInBackground(["fmt", "-"], stdin: Self.messy)
        #expect(dash.stdout == Self.tidy)
        let check = try await runObswInBackground(["fmt", "--check"], stdin: Self.messy)
        #expect(check.status == 1 && check.stdout == "<stdin>\n", "\(check)")
        let clean = try await runObswInBackground(["fmt", "--check"], stdin: Self.tidy)
        #expect(clean.status == 0 && clean.stdout.isEmpty, "\(clean)")
    }

    /// A folder means every .obsw file under it, hidden folders aside; each file changed is
    /// named; its mode is kept; a file that does not parse is left, with the caret, exit 2.
    @Test func rewritesFilesInPlaceAndLeavesOneThatDoesNotParse() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        for folder in ["sub", ".hidden"] { mkdir(dir.path + "/" + folder, 0o700) }
        let messy = dir.write("a.obsw", Self.messy, mode: 0o750)
        let tidy = dir.write("sub/b.obsw", Self.tidy)
        let hidden = dir.write(".hidden/c.obsw", Self.messy)
        let other = dir.write("notes.txt", Self.messy)
        let broken = dir.write("sub/broken.obsw", "let x = (1 +\n")
        let result = try await runObswInBackground(["fmt", dir.path])
        #expect(result.status == 2, "\(result)")
        #expect(result.stdout == messy + "\n", "only the file changed is named: \(result.stdout)")
        #expect(result.stderr.contains("broken.obsw:2:1: error:") && result.stderr.contains("^"), "\(result.stderr)")
        #expect(try String(contentsOfFile: messy, encoding: .utf8) == Self.tidy)
        var info = stat()
        stat(messy, &info)
        #expect(info.st_mode & 0o777 == 0o750, "the file's mode is kept")
        #expect(try String(contentsOfFile: tidy, encoding: .utf8) == Self.tidy)
        #expect(try String(contentsOfFile: hidden, encoding: .utf8) == Self.messy, "hidden folders are not entered")
        #expect(try String(contentsOfFile: other, encoding: .utf8) == Self.messy, "only .obsw files")
        #expect(try String(contentsOfFile: broken, encoding: .utf8) == "let x = (1 +\n", "a file that does not parse is left")
        let again = try await runObswInBackground(["fmt", messy, tidy])
        #expect(again.status == 0 && again.stdout.isEmpty, "formatting is idempotent: \(again)")
    }

    @Test func checkListsWhatWouldChangeAndChangesNothing() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let messy = dir.write("a.obsw", Self.messy)
        let tidy = dir.write("b.obsw", Self.tidy)
        let result = try await runObswInBackground(["fmt", "--check", messy, tidy])
        #expect(result.status == 1 && result.stdout == messy + "\n", "\(result)")
        #expect(try String(contentsOfFile: messy, encoding: .utf8) == Self.messy)
    }

    /// The diff is one `patch` applies: it turns the file into what fmt writes.
    @Test func diffIsAPatchThatMakesTheLayout() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let text = "# keep\n\n\nlet a=1\nlet b=2\nlet c=3\nlet d=4\nlet e=5\nlet f=6\nlet g=7\nlet h=8\nprint   $a"
        let file = dir.write("a.obsw", text)
        let result = try await runObswInBackground(["fmt", "--check", "--diff", "a.obsw"], workingDirectory: dir.path)
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.hasPrefix("--- a/a.obsw\n+++ b/a.obsw\n@@ -1,"), "\(result.stdout)")
        #expect(result.stdout.contains("\\ No newline at end of file"), "\(result.stdout)")
        let patch = dir.write("a.patch", result.stdout)
        let applied = try await runProgramInBackground(
            URL(fileURLWithPath: "/usr/bin/patch"), ["-p1", "-i", patch], workingDirectory: dir.path)
        #expect(applied.status == 0, "\(applied)")
        let formatted = try await runObswInBackground(["fmt"], stdin: text)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == formatted.stdout)
    }

    @Test func badInputGetsAClearError() async throws {
        let missing = try await runObswInBackground(["fmt", "/nonexistent/x.obsw"])
        #expect(missing.status == 2 && missing.stderr.contains("cannot read '/nonexistent/x.obsw'"), "\(missing)")
        let broken = try await runObswInBackground(["fmt"], stdin: "print (\n")
        #expect(broken.status == 2 && broken.stdout.isEmpty && broken.stderr.contains("<stdin>:"), "\(broken)")
    }
}
