import Foundation
@testable import obsw
import OBSWTestSupport
import Testing

/// Every ```obsw block in docs/language.md runs and passes, and every ```obsw-service block
/// there and in docs/incident.md runs against the embedded emulator, so the docs stay true.
@Suite(.timeLimit(.minutes(5))) struct DocsTests {
    static let blocks: [String] = examples(fence: "```obsw")
    static let serviceBlocks: [String] = examples(fence: "```obsw-service") + examples(fence: "```obsw-service", in: "docs/incident.md")

    static func examples(fence: String, in file: String = "docs/language.md") -> [String] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(file)
        guard let text = try? String(contentsOf: path, encoding: .utf8) else { return [] }
        var blocks: [String] = []
        var current: [String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == fence { current = [] } else if line == "```", let lines = current {
                blocks.append(lines.joined(separator: "\n"))
                current = nil
            } else if current != nil {
                current!.append(String(line))
            }
        }
        return blocks
    }

    /// The examples are in `obsw fmt`'s layout, as the scripts are (FormatCorpusTests).
    @Test(arguments: blocks + serviceBlocks)
    func exampleIsInTheLayout(_ code: String) async throws {
        let result = try await runObswInBackground(["fmt", "--check", "--diff"], stdin: code + "\n")
        #expect(result.status == 0, "run obsw fmt on this example of the docs:\n\(result.stdout)\(result.stderr)")
    }

    @Test func referenceHasExamples() {
        #expect(Self.blocks.count >= 7)
        #expect(Self.serviceBlocks.count >= 3, "language.md's and incident.md's")
    }

    @Test(arguments: serviceBlocks)
    func serviceExampleRunsOnTheEmulator(_ code: String) async throws {
        let result = try await runObswInBackground(["--local"], environment: ["HOME": "/tmp"], stdin: code)
        #expect(result.status == 0, "\(code)\n--- stderr\n\(result.stderr)")
    }

    @Test(arguments: blocks)
    func exampleRuns(_ code: String) async throws {
        let result = try await runObswInBackground([], environment: ["HOME": "/tmp"], stdin: code)
        #expect(result.status == 0, "\(code)\n--- stderr\n\(result.stderr)")
    }

    /// Every obsw command line the docs show — in a shell block (` ``` `, `sh`, `console`;
    /// a `$ ` prompt allowed) or inline (`` `obsw run --junit r.xml f.obsw` ``, when it has
    /// two words or more after `obsw`) — is accepted by obsw's own command line parser, with
    /// its checks (`CommandLineOrder`, then the declaration's validation), as if typed.
    /// docs/incident.md once showed `obsw run recover.obsw --junit report.xml`, which obsw
    /// refuses. Templates (`FILE`, `[OPTIONS]`, `bash|zsh|fish`, `...`) are not command lines.
    static let commandLines: [DocCommandLine] = DocCommandLine.all(in: ["README.md"] + docsFiles)

    static var docsFiles: [String] {
        let docs = root.appendingPathComponent("docs").path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: docs)) ?? []
        return names.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func theDocsShowCommandLines() {
        #expect(Self.commandLines.count >= 15, "\(Self.commandLines.map(\.text))")
        #expect(Self.commandLines.contains { $0.text.hasPrefix("obsw run --junit report.xml recover.obsw") })
    }

    /// docs/incident.md's change-control blocks (fenced `sh obsw-run`) run as written, in
    /// order, in one folder, against one `obsw emulator` playing production, with the
    /// profile its `ini` block shows. A block's first comment names who runs it (`# bob, the
    /// approver` runs as LOGNAME=bob). A line's comment says what it must do: `# exit 2:
    /// TEXT` exits 2 saying TEXT; `# WORDS: TEXT` exits 0 saying TEXT; otherwise exit 0.
    @Test func theChangeControlSectionRunsAsWritten() async throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("docs/incident.md"), encoding: .utf8)
        let runnable = Self.blocks(in: text, info: "sh obsw-run")
        let profile = try #require(Self.blocks(in: text, info: "ini").first { $0.contains("require_approvals") })
        try #require(runnable.count >= 3)
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let emulator = try await EmulatorProcess.start()
        defer { emulator.stop() }
        var environment = emulator.clientEnvironment.merging([
            "HOME": dir.path, "XDG_STATE_HOME": dir.path + "/state", "OBSW_CONFIG_FILE": dir.write("config", profile),
            "PATH": obswBinary.deletingLastPathComponent().path + ":/usr/bin:/bin",
        ]) { a, _ in a }
        var ran = 0
        for block in runnable {
            let lines = block.split(separator: "\n").map(String.init)
            environment["LOGNAME"] = try #require(lines.first?.firstMatch(of: /^# (\w+)/).map { String($0.1) }, "\(block)")
            for line in lines where !line.hasPrefix("#") && !line.isEmpty {
                var (status, says): (Int32, String?) = (0, nil)
                if let comment = line.firstMatch(of: /\s\s# (.*)$/)?.1 {
                    if let exit = comment.firstMatch(of: /^exit (\d+): (.*)$/) {
                        (status, says) = (Int32(exit.1)!, String(exit.2))
                    } else if let colon = comment.firstRange(of: ": ") {
                        says = String(comment[colon.upperBound...])
                    }
                }
                let result = try await runProgramInBackground(
                    URL(fileURLWithPath: "/bin/sh"), ["-c", line], environment: environment, workingDirectory: dir.path)
                #expect(result.status == status, "\(line)\n\(result.stdout)\(result.stderr)")
                if let says { #expect((result.stdout + result.stderr).contains(says), "\(line)\n\(result.stdout)\(result.stderr)") }
                ran += 1
            }
        }
        #expect(ran >= 6)
        #expect(try await EmulatorControl.restores(emulator.endpoint).total == 44, "the demo data's FAILED executions, each once")
        #expect(FileManager.default.fileExists(atPath: dir.path + "/report.html"))
    }

    /// The blocks of `text` fenced with exactly this info string.
    static func blocks(in text: String, info: String) -> [String] {
        var blocks: [String] = []
        var current: [String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```" + info { current = [] } else if line == "```", let lines = current {
                blocks.append(lines.joined(separator: "\n"))
                current = nil
            } else if current != nil {
                current!.append(String(line))
            }
        }
        return blocks
    }

    @Test(arguments: commandLines)
    func aCommandLineInTheDocsIsAccepted(_ line: DocCommandLine) {
        do {
            var command = try Obsw.parseAsRoot(try CommandLineOrder.normalize(line.arguments))
            try command.validate()
        } catch {
            let code = Obsw.exitCode(for: error)
            #expect(code == .success, "\(line.place): `\(line.text)` is refused: \(Obsw.message(for: error))")
        }
    }
}

