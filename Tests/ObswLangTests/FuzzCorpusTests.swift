import Foundation
import ObswLang
import Testing

/// Replays the committed fuzz corpus through the fuzzer's own entry point, so every input
/// that ever crashed or hung stays fixed without a libFuzzer build in CI.
@Suite(.timeLimit(.minutes(5))) struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("FuzzCorpus/language")

    @Test func corpusReplaysCleanly() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).sorted()
        #expect(files.count >= 5)
        for name in files {
            let bytes = try Array(Data(contentsOf: Self.corpus.appendingPathComponent(name)))
            FuzzEntry.check(bytes)
        }
    }

    /// Hostile inputs by hand: each must end in diagnostics, never a trap or a hang.
    @Test(arguments: [
        [UInt8](repeating: 0xFF, count: 64), [0x22, 0xC3, 0x28, 0x22], Array("\"\\".utf8), Array("$".utf8),
        Array("${".utf8), Array("$(".utf8), Array("'".utf8), Array("--".utf8), Array("print --".utf8),
        Array(String(repeating: "$(", count: 400).utf8), Array(String(repeating: "\"${", count: 300).utf8),
        Array(String(repeating: "{a:", count: 300).utf8), Array(String(repeating: "fn(){", count: 300).utf8),
        Array("let x = 1\r\nprint x\r\n".utf8), [0x00, 0x0A, 0x00], Array("1_".utf8), Array("1e".utf8), Array("1h30".utf8),
    ])
    func hostileInputs(_ bytes: [UInt8]) {
        FuzzEntry.check(bytes)
    }
}
