@testable import ObswLang
import Testing

/// The language core with a fake command host: no networking involved.
final class FakeHost: CommandHost {
    let catalog: any CommandCatalog = StaticCatalog([
        CommandSpec("resume", "resume", arguments: ["GRAPH", "TARGET"], count: 2...Int.max,
            options: [.init("concurrency", value: "N", "c"), .init("dry-run", "d")]),
        CommandSpec("execution", "get", arguments: ["GRAPH", "NAME"], count: 2...2),
    ])
    var calls: [CommandInvocation] = []

    func run(_ invocation: CommandInvocation, engine: Engine) throws(ScriptError) -> Value {
        calls.append(invocation)
        if invocation.name == "execution" {
            throw ScriptError(
                .service, "execution \(invocation.positional[1].displayText) not found", code: .serviceError,
                details: ["status": .int(404), "code": .string("ExecutionNotFound"), "request_id": .string("r-1")])
        }
        return .list(invocation.positional.dropFirst().map { .map(["execution_name": $0, "outcome": "resumed"]) })
    }
}

final class Collector: EngineDelegate {
    var output = ""
    var failures: [CheckResult] = []
    func write(_ text: String) { output += text }
    var logged: [String] = []
    func log(_ line: String) { logged.append(line) }
    func checkFailed(_ failure: CheckResult) { failures.append(failure) }
}

@Suite(.timeLimit(.minutes(5))) struct EngineHostTests {
    func run(_ code: String, host: FakeHost = FakeHost()) -> (RunOutcome, FakeHost, Collector, Engine) {
        let collector = Collector()
        let engine = Engine(host: host, delegate: collector)
        let outcome = engine.run(SourceFile(name: "t", text: code))
        return (outcome, host, collector, engine)
    }

    @Test func helpExplainsEveryBuiltinAndKeywordWithinEightyColumns() {
        let engine = Engine(host: FakeHost())
        for name in engine.builtins.keys.sorted() {
            #expect(LanguageHelp.topic(name) != nil, "no help for the builtin \(name)")
        }
        for keyword in ["let", "if", "for", "while", "fn", "return", "try", "throw", "assert", "expect", "exit", "source",
            "break", "continue"]
        {
            #expect(LanguageHelp.topic(keyword) != nil, "no help for \(keyword)")
        }
        let overview = LanguageCommands.help(nil, catalog: engine.catalog)
        for line in overview.split(separator: "\n") { #expect(line.count <= 80, "too wide: \(line)") }
        for name in engine.builtins.keys { #expect(overview.contains(" \(name)"), "overview lacks \(name)") }
        #expect(overview.contains("docs/language.md"))
    }

    @Test func logWritesToTheDelegatesErrorStream() {
        let (_, _, collector, _) = run("log \"progress\" 3\nprint \"data\"")
        #expect(collector.logged == ["progress 3"])
        #expect(collector.output == "data\n")
    }

    @Test func commandsReachTheHostWithEvaluatedArguments() {
        let (outcome, host, collector, _) = run("""
            let g = "thumbnails"
            let failed = ["e1", "e2"]
            let results = resume $g $failed exec-3 --concurrency 4 --dry-run
            print (len(results)) $results[0].outcome
            """)
        guard case .finished = outcome else { Issue.record("\(outcome)"); return }
        #expect(host.calls.count == 1)
        let call = host.calls[0]
        #expect(call.positional == [.string("thumbnails"), .list([.string("e1"), .string("e2")]), .string("exec-3")])
        #expect(call.option("concurrency") == .some(.int(4)))
        #expect(call.flag("dry-run"))
        #expect(collector.output == "2 resumed\n")
    }

    @Test func hostErrorsAreCatchableMapsWithTheirDetails() {
        let (outcome, _, collector, _) = run("""
            try { execution thumbnails nope } catch e {
                print $e.kind $e.status $e.code $e.request_id $e.message
            }
            """)
        guard case .finished = outcome else { Issue.record("\(outcome)"); return }
        #expect(collector.output == "service 404 ExecutionNotFound r-1 execution nope not found\n")
        let (uncaught, _, _, _) = run("execution thumbnails nope")
        guard case .failed(let error) = uncaught else { Issue.record("\(uncaught)"); return }
        #expect(error.kind == .service && error.span.start == 0)
    }

    @Test func hostCommandsAreCheckedBeforeRunning() {
        let (outcome, host, _, _) = run("resume onlyone --concurrency\nresume g x --fast")
        guard case .invalid(let diagnostics) = outcome else { Issue.record("\(outcome)"); return }
        #expect(host.calls.isEmpty)
        #expect(diagnostics.map(\.code) == [.missingOptionValue])
        let (second, _, _, _) = run("resume g\nresume g x --fast\nexecution a b c")
        guard case .invalid(let all) = second else { Issue.record("\(second)"); return }
        #expect(all.map(\.code) == [.wrongArgumentCount, .unknownOption, .wrongArgumentCount])
    }

    @Test func checksReachTheDelegateWithBothSides() {
        let (outcome, _, collector, engine) = run("expect 1 + 1 == 3, \"math\"\nexpect true")
        guard case .finished = outcome else { Issue.record("\(outcome)"); return }
        #expect(engine.checksPassed == 1 && engine.checksFailed == 1)
        let failure = collector.failures[0]
        #expect(failure.text == "1 + 1 == 3" && failure.left == .int(2) && failure.right == .int(3) && failure.message == "math")
    }

    @Test func globalsPersistAcrossRunsLikeShellLines() {
        let collector = Collector()
        let engine = Engine(host: FakeHost(), delegate: collector)
        _ = engine.run(SourceFile(name: "1", text: "let n = 1"))
        _ = engine.run(SourceFile(name: "2", text: "fn inc() { n = n + 1; return n }"))
        _ = engine.run(SourceFile(name: "3", text: "inc()\nprint $n"))
        #expect(collector.output == "2\n")
        #expect(engine.globalNames.isSuperset(of: ["n", "inc"]))
        guard case .finished(let value) = engine.run(SourceFile(name: "4", text: "n * 10")) else { Issue.record("no value"); return }
        #expect(value == .int(20))
        // A line that fails to compile changes nothing.
        _ = engine.run(SourceFile(name: "5", text: "let zz = 1\nprint $undefined_thing"))
        #expect(!engine.globalNames.contains("zz"))
        #expect(engine.isIncomplete("for x in [1] {") && !engine.isIncomplete("print 1"))
    }

    @Test func interruptionStopsLoopsAndSleep() {
        let collector = Collector()
        let engine = Engine(delegate: collector)
        engine.interrupt.raise()
        guard case .failed(let error) = engine.run(SourceFile(name: "t", text: "while true { }")) else {
            Issue.record("not interrupted")
            return
        }
        #expect(error.kind == .interrupted)
        #expect(!engine.interrupt.isRaised, "the error carries the interruption")
        engine.interrupt.raise()
        guard case .failed(let again) = engine.run(SourceFile(name: "t", text: "try { sleep 10s } catch e { print \"cleanup\" }")) else {
            Issue.record("interruption was swallowed")
            return
        }
        #expect(again.kind == .interrupted && collector.output == "cleanup\n")
    }
}
