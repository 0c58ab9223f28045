import ObswSystem

/// What `help` says about the language itself: each keyword and builtin function with a
/// one-line summary and an example, and the overview that lists everything in sections.
public enum LanguageHelp {
    struct Topic {
        var usage: String
        var summary: String
        var example: String
    }

    static let width = 80

    static let keywords: [(String, Topic)] = [
        ("let", Topic(usage: "let NAME = VALUE", summary: "declare a variable in the current block (a bare command may be the value)",
            example: "let failed = executions thumbnails --state FAILED")),
        ("if", Topic(usage: "if COND { ... } elif COND { ... } else { ... }", summary: "run the first block whose condition is true",
            example: "if len(failed) == 0 { print \"nothing to do\" }")),
        ("for", Topic(usage: "for NAME in LIST|MAP|STRING { ... }", summary: "run the block once per item (a map gives its keys); break and continue work",
            example: "for e in failed { print $e.execution_name }")),
        ("while", Topic(usage: "while COND { ... }", summary: "run the block while the condition is true",
            example: "while n > 0 { n = n - 1 }")),
        ("fn", Topic(usage: "fn NAME(A, B = DEFAULT) { ... }", summary: "define a function; it sees the variables around it (hoisted: callable above its line)",
            example: "fn label(e) { return \"$graph/$e.execution_name\" }")),
        ("return", Topic(usage: "return [VALUE]", summary: "leave the function with a value (null without one)",
            example: "fn double(x) { return x * 2 }")),
        ("try", Topic(usage: "try { ... } catch e { ... }", summary: "run a block; on an error run the catch block with e = {kind, message, ...}",
            example: "try { resume g x } catch e { log \"failed: $e.message\" }")),
        ("throw", Topic(usage: "throw VALUE", summary: "raise an error: a string becomes its message, a map its fields",
            example: "throw {message: \"bad input\", graph: graph}")),
        ("assert", Topic(usage: "assert COND [, MESSAGE]", summary: "check a condition; stop the script when it fails (exit \(ExitStatus.checkFailed.rawValue))",
            example: "assert len(args) > 0, \"usage: run.obsw GRAPH\"")),
        ("expect", Topic(usage: "expect COND [, MESSAGE]", summary: "check a condition; report a failure and go on (exit \(ExitStatus.checkFailed.rawValue) at the end)",
            example: "expect len(still_failed) == 0")),
        ("exit", Topic(usage: "exit [CODE]", summary: "end the script with a status from 0 to 255",
            example: "if dry { exit 0 }")),
        ("source", Topic(usage: "source FILE", summary: "run another file in the current scope (its lets and fns stay)",
            example: "source \"helpers.obsw\"")),
        ("break", Topic(usage: "break", summary: "leave the innermost loop", example: "for e in xs { if e == 0 { break } }")),
        ("continue", Topic(usage: "continue", summary: "go on with the next iteration of the innermost loop",
            example: "for e in xs { if e == null { continue } }")),
    ]

