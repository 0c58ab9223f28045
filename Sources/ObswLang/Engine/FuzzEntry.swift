/// What the fuzzer (and the corpus replay test) drives: lex in both modes, parse and
/// resolve arbitrary bytes, running nothing. Any trap or hang here is a bug; diagnostics
/// are the expected outcome for garbage.
public enum FuzzEntry {
    public static func check(_ bytes: [UInt8]) {
        let file = SourceFile(name: "<fuzz>", bytes: bytes)
        for mode in [Lexer.Mode.expression, .argument] {
            var lexer = Lexer(file: file, fileID: 0)
            var count = 0
            while count <= bytes.count + 1 {
                let token = lexer.next(mode)
                if case .eof = token.kind { break }
                count += 1
            }
            precondition(count <= bytes.count + 1, "the lexer did not advance")
        }
        let engine = Engine()
        _ = engine.check(file)
        _ = engine.isIncomplete(String(decoding: bytes, as: UTF8.self))
    }
}
