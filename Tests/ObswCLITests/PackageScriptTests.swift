import Foundation
import OBSWTestSupport
import Testing

/// `scripts/package` refuses what it cannot package honestly, before any build and without
/// leaving anything in dist/: a dirty tree (a package names its commit) and a machine
/// without the tools it needs. (CI runs the real packaging and scripts/check-package.)
@Suite(.timeLimit(.minutes(5))) final class PackageScriptTests {
    let dir = TemporaryDirectory()
    deinit { dir.remove() }

    /// A clone of this checkout's HEAD, to dirty without touching the real one.
    func clone() async throws -> String {
        let path = dir.path + "/clone"
        let run = try await runProgramInBackground(
            URL(fileURLWithPath: "/usr/bin/git"), ["clone", "-q", "--local", "--no-hardlinks", SDKPython.packageRoot.path, path])
        #expect(run.status == 0, "\(run.stderr)")
        return path
    }

    func package(in checkout: String, path: String = "/usr/local/bin:/usr/bin:/bin") async throws -> CommandResult {
        var environment = ["PATH": path, "HOME": dir.path]
        // The real toolchain, wherever it is, for the checks that look for swift.
        if let swift = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").first(where: {
            FileManager.default.isExecutableFile(atPath: "\($0)/swift")
        }) {
            environment["PATH"] = "\(swift):\(path)"
        }
        return try await runProgramInBackground(URL(fileURLWithPath: checkout + "/scripts/package"), [], environment: environment)
    }

    @Test func aDirtyTreeIsRefusedBeforeAnyBuild() async throws {
        let checkout = try await clone()
        try "changed\n".write(toFile: checkout + "/README.md", atomically: true, encoding: .utf8)
        let run = try await package(in: checkout)
        #expect(run.status == 1)
        #expect(run.stderr.contains("the working tree has changes"), "\(run.stderr)")
        #expect(run.stderr.contains("README.md"), "it names what changed: \(run.stderr)")
        #expect(!run.stdout.contains("building"), "nothing was built")
        #expect(!FileManager.default.fileExists(atPath: checkout + "/dist"), "nothing in dist/")
    }

    @Test func missingToolsAreNamedBeforeAnyBuild() async throws {
        let checkout = try await clone()
        // A PATH with every tool the script needs but dpkg-deb and dpkg-shlibdeps.
        let bin = dir.path + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for tool in ["git", "strip", "gzip", "tar", "sha256sum", "lintian", "dpkg-architecture", "bash", "sed", "dirname",
            "env", "cat", "grep", "mkdir", "rm", "mktemp", "perl"]
        {
            for folder in ["/usr/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(folder)/\(tool)") {
                try? FileManager.default.createSymbolicLink(atPath: "\(bin)/\(tool)", withDestinationPath: "\(folder)/\(tool)")
                break
            }
        }
        let run = try await package(in: checkout, path: bin)
        #expect(run.status == 1)
        #expect(run.stderr.contains("missing: dpkg-deb (dpkg) dpkg-shlibdeps (dpkg-dev)"), "\(run.stderr)")
        #expect(run.stderr.contains("apt-get install"), "it says how to get them: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: checkout + "/dist"), "nothing in dist/")
    }
}
