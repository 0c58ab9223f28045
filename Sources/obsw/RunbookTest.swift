import OBSWorkflowEmulator
import ObswJSON
import ObswLang
import ObswSystem

/// One runbook test file (`*_test.obsw`) and what its directives ask for. Directives are
/// comments in the file's first lines (before its first line of code):
///
/// ```
/// # scenario: ../incident.json     the emulator's data, relative to this file (default: the demo data)
/// # service: dwr                   the emulator's face (default: obs, Data+ v2)
/// # args: thumbnails 16            the script's 'args'
/// # var: timeout=15m               one entry of 'vars' (may repeat)
/// ```
struct RunbookTest {
    var path: String
    var scenario: String?
    var service: String?
    var arguments: [String] = []
    var variables: [String] = []

    static let keys: Set<String> = ["scenario", "service", "args", "var"]

    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads the directives of the test at `path` (whose text is `bytes`) and checks them:
    /// the scenario they name must exist and be valid.
    init(path: String, bytes: [UInt8]) throws(Problem) {
        self.path = path
        let text = String(decoding: bytes, as: UTF8.self)
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingBlanks
            if line.isEmpty || line.hasPrefix("#!") { continue }
            guard line.hasPrefix("#") else { break }  // the first line of code ends the directives
            let body = line.dropFirst().trimmingBlanks
            guard let colon = body.firstIndex(of: ":") else { continue }
            let key = String(body[..<colon])
            guard Self.keys.contains(key) else { continue }
            let value = String(body[body.index(after: colon)...]).trimmingBlanks
            let place = "\(path):\(number + 1)"
            switch key {
            case "scenario":
                guard !value.isEmpty else { throw Problem(description: "\(place): '# scenario:' names no file") }
                guard scenario == nil else { throw Problem(description: "\(place): a second '# scenario:'; a test has one") }
                scenario = value.hasPrefix("/") ? value : Directory.folder(of: path) + "/" + value
                do { _ = try Scenario.load(path: scenario!) } catch {
                    throw Problem(description: "\(place): scenario \(value): \(error.description)")
                }
            case "service":
                guard ["obs", "dwr"].contains(value.lowercased()) else {
                    throw Problem(description: "\(place): '# service: \(value)' is not obs or dwr")
                }
                service = value.lowercased()
            case "args":
                arguments += value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            default:
                guard let equals = value.firstIndex(of: "="), equals != value.startIndex else {
                    throw Problem(description: "\(place): '# var:' takes NAME=VALUE, not '\(value)'")
                }
                variables.append(value)
            }
        }
    }

    /// How a test runs: `obsw run` against its own embedded emulator, its checks as TAP on
    /// standard output and JUnit to `junit`.
    func commandLine(junit: String) -> [String] {
        var words = ["run", "--local", "--color", "never", "--tap", "--junit", junit]
        if let service { words += ["--service", service] }
        if let scenario { words += ["--scenario", scenario] }
        for variable in variables { words += ["--var", variable] }
        words.append(path)
        if !arguments.isEmpty { words += ["--"] + arguments }
        return words
    }
}

/// A test's checks as its TAP told them.
struct TestOutcome {
    struct Check {
        var passed: Bool
        var name: String
        /// A failure's diagnostic block: message, file, line, found, wanted, notes.
        var message = ""
        var file = ""
        var line = 0
        var found: String?
        var wanted: String?
        var notes: [String] = []
        var isError = false
    }

    var checks: [Check] = []
    var planned: Int?
    var status: Int32 = 0
    var seconds: Double = 0
    /// The test's standard error, shown when it failed without a failing check to show.
    var errors = ""
    var tap = ""

    var failedChecks: [Check] { checks.filter { !$0.passed } }
    var passed: Bool { status == 0 && failedChecks.isEmpty && planned != nil }

    /// Reads TAP 14 as `CheckReports` writes it.
    static func parse(tap: String) -> TestOutcome {
        var outcome = TestOutcome()
        outcome.tap = tap
        var inBlock = false
        for line in tap.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("ok ") || line.hasPrefix("not ok ") {
                inBlock = false
                let passed = line.hasPrefix("ok ")
                let rest = line.dropFirst(passed ? 3 : 7)
                let name = rest.firstRange(of: " - ").map { String(rest[$0.upperBound...]) } ?? ""
                outcome.checks.append(Check(passed: passed, name: Self.unescapeDescription(name)))
            } else if line == "  ---" {
                inBlock = true
            } else if line == "  ..." {
                inBlock = false
            } else if inBlock, !outcome.checks.isEmpty {
                let trimmed = line.trimmingBlanks
                guard let colon = trimmed.firstIndex(of: ":") else { continue }
                let key = String(trimmed[..<colon])
                let value = String(trimmed[trimmed.index(after: colon)...]).trimmingBlanks
                let text = Self.unquote(value)
                var check = outcome.checks.removeLast()
                switch key {
                case "message": check.message = text
                case "severity": check.isError = value == "error"
                case "file": check.file = text
                case "line": check.line = Int(value) ?? 0
                case "found": check.found = text
                case "wanted": check.wanted = text
                case "note": check.notes.append(text)
                default: break
                }
                outcome.checks.append(check)
            } else if line.hasPrefix("1.."), let count = Int(line.dropFirst(3)) {
                outcome.planned = count
            }
        }
        return outcome
    }

    /// A YAML double-quoted scalar as `Escape.yamlString` writes it (JSON's escapes).
    static func unquote(_ value: String) -> String {
        guard value.hasPrefix("\"") else { return value }
        return (try? JSONParser.parse(value))?.stringValue ?? value
    }

    static func unescapeDescription(_ text: String) -> String {
        text.replacing("\\#", with: "#").replacing("\\\\", with: "\\")
    }
}
