/// What the fuzzer (and the corpus replay test) drives: lex in both modes, parse, resolve
/// and format arbitrary bytes, running nothing. Any trap or hang here is a bug; diagnostics
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
        checkLayout(file)
    }

    /// `obsw fmt`: what parses gets a layout that reads as the same script (else the
    /// formatter refuses, which is its bug) and that formats to itself.
    static func checkLayout(_ file: SourceFile) {
        switch Engine().format(file) {
        case .invalid:
            return
        case .changesMeaning:
            preconditionFailure("obsw fmt would change what this script does")
        case .formatted(let text):
            guard case .formatted(let again) = Engine().format(SourceFile(name: "<fuzz>", text: text)), again == text else {
                preconditionFailure("obsw fmt is not idempotent on:\n\(text)")
            }
        }
    }
}