    static let builtins: [(String, Topic)] = [
        ("len", Topic(usage: "len(X)", summary: "the number of items of a list or map, or characters of a string (null: 0)", example: "len(failed)")),
        ("str", Topic(usage: "str(X)", summary: "a value as text, as print shows it", example: "str(42) + \"!\"")),
        ("type", Topic(usage: "type(X)", summary: "the kind of a value: null bool int float string duration time list map function", example: "type(1h)")),
        ("int", Topic(usage: "int(X)", summary: "a whole number from text, a float, a bool, or a duration or time (milliseconds)", example: "int(vars.concurrency ?? 16)")),
        ("float", Topic(usage: "float(X)", summary: "a float from text or an int", example: "float(\"0.5\")")),
        ("duration", Topic(usage: "duration(X)", summary: "a duration from text like 15m or 1h30m (or milliseconds)", example: "duration(vars.timeout ?? \"15m\")")),
        ("time", Topic(usage: "time(X)", summary: "a time from ISO-8601 UTC text (or milliseconds since 1970)", example: "time(\"2026-12-01T00:00:00Z\")")),
        ("now", Topic(usage: "now()", summary: "the current time; now() - 1h is an hour ago", example: "[e for e in xs if e.started_at > now() - 1h]")),
        ("emulator_restores", Topic(usage: "emulator_restores()", summary: "the restores the embedded emulator granted: a record {graph, execution_name, restores} per execution resumed at least once (obsw test and --local only)", example: "expect len([r for r in emulator_restores() if r.restores != 1]) == 0")),
        ("keys", Topic(usage: "keys(MAP)", summary: "a map's keys, in order", example: "keys(detail.state_map)")),
        ("values", Topic(usage: "values(MAP)", summary: "a map's values, in order", example: "values(detail.state_map)")),
        ("range", Topic(usage: "range([START,] END [, STEP])", summary: "the ints from START (0) up to, not including, END", example: "range(1, 10, 2)")),
        ("contains", Topic(usage: "contains(C, X)", summary: "whether a list, map (key) or string holds X; the same as X in C", example: "contains(names, \"exec-1\")")),
        ("startswith", Topic(usage: "startswith(S, PREFIX)", summary: "whether a string starts with PREFIX", example: "startswith(e.execution_name, \"exec-\")")),
        ("endswith", Topic(usage: "endswith(S, SUFFIX)", summary: "whether a string ends with SUFFIX", example: "endswith(key, \".jpg\")")),
        ("upper", Topic(usage: "upper(S)", summary: "a string in upper case", example: "upper(\"failed\")")),
        ("lower", Topic(usage: "lower(S)", summary: "a string in lower case", example: "lower(e.execution_state)")),
        ("trim", Topic(usage: "trim(S)", summary: "a string without surrounding white space", example: "trim(\"  x \")")),
        ("split", Topic(usage: "split(S [, SEP])", summary: "a string cut at SEP (white space by default)", example: "split(\"a,b\", \",\")")),
        ("join", Topic(usage: "join(LIST [, SEP])", summary: "items joined into one string", example: "join(names, \", \")")),
        ("replace", Topic(usage: "replace(S, OLD, NEW)", summary: "a string with every OLD replaced by NEW", example: "replace(name, \"-\", \"_\")")),
        ("sort", Topic(usage: "sort(LIST [, KEY])", summary: "a sorted copy; KEY is a function giving what to compare", example: "sort(xs, fn(e) { return e.started_at })")),
        ("reverse", Topic(usage: "reverse(X)", summary: "a list or string in reverse order", example: "reverse(sort(xs))")),
        ("min", Topic(usage: "min(LIST) or min(A, B, ...)", summary: "the smallest item (null for none)", example: "min([3, 1, 2])")),
        ("max", Topic(usage: "max(LIST) or max(A, B, ...)", summary: "the largest item (null for none)", example: "max([e.started_at for e in xs])")),
        ("sum", Topic(usage: "sum(LIST)", summary: "the sum of numbers or durations", example: "sum([1, 2, 3])")),
        ("abs", Topic(usage: "abs(X)", summary: "the absolute value of a number or duration", example: "abs(-5)")),
        ("round", Topic(usage: "round(X)", summary: "a float rounded to the nearest int", example: "round(2.5)")),
        ("count", Topic(usage: "count(LIST, F)", summary: "how many items F returns true for", example: "count(final, fn(e) { return e.execution_state == \"FAILED\" })")),
        ("filter", Topic(usage: "filter(LIST, F)", summary: "the items F returns true for", example: "filter(xs, fn(x) { return x > 2 })")),
        ("map", Topic(usage: "map(LIST, F)", summary: "F applied to each item", example: "map(failed, fn(e) { return e.execution_name })")),
        ("group", Topic(usage: "group(LIST, F)", summary: "a map from each value of F to the items that gave it", example: "group(final, fn(e) { return e.execution_state })")),
        ("json", Topic(usage: "json(X)", summary: "a value as JSON text (durations in ms, times as ISO text)", example: "json({n: 1})")),
        ("parse_json", Topic(usage: "parse_json(S)", summary: "JSON text as a value", example: "parse_json(\"[1, 2]\")")),
    ]

    /// The keywords and builtins `help NAME` explains (the shell completes them after `help`).
    public static var topicNames: [String] { keywords.map(\.0) + builtins.map(\.0) }
    public static var keywordNames: [String] { keywords.map(\.0) }
    public static var builtinNames: [String] { builtins.map(\.0) }

    /// What `help NAME` prints for a command, keyword or builtin; nil for another word.
    public static func text(for name: String, catalog: any CommandCatalog) -> String? {
        guard catalog.command(named: name) != nil || topic(name) != nil else { return nil }
        return LanguageCommands.help(.string(name), catalog: catalog)
    }

    /// A keyword's or builtin's one-line summary.
    public static func summary(of name: String) -> String? { topic(name)?.summary }

    static func topic(_ name: String) -> Topic? {
        keywords.first { $0.0 == name }?.1 ?? builtins.first { $0.0 == name }?.1
    }

    static func render(_ topic: Topic) -> String {
        (["usage: \(topic.usage)"] + wrap(topic.summary, indent: "  ") + ["example:"] + wrap(topic.example, indent: "  "))
            .joined(separator: "\n")
    }

    /// Plain `help`: commands with their summaries, keywords and builtins, each section
    /// wrapped to 80 columns, and where the whole reference is.
    static func overview(catalog: any CommandCatalog) -> String {
        var lines = ["commands ('help COMMAND' shows its usage and options):"]
        let nameWidth = min(12, catalog.commands.map(\.name.count).max() ?? 0)
        for command in catalog.commands {
            let name = "  " + command.name + String(repeating: " ", count: max(1, nameWidth - command.name.count + 2))
            let summary = wrap(command.summary, indent: String(repeating: " ", count: name.count))
            lines.append(name + summary[0].drop(while: { $0 == " " }))
            lines += summary.dropFirst()
        }
        lines.append("keywords ('help KEYWORD'):")
        lines += wrap(keywords.map(\.0).joined(separator: " "), indent: "  ")
        lines.append("builtin functions ('help NAME'):")
        lines += wrap(builtins.map(\.0).joined(separator: " "), indent: "  ")
        lines.append("The whole language: docs/language.md.")
        return lines.joined(separator: "\n")
    }

    /// `text` in lines of at most `width` columns, each starting with `indent`.
    static func wrap(_ text: String, indent: String) -> [String] {
        var lines: [String] = []
        var line = indent
        for word in text.split(separator: " ") {
            if line.count > indent.count, line.count + 1 + word.count > width {
                lines.append(line)
                line = indent
            }
            line += (line.count > indent.count ? " " : "") + word
        }
        lines.append(line)
        return lines
    }
}