/// One command line a doc shows: where, the text, and its words as a shell splits them.
struct DocCommandLine: Sendable, CustomTestStringConvertible {
    var place: String
    var text: String
    var arguments: [String]

    var testDescription: String { "\(place): \(text)" }

    static func all(in files: [String]) -> [DocCommandLine] {
        var found: [DocCommandLine] = []
        for file in files {
            guard let text = try? String(contentsOf: DocsTests.root.appendingPathComponent(file), encoding: .utf8) else { continue }
            var fence: String?
            for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("```") {
                    fence = fence == nil ? String(line.dropFirst(3)) : nil
                    continue
                }
                var candidates: [(String, inline: Bool)] = []
                if let fence {
                    // The language is the first word (`sh obsw-run` is a shell block DocsTests runs).
                    let language = fence.split(separator: " ").first.map(String.init) ?? ""
                    guard ["", "sh", "console", "bash", "shell"].contains(language) else { continue }
                    let command = line.hasPrefix("$ ") ? String(line.dropFirst(2)) : line
                    if command.hasPrefix("obsw "), !command.hasPrefix("obsw (") { candidates.append((command, false)) }
                } else {
                    for match in line.matches(of: /`(obsw [^`]*)`/) { candidates.append((String(match.1), true)) }
                }
                for (candidate, inline) in candidates {
                    guard let words = shellWords(candidate), !isTemplate(words), !inline || words.count >= 3 else { continue }
                    found.append(DocCommandLine(place: "\(file):\(index + 1)", text: candidate, arguments: Array(words.dropFirst().map(\.text))))
                }
            }
        }
        return found
    }

    /// A word and whether it was quoted.
    struct Word {
        var text: String
        var quoted: Bool
    }

    /// The words of a shell command up to a pipe, a redirection, `;`, `&&` or a comment;
    /// nil when a quote is not closed.
    static func shellWords(_ line: String) -> [Word]? {
        var words: [Word] = []
        var current = ""
        var quoted = false
        var started = false
        var quote: Character?
        var characters = Array(line)[...]
        func end() {
            if started { words.append(Word(text: current, quoted: quoted)) }
            current = ""
            quoted = false
            started = false
        }
        while let c = characters.popFirst() {
            if let open = quote {
                if c == open {
                    quote = nil
                } else if c == "\\", open == "\"", let next = characters.first, "\"\\$`".contains(next) {
                    current.append(characters.removeFirst())
                } else {
                    current.append(c)
                }
                continue
            }
            switch c {
            case "'", "\"":
                quote = c
                quoted = true
                started = true
            case " ", "\t": end()
            case "|", ">", "<", ";", "&": end(); return words
            case "#" where !started: return words
            default:
                current.append(c)
                started = true
            }
        }
        guard quote == nil else { return nil }
        end()
        return words
    }

    /// A usage pattern rather than a command: a placeholder in capitals (`FILE`, `GRAPH`,
    /// `NAME=VALUE`), brackets, `...`, or options named together (`--junit/--tap`).
    static func isTemplate(_ words: [Word]) -> Bool {
        words.contains { word in
            guard !word.quoted else { return false }
            return word.text.contains("[") || word.text.contains("...") || word.text.contains("/--")
                || word.text.split(separator: "=").contains { part in
                    part.count >= 2 && part.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" }
                }
        }
    }
}
