@testable import ObswLang
import Testing

/// Options are declared with types; a literal of the wrong type is a compile-time error
/// with a caret, a run-time value is checked once at the call with the same message, and
/// the host receives values in their checked form.
@Suite(.timeLimit(.minutes(5))) struct TypedOptionTests {
    final class TypedHost: CommandHost {
        let catalog: any CommandCatalog = StaticCatalog([
            CommandSpec("every", "an option of each type", arguments: [], count: 0...0,
                options: [
                    .init("n", .int(1...10), "int"),
                    .init("d", .duration, "duration"),
                    .init("c", .choice(["RED", "GREEN"]), "choice"),
                    .init("f", .flag, "flag"),
                    .init("s", .string, "string"),
                    .init("t", .time, "time"),
                    .init("a", .timeOrAgo, "time or how long ago"),
                    .init("r", .string, required: true, "required"),
                ])
        ])
        var calls: [CommandInvocation] = []
        func run(_ invocation: CommandInvocation, engine: Engine) throws(ScriptError) -> Value {
            calls.append(invocation)
            return .null
        }
    }

    func diagnostics(_ code: String) -> [Diagnostic] {
        Engine(host: TypedHost()).check(SourceFile(name: "t", text: code)).filter { $0.severity == .error }
    }

    @Test(arguments: [
        ("every --r x --n 11", "every: --n takes a whole number from 1 to 10, not 11", 17),
        ("every --r x --n ten", "every: --n takes a whole number from 1 to 10, not \"ten\"", 17),
        ("every --r x --d soon", "every: --d takes a duration like 30s or 15m, not \"soon\"", 17),
        ("every --r x --d -1s", "every: --d takes a duration like 30s or 15m, not -1s", 17),
        ("every --r x --c BLUE", "every: --c takes RED or GREEN, not 'BLUE'", 17),
        ("every --r x --s [1, 2]", "every: --s takes a word, not [1, 2]", 17),
        ("every --r x --t yesterday", "every: --t takes an ISO-8601 UTC time like 2026-11-24T13:00:00Z, not \"yesterday\"", 17),
        ("every --r x --f=1", "--f is a flag and takes no value", 13),
        ("every --r x --a lately", "every: --a takes a time like 2026-11-24T13:00:00Z or a duration like 30d (that long ago), not \"lately\"", 17),
        ("every --r x --a -2d", "every: --a takes a time like 2026-11-24T13:00:00Z or a duration like 30d (that long ago), not -2d", 17),
    ])
    func aBadLiteralIsACompileTimeErrorAtItsValue(code: String, message: String, column: Int) {
        let found = diagnostics(code)
        #expect(found.map(\.message) == [message], "\(code)")
        if let first = found.first {
            let file = SourceFile(name: "t", text: code)
            #expect(file.location(of: Int(first.span.start)).column == column, "the caret is under the value: \(code)")
        }
    }

    @Test func goodLiteralsPassAndArriveInTheirCheckedForm() throws {
        #expect(diagnostics("every --r x --n 3 --d 90 --c green --f --s 7 --t 2026-11-24T13:00:00Z --a 2026-11-01").isEmpty)
        #expect(diagnostics("every --r x --a 12h").isEmpty)
        let host = TypedHost()
        let engine = Engine(host: host)
        let outcome = engine.run(SourceFile(name: "t", text: #"every --r x --n "3" --d "2m" --c green --f --s 7 --t "2026-11-24T13:00:00Z" --a "30d""#))
        guard case .finished = outcome else { throw Failure("\(outcome)") }
        let call = try #require(host.calls.first)
        #expect(call.option("n") == .some(.int(3)))
        #expect(call.option("d") == .some(.duration(120_000)))
        #expect(call.option("c") == .some(.string("GREEN")))
        #expect(call.option("s") == .some(.string("7")))
        #expect(call.option("t") == .some(.time(1_795_525_200_000)))
        #expect(call.option("a") == .some(.duration(30 * 86_400_000)))
        #expect(call.flag("f"))
    }

    @Test func aRunTimeValueIsCheckedAtTheCallWithTheSameMessage() {
        let host = TypedHost()
        let engine = Engine(host: host)
        let outcome = engine.run(SourceFile(name: "t", text: "let n = 11\nevery --r x --n $n"))
        guard case .failed(let error) = outcome else {
            Issue.record("expected a run-time error, got \(outcome)")
            return
        }
        #expect(error.message == "every: --n takes a whole number from 1 to 10, not 11")
        #expect(host.calls.isEmpty, "the host is never called with a bad value")
        // Which options are given is known before anything runs: a required one missing is
        // a compile-time error (exit 2 from `obsw check` and `obsw run`).
        let missing = engine.run(SourceFile(name: "t2", text: "every --n 2"))
        guard case .invalid(let required) = missing else {
            Issue.record("expected a compile-time error, got \(missing)")
            return
        }
        #expect(required.map(\.message) == ["every: --r is required"])
        #expect(required.map(\.code) == [.missingOption])
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
