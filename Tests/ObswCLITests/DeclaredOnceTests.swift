import Foundation
@testable import obsw
import ObswSystem
import ObswTerminal
import Testing

/// What obsw tells its users about itself — the environment it reads, its exit statuses —
/// is declared once; the man page and help are made from the declaration, and these tests
/// read the sources so that a variable read without being declared (the man page once
/// lacked OBSW_LOG and every HUAWEICLOUD_SDK_ name) or a status written as a bare number
/// fails here.
@Suite(.timeLimit(.minutes(5))) struct DeclaredOnceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The Swift sources of what ships (not the fuzzing driver, which reads its own variable).
    static func shippedSources() throws -> [(path: String, text: String)] {
        let sources = root.appendingPathComponent("Sources")
        let skipped = ["obsw-fuzz", "ObswFuzzTargets"]
        guard let walk = FileManager.default.enumerator(atPath: sources.path) else { return [] }
        var files: [(String, String)] = []
        for case let path as String in walk where path.hasSuffix(".swift") {
            if skipped.contains(where: { path.hasPrefix($0 + "/") }) { continue }
            files.append((path, try String(contentsOf: sources.appendingPathComponent(path), encoding: .utf8)))
        }
        return files
    }

    /// Every environment variable the code reads: a name in a `getenv("…")`, an `env("…")`
    /// or an `environment["…"]`, and every string literal spelt like one (`"OBS_REGION"`).
    static func variablesRead() throws -> [String: String] {
        let patterns = [
            #"getenv\("([A-Za-z_][A-Za-z0-9_]*)"\)"#, #"env\("([A-Za-z_][A-Za-z0-9_]*)"\)"#,
            #"environment\["([A-Za-z_][A-Za-z0-9_]*)"\]"#, #""([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)""#,
        ].map { try! NSRegularExpression(pattern: $0) }
        var found: [String: String] = [:]
        for (path, text) in try shippedSources() {
            let range = NSRange(text.startIndex..., in: text)
            for pattern in patterns {
                for match in pattern.matches(in: text, range: range) {
                    if let name = Range(match.range(at: 1), in: text).map({ String(text[$0]) }) { found[name] = path }
                }
            }
        }
        return found
    }

    @Test func theEnvironmentTheCodeReadsIsTheEnvironmentDeclared() throws {
        let read = try Self.variablesRead()
        #expect(read.count >= 20, "the scan finds the reads: \(read.keys.sorted())")
        for (name, file) in read.sorted(by: { $0.key < $1.key }) where !EnvironmentVariables.names.contains(name) {
            Issue.record("Sources/\(file) reads \(name), which EnvironmentVariables (and so the man page) does not declare")
        }
        for name in EnvironmentVariables.names.sorted() where read[name] == nil {
            Issue.record("EnvironmentVariables declares \(name), which no source reads")
        }
    }

    /// The man page's ENVIRONMENT and EXIT STATUS sections list the declarations, each
    /// entry once, in their order.
    @Test func theManPageListsTheDeclarations() throws {
        let page = ManualCommand.page()
        let environment = try #require(section("ENVIRONMENT", of: page))
        let named = environment.filter { !$0.hasPrefix(".") }.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        #expect(named == EnvironmentVariables.all.map { $0.names.joined(separator: ", ") })
        for variable in ["HUAWEICLOUD_SDK_AK", "OBSW_LOG", "OBSW_SERVICE", "XDG_STATE_HOME"] {
            #expect(environment.contains { $0.contains(variable) })
        }
        let statuses = try #require(section("EXIT STATUS", of: page))
        let listed = statuses.filter { !$0.hasPrefix(".") }.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        #expect(listed == ExitStatus.allCases.map { "\($0.rawValue)" })
        #expect(statuses.contains(ManualCommand.escaped(ExitStatus.runtime.meaning)))
    }

    /// `obsw run --help` says the statuses in the enum's words.
    @Test func runHelpStatesTheExitStatuses() {
        let help = Obsw.helpMessage(for: RunCommand.self, columns: 10_000)
        #expect(help.contains(ExitStatus.summary), "\(help)")
        #expect(ExitStatus.summary.hasPrefix("0 all well; 1 an assert or expect failed; 2 usage or syntax error"))
    }

    /// Where obsw ends a command or a script, it names the status: no bare number.
    @Test func noStatusIsWrittenAsABareNumber() throws {
        let bare = try NSRegularExpression(pattern: #"ExitCode\(\d|exit\(\d|return (?:2|3|130)\b"#)
        for (path, text) in try Self.shippedSources() where path.hasPrefix("obsw/") || path.hasPrefix("ObswShell/") || path.hasPrefix("ObswTerminal/") {
            for match in bare.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let line = text[..<Range(match.range, in: text)!.lowerBound].count(where: { $0 == "\n" }) + 1
                Issue.record("Sources/\(path):\(line) ends with a bare status; name it with ExitStatus")
            }
        }
    }

    /// The lines of a man page section, up to the next.
    func section(_ name: String, of page: String) -> [String]? {
        let lines = page.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: ".SH \(name)") else { return nil }
        let rest = lines[(start + 1)...]
        return Array(rest.prefix { !$0.hasPrefix(".SH ") })
    }
}
