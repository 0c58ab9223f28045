import Foundation
@testable import ObswLang
import ObswOperations
@testable import ObswRuntime
import Testing

/// A service command's options are declared once: a handler reads an option it was not
/// given as the declared default, and help, the usage line and the man page show that
/// default from the same declaration. These fail when a handler or a text drifts from it.
@Suite(.timeLimit(.minutes(5))) struct DeclarationTests {
    func arguments(_ command: String, _ positional: [Value], _ options: [(String, Value?)] = []) throws -> Arguments {
        let spec = try #require(ServiceCommands.byName[command]?.spec)
        let invocation = CommandInvocation(
            name: command, positional: positional, options: options.map { (name: $0.0, value: $0.1) }, span: .none)
        return Arguments(invocation: invocation, spec: spec)
    }

    func declared(_ command: String, _ option: String) throws -> Value {
        try #require(ServiceCommands.byName[command]?.spec.option(option)?.defaultValue, "--\(option) of \(command) has no default")
    }

    func declaredDuration(_ command: String, _ option: String) throws -> Duration {
        guard case .duration(let milliseconds) = try declared(command, option) else {
            Issue.record("--\(option) of \(command) is not a duration")
            return .zero
        }
        return .milliseconds(milliseconds)
    }

    @Test func anOptionNotGivenReadsAsItsDeclaredDefault() throws {
        let resume = try arguments("resume", ["g", "e1"], [("canary", .int(3))]).resumeOptions()
        #expect(try declared("resume", "concurrency") == .int(resume.concurrency))
        let canary = try #require(resume.canary)
        #expect(try declared("resume", "max-refail") == .float(canary.maxRefailPercent))
        #expect(try declaredDuration("resume", "canary-timeout") == canary.timeout)
        let wait = try arguments("wait", ["g", "e1"]).waitOptions()
        #expect(try declaredDuration("wait", "timeout") == wait.timeout)
        #expect(try declaredDuration("wait", "interval") == wait.interval)
        #expect(try declared("wait", "until") == .string(wait.untilSuccess ? "success" : "terminal"))
    }

    @Test func anOptionGivenIsReadAsGiven() throws {
        let resume = try arguments("resume", ["g", "e1"], [("concurrency", .int(32)), ("dry-run", nil)]).resumeOptions()
        #expect(resume.concurrency == 32 && resume.dryRun && resume.canary == nil)
        let wait = try arguments("wait", ["g", "e1"], [("until", .string("success")), ("interval", .duration(10))]).waitOptions()
        #expect(wait.untilSuccess && wait.interval == .milliseconds(50), "a pause under 50 ms is raised to 50")
    }

    /// Help shows each default once, from the declaration; no summary states one itself.
    @Test func helpShowsTheDeclaredDefault() {
        for spec in ServiceCommands.specs {
            for option in spec.options {
                guard let shown = option.defaultText else { continue }
                #expect(option.help == option.summary + " (default \(shown))")
                #expect(!option.summary.contains("default"), "\(spec.name) --\(option.name) states its default twice")
            }
        }
        #expect(ServiceCommands.byName["resume"]?.spec.option("max-refail")?.help.hasSuffix("(default 50%)") == true)
        #expect(ServiceCommands.byName["wait"]?.spec.option("timeout")?.help.hasSuffix("(default 30m)") == true)
    }

    /// Usage lines are made from the declaration: arguments, then options, an option that
    /// needs another inside that one's brackets.
    @Test func usageIsMadeFromTheDeclaration() {
        #expect(
            ServiceCommands.byName["resume"]?.spec.usage
                == "resume GRAPH TARGET... [--concurrency N] [--rps N] [--max-errors N] [--canary N [--max-refail P%] "
                + "[--canary-timeout DURATION]] [--dry-run] [--journal FILE] [--wait-lock] [--plan FILE [--plan-format text|json]]")
        #expect(
            ServiceCommands.byName["start"]?.spec.usage
                == "start GRAPH --bucket BUCKET --object KEY [--input NAME=VALUE]...")
        #expect(ServiceCommands.byName["graphs"]?.spec.usage == "graphs [PREFIX]")
        #expect(
            ServiceCommands.byName["triage"]?.spec.usage
                == "triage GRAPH [TARGET...] [--since DURATION|TIME] [--until DURATION|TIME] [--concurrency N] [--rps N]")
    }

    /// The language guide's table of service commands shows each usage line as obsw makes it.
    @Test func theLanguageGuideShowsTheUsageLinesObswMakes() throws {
        let guide = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/language.md")
        let text = try String(contentsOf: guide, encoding: .utf8)
        for spec in ServiceCommands.specs {
            // In a Markdown table cell a | is written \|.
            let cell = "`" + spec.usage.replacing("|", with: "\\|") + "`"
            #expect(text.contains(cell), "docs/language.md lacks \(cell)")
        }
    }
}
