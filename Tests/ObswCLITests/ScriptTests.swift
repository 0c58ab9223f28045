import Foundation
import OBSWTestSupport
import Testing

/// Runs every `Tests/Scripts/**/*.obsw` with the built binary and checks the expectations
/// written in its comments (see `Tests/Scripts/README.md`).
@Suite(.timeLimit(.minutes(5))) struct ScriptTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Scripts")

    static let scripts: [String] = {
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        var found: [String] = []
        while let path = enumerator?.nextObject() as? String {
            let name = (path as NSString).lastPathComponent
            if path.hasSuffix(".obsw"), !name.hasPrefix("_") { found.append(path) }
        }
        return found.sorted()
    }()

    struct Expectations {
        var stdout: [String] = []
        var errors: [(line: Int, text: String)] = []
        var stderr: [String] = []
        var exit: Int32 = 0
        var arguments: [String] = []
        /// obsw's own options, before `run` (`# obsw: --local`).
        var options: [String] = []
        /// `run`, or `check` (`# subcommand: check`).
        var subcommand = "run"
    }

    static func expectations(of text: String) -> Expectations {
        var result = Expectations()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            func after(_ marker: String) -> String? {
                guard let range = line.range(of: marker) else { return nil }
                return String(line[range.upperBound...])
            }
            // One marker per line; `# stderr:` may quote source that contains other markers.
            if let value = after("# stderr: ") {
                result.stderr.append(value)
                continue
            }
            if let value = after("# expect: ") ?? (line.hasSuffix("# expect:") ? "" : nil) { result.stdout.append(value) }
            if let value = after("# error: ") { result.errors.append((index + 1, value)) }
            if let value = after("# exit: "), let status = Int32(value) { result.exit = status }
            if let value = after("# args: ") { result.arguments = value.split(separator: " ").map(String.init) }
            if let value = after("# obsw: ") { result.options = value.split(separator: " ").map(String.init) }
            if let value = after("# subcommand: ") { result.subcommand = value }
        }
        return result
    }

    @Test(arguments: scripts)
    func script(_ path: String) async throws {
        // Read leniently: some cases hold invalid UTF-8 on purpose.
        let text = String(decoding: try Data(contentsOf: Self.root.appendingPathComponent(path)), as: UTF8.self)
        let expected = Self.expectations(of: text)
        let result = try await runObswInBackground(
            expected.options + [expected.subcommand, path] + expected.arguments, environment: ["HOME": "/tmp"],
            workingDirectory: Self.root.path)
        let transcript = "--- stdout\n\(result.stdout)--- stderr\n\(result.stderr)"
        #expect(result.status == expected.exit, "exit status\n\(transcript)")
        var stdoutLines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if stdoutLines.last == "" { stdoutLines.removeLast() }
        #expect(stdoutLines == expected.stdout, "standard output\n\(transcript)")
        let stderrLines = result.stderr.split(separator: "\n").map(String.init)
        for line in expected.stderr {
            #expect(stderrLines.contains(line), "missing on stderr: \(line)\n\(transcript)")
        }
        for (line, fragment) in expected.errors {
            let prefix = "\(path):\(line):"
            #expect(
                stderrLines.contains { $0.hasPrefix(prefix) && $0.contains(fragment) },
                "missing error at line \(line): \(fragment)\n\(transcript)")
        }
        // Every error reported is expected: none beyond the marked lines.
        if !expected.errors.isEmpty {
            let reported = stderrLines.filter { $0.hasPrefix(path + ":") && $0.contains(": error: ") }
            #expect(reported.count == expected.errors.count, "unexpected errors\n\(transcript)")
        }
    }
}
