import Foundation
import ObswLang
import ObswRuntime
import OBSWTestSupport
import Testing

/// `obsw fmt` over every script the project ships and the fuzzer's language corpus: the
/// shipped scripts are already in its layout (what CI checks), a script made messy — other
/// indentation, trailing blanks, doubled blank lines — comes back exactly, and a script and
/// its formatted self run to the same output.
@Suite(.timeLimit(.minutes(10))) struct FormatCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let scriptsFolder = root.appendingPathComponent("Tests/Scripts").path

    /// Tests/Scripts (relative to it) and scripts/*.obsw (relative to the root).
    static let shipped: [String] = {
        var found: [String] = []
        for folder in ["Tests/Scripts", "scripts"] {
            let walk = FileManager.default.enumerator(atPath: root.appendingPathComponent(folder).path)
            while let path = walk?.nextObject() as? String {
                if path.hasSuffix(".obsw") { found.append(folder + "/" + path) }
            }
        }
        return found.sorted()
    }()

    static let fuzzSeeds: [String] = {
        let folder = root.appendingPathComponent("Tests/FuzzCorpus/language").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted().map { folder + "/" + $0 }
    }()

    /// The files that do not parse on purpose: each says it exits 2 (a syntax error test).
    static func expectsSyntaxError(_ path: String) -> Bool {
        // Read leniently: some cases hold invalid UTF-8 on purpose.
        let bytes = (try? Data(contentsOf: root.appendingPathComponent(path))) ?? Data()
        return ScriptTests.expectations(of: String(decoding: bytes, as: UTF8.self)).exit == 2
    }

    /// What CI checks: `obsw fmt --check` over everything shipped names no file; the only
    /// files it cannot read are syntax error tests.
    @Test func everyShippedScriptIsInTheLayout() async throws {
        #expect(Self.shipped.count >= 50, "\(Self.shipped.count) scripts found")
        let result = try await runObswInBackground(["fmt", "--check"] + Self.shipped, workingDirectory: Self.root.path)
        #expect(result.stdout.isEmpty, "not in obsw fmt's layout (run obsw fmt on them):\n\(result.stdout)")
        let errors = result.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
        let unparsed = Self.shipped.filter { path in errors.contains { $0.hasPrefix(path + ":") } }
        #expect(errors.allSatisfy { line in unparsed.contains { line.hasPrefix($0 + ":") } }, "\(result.stderr)")
        for path in unparsed {
            #expect(Self.expectsSyntaxError(path), "\(path) does not parse but is not a syntax error test:\n\(result.stderr)")
        }
        #expect(result.status == (unparsed.isEmpty ? 0 : 2), "\(result.stderr)")
    }

    /// `text` with other blanks where blanks do not matter: each line's indentation
    /// replaced (tabs, 0–4 spaces), two trailing blanks, every blank line doubled. A newline
    /// inside a token (a string over several lines) is not a line break here.
    static func messy(_ bytes: [UInt8]) -> [UInt8]? {
        let file = SourceFile(name: "m.obsw", bytes: bytes)
        // The catalog `obsw fmt` parses with: the service commands too.
        let engine = Engine(host: ServiceHost { () throws(ScriptError) in throw ScriptError(.runtime, "runs nothing") })
        var parser = Parser(file: file, fileID: 0, catalog: engine.catalog, knownNames: ["args", "vars"])
        let (_, diagnostics, tokens) = parser.parseProgramLaidOut()
        guard !diagnostics.contains(where: { $0.severity == .error }) else { return nil }
        var inside = Set<Int>()
        for laid in tokens {
            for offset in Int(laid.token.span.start)..<Int(laid.token.span.end) where file.bytes[offset] == 0x0A { inside.insert(offset) }
        }
        var lines: [[UInt8]] = [[]]
        for (offset, byte) in file.bytes.enumerated() {
            if byte == 0x0A, !inside.contains(offset) { lines.append([]) } else { lines[lines.count - 1].append(byte) }
        }
        var out: [UInt8] = []
        for (index, line) in lines.enumerated() {
            let body = line.drop { $0 == 0x20 || $0 == 0x09 }
            if body.isEmpty {
                if index < lines.count - 1 { out += [0x0A, 0x0A] }
                continue
            }
            out += index % 3 == 0 ? [0x09] : Array(repeating: 0x20, count: index % 5)
            out += body
            if body.last != UInt8(ascii: "\\") { out += [0x20, 0x20] }
            if index < lines.count - 1 { out.append(0x0A) }
        }
        return out
    }

    /// Formatting a messy copy gives the script back, and the messy copy runs as the script
    /// is expected to (its exit status and standard output, the expectations ScriptTests
    /// checks, with the same options). One `obsw fmt` formats every copy, to keep the
    /// processes few: the full suite runs beside it.
    @Test func aMessyScriptFormatsBackAndRunsTheSame() async throws {
        let copy = TemporaryDirectory()
        defer { copy.remove() }
        let tree = try await runProgramInBackground(URL(fileURLWithPath: "/bin/cp"), ["-R", Self.scriptsFolder + "/.", copy.path])
        #expect(tree.status == 0, "\(tree)")
        var compared: [(path: String, text: String, expected: ScriptTests.Expectations)] = []
        for path in Self.shipped where path.hasPrefix("Tests/Scripts/") {
            let relative = String(path.dropFirst("Tests/Scripts/".count))
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.scriptsFolder + "/" + relative)))
            guard let messyBytes = Self.messy(bytes) else {
                #expect(Self.expectsSyntaxError(path), "\(path) does not parse")
                continue
            }
            // What parses is valid UTF-8.
            let text = String(decoding: bytes, as: UTF8.self), messy = String(decoding: messyBytes, as: UTF8.self)
            #expect(messy != text, "\(path): the messy copy differs")
            _ = copy.write(relative, messy)
            compared.append((relative, text, ScriptTests.expectations(of: text)))
        }
        #expect(compared.count >= 40, "\(compared.count) scripts compared")
        // The messy copies run first, then are formatted back.
        for (relative, _, expected) in compared {
            let arguments = expected.options + [expected.subcommand, relative] + expected.arguments
            let run = try await runObswInBackground(arguments, environment: ["HOME": "/tmp"], workingDirectory: copy.path)
            var stdout = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if stdout.last == "" { stdout.removeLast() }
            #expect(run.status == expected.exit, "\(relative): the messy copy exits \(run.status), not \(expected.exit)\n\(run.stderr)")
            #expect(stdout == expected.stdout, "\(relative): the messy copy's standard output\n\(run.stdout)")
        }
        let formatted = try await runObswInBackground(["fmt"] + compared.map(\.path), workingDirectory: copy.path)
        #expect(formatted.status == 0, "\(formatted.stderr)")
        for (relative, text, _) in compared {
            let back = String(decoding: try Data(contentsOf: URL(fileURLWithPath: copy.path + "/" + relative)), as: UTF8.self)
            #expect(back == text, "\(relative): fmt of the messy copy is not the script\n\(back)")
        }
    }

    /// The fuzzer's language seeds (runbooks, not in the layout): formatted, each reads as
    /// the same script, formats to itself again, and runs on the embedded emulator to the
    /// same output (numbers aside: times and counts of a live run vary).
    @Test func theFuzzCorpusFormatsAndRunsTheSame() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var formattedCount = 0
        for seed in Self.fuzzSeeds {
            let text = try String(contentsOfFile: seed, encoding: .utf8)
            let once = try await runObswInBackground(["fmt"], stdin: text)
            guard once.status == 0 else {
                #expect(once.status == 2 && once.stderr.contains("error"), "\(seed): \(once)")
                continue
            }
            formattedCount += 1
            let twice = try await runObswInBackground(["fmt", "--check"], stdin: once.stdout)
            #expect(twice.status == 0, "\(seed): formatting is not idempotent\n\(once.stdout)")
            let name = URL(fileURLWithPath: seed).lastPathComponent
            let original = dir.write("original-" + name, text)
            let formatted = dir.write("formatted-" + name, once.stdout)
            let before = try await runObswInBackground(["--local", "run", original, "thumbnails"], environment: ["HOME": dir.path])
            let after = try await runObswInBackground(["--local", "run", formatted, "thumbnails"], environment: ["HOME": dir.path])
            func masked(_ text: String) -> String { text.replacing(/[0-9]+/, with: "N") }
            #expect(after.status == before.status, "\(name): exit \(after.status), before \(before.status)")
            #expect(masked(after.stdout) == masked(before.stdout), "\(name)\n--- before\n\(before.stdout)--- after\n\(after.stdout)")
        }
        #expect(formattedCount >= 5, "\(formattedCount) seeds formatted")
    }
}
