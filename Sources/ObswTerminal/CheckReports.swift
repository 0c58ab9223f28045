import ObswJSON
import ObswLang
import ObswSystem
import ObswText

/// A script's checks as CI systems read them: `obsw run --junit FILE` writes JUnit XML
/// (GitLab, Jenkins), `--tap` writes TAP 14 to standard output as the checks run. Each
/// `expect`/`assert` is one test named by its message (else its source text) with its file
/// and line; a failure carries both sides of a comparison. An uncaught error (or Ctrl-C)
/// is one more failing test, "the script ran to its end", so a report never looks green
/// for a script that stopped half way. The exit status stays the script's own.
public final class CheckReports {
    /// A check as reported: where, what, and the failure's details.
    struct Entry {
        var name: String
        var file: String
        var line: Int
        var passed: Bool
        var kind: String
        /// The failure's report lines (`expect failed: …`, the message, both sides).
        var details: [String]
        var seconds: Double
    }

    /// Where the JUnit report goes, checked before the script ran.
    let junit: OutputFile?
    public let tap: Bool
    private let write: (String) -> Void
    private var entries: [Entry] = []
    private let started = ContinuousClock.now
    private var last = ContinuousClock.now
    private let startedAt = WallClock.nowMilliseconds()

    /// - Parameter write: where TAP lines go (standard output).
    public init(junit: OutputFile?, tap: Bool, write: @escaping (String) -> Void) {
        self.junit = junit
        self.tap = tap
        self.write = write
        if tap { write("TAP version 14\n") }
    }

    /// One check that ran, located by the runner.
    public func record(_ check: CheckResult, file: String, line: Int) {
        let now = ContinuousClock.now
        let seconds = (now - last).secondsValue
        last = now
        let name = check.message.flatMap { $0.isEmpty ? nil : $0 } ?? check.text
        add(Entry(
            name: name, file: file, line: line, passed: check.passed, kind: check.hard ? "assert" : "expect",
            details: check.passed ? [] : check.report, seconds: seconds))
    }

    /// The script stopped before its end: an uncaught error or an interruption.
    public func recordStop(_ message: String, file: String, line: Int) {
        add(Entry(name: "the script ran to its end", file: file, line: line, passed: false, kind: "error", details: [message], seconds: 0))
    }

    private func add(_ entry: Entry) {
        entries.append(entry)
        guard tap else { return }
        var text = "\(entry.passed ? "ok" : "not ok") \(entries.count) - \(Self.tapDescription(entry.name))\n"
        if !entry.passed {
            // A YAML diagnostic block, as TAP 14 reads it.
            text += "  ---\n"
            text += "  message: \(Self.yamlString(entry.details.first ?? entry.name))\n"
            text += "  severity: \(entry.kind == "error" ? "error" : "fail")\n"
            text += "  at:\n    file: \(Self.yamlString(entry.file))\n    line: \(entry.line)\n"
            let rest = entry.details.dropFirst().map(\.trimmingBlanks)
            for line in rest {
                if line.hasPrefix("left:") { text += "  found: \(Self.yamlString(line.dropFirst(5).trimmingBlanks))\n" }
                else if line.hasPrefix("right:") { text += "  wanted: \(Self.yamlString(line.dropFirst(6).trimmingBlanks))\n" }
                else { text += "  note: \(Self.yamlString(line))\n" }
            }
            text += "  ...\n"
        }
        write(text)
    }

    /// Ends the report: TAP's plan, and the JUnit file. Returns a problem writing it, if any.
    public func finish(suiteName: String) -> String? {
        if tap { write("1..\(entries.count)\n") }
        guard let junit else { return nil }
        do throws(FileError) {
            try junit.write(junitXML(suiteName: suiteName))
            return nil
        } catch {
            return "the JUnit report: \(error)"
        }
    }

    func junitXML(suiteName: String) -> String {
        let failures = entries.count { !$0.passed && $0.kind != "error" }
        let errors = entries.count { !$0.passed && $0.kind == "error" }
        let seconds = Self.seconds((ContinuousClock.now - started).secondsValue)
        let counts = "tests=\"\(entries.count)\" failures=\"\(failures)\" errors=\"\(errors)\""
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"obsw\" \(counts) time=\"\(seconds)\">\n"
        xml += "  <testsuite name=\"\(Self.escape(suiteName))\" \(counts) skipped=\"0\" time=\"\(seconds)\" "
            + "timestamp=\"\(WireDate.iso8601Seconds(epochSeconds: startedAt / 1000))\">\n"
        for entry in entries {
            xml += "    <testcase name=\"\(Self.escape(entry.name))\" classname=\"\(Self.escape(suiteName))\" "
                + "file=\"\(Self.escape(entry.file))\" line=\"\(entry.line)\" time=\"\(Self.seconds(entry.seconds))\""
            if entry.passed {
                xml += "/>\n"
                continue
            }
            let element = entry.kind == "error" ? "error" : "failure"
            let text = (["\(entry.file):\(entry.line)"] + entry.details).joined(separator: "\n")
            xml += ">\n      <\(element) message=\"\(Self.escape(entry.details.first ?? entry.name))\" type=\"\(entry.kind)\">"
                + "\(Self.escape(text))</\(element)>\n    </testcase>\n"
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }

    static func escape(_ text: String) -> String { Escape.xml(text) }



    /// `1.250`: seconds with three decimals, as JUnit's `time` attributes are written.
    public static func seconds(_ value: Double) -> String {
        let milliseconds = Int((max(0, value.isFinite ? value : 0) * 1000).rounded())
        let fraction = milliseconds % 1000
        return "\(milliseconds / 1000)." + (fraction < 10 ? "00" : fraction < 100 ? "0" : "") + "\(fraction)"
    }

    static func tapDescription(_ text: String) -> String { Escape.tapDescription(text) }

    static func yamlString(_ text: String) -> String { Escape.yamlString(text) }
}
