extension Compiler {
    /// A command statement or `$(...)`: a user function called command-style, or a command
    /// from the catalog, checked against its spec (options, argument count) here.
    /// - Parameter resultKept: false for a statement of its own, outside a function (inside
    ///   one, the body's value may be what the function returns).
    func compileCommand(_ call: CommandCall, resultKept: Bool = true) -> Code {
        let span = call.span
        let engine = self.engine
        var positional: [Code] = []
        var options: [(String, Code?, Span)] = []
        var optionValues: [Expr?] = []  // as written, for checking literals
        for (index, argument) in call.arguments.enumerated() {
            switch argument {
            case .positional(let e):
                warnIfBareWordLooksLikeVariable(e, gluedTo: call.arguments[(index + 1)...])
                positional.append(compileExpression(e))
            case .option(let name, let value, let optionSpan):
                options.append((name, value.map(compileExpression), optionSpan))
                optionValues.append(value)
            }
        }

        // A variable holding a function: `f 1 2` calls it.
        if resolve(call.name) != nil {
            if let first = options.first {
                error(.unknownOption, "'\(call.name)' is a function; functions take no options", first.2)
            }
            let callee = compileRead(call.name, call.nameSpan)
            let name = call.name
            return { frame throws(Unwind) in
                let f = try callee(frame)
                var values: [Value] = []
                for code in positional { values.append(try code(frame)) }
                return try engine.callValue(f, values, calleeName: "'\(name)'", span: span)
            }
        }

        guard let spec = engine.catalog.command(named: call.name) else {
            error(.unknownCommand, "unknown command '\(call.name)'", call.nameSpan, notes: suggestion(for: call.name) + ["'help' lists the commands"])
            return { _ in .null }
        }
        var seen: Set<String> = []
        var unknownOption = false
        for (index, (name, value, optionSpan)) in options.enumerated() {
            guard let option = spec.option(name) else {
                unknownOption = true
                let known = spec.options.map { "--\($0.name)" }.joined(separator: ", ")
                let near = Self.closest(to: name, among: spec.options.map(\.name))
                error(.unknownOption, "'\(spec.name)' has no option --\(name)", optionSpan,
                      notes: near.map { ["did you mean --\($0)?"] }
                        ?? [known.isEmpty ? "it takes no options" : "its options: \(known)"])
                continue
            }
            if option.valueName == nil, value != nil {
                error(.unknownOption, "--\(name) is a flag and takes no value", optionSpan)
            }
            // A value written in the script is checked now, with the message the call would
            // give: nothing runs (and nothing is sent) before a typo is fixed.
            if option.valueName != nil, let expression = optionValues[index], let literal = Self.literalValue(expression),
                case .failure(let problem) = option.accept(literal)
            {
                error(.badOptionValue, "\(spec.name): \(problem.message)", expression.span,
                      notes: problem.accepted.isEmpty ? [] : ["accepted: \(problem.accepted.joined(separator: ", "))"])
            }
            if !seen.insert(name).inserted, !option.repeatable {
                error(.unknownOption, "--\(name) is given twice", optionSpan)
            }
        }
        if !unknownOption {
            for problem in spec.missingOptions(given: seen) {
                // Under the option that needs another; under the command for one left out.
                let span = problem.option.flatMap { name in options.first { $0.0 == name }?.2 } ?? call.nameSpan
                error(.missingOption, problem.message, span, notes: ["usage: \(spec.usage)"])
            }
        }
        // After an unknown option the count means nothing: its value reads as an argument
        // (`--sate FAILED`). One mistake, one message.
        if !unknownOption, !spec.arguments.contains(positional.count) {
            let range = spec.arguments
            let expected = range.upperBound == Int.max ? "at least \(range.lowerBound)"
                : range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
            error(.wrongArgumentCount, "'\(spec.name)' takes \(expected) argument\(expected == "1" ? "" : "s"), not \(positional.count)",
                  call.nameSpan, notes: ["usage: \(spec.usage)"])
        }
        let name = call.name
        return { frame throws(Unwind) in
            var invocation = CommandInvocation(name: name, positional: [], options: [], span: span)
            invocation.resultKept = resultKept
            invocation.positional.reserveCapacity(positional.count)
            for code in positional { invocation.positional.append(try code(frame)) }
            for (optionName, code, _) in options { invocation.options.append((optionName, try code?(frame))) }
            return try engine.runCommand(invocation)
        }
    }

    /// The value of an expression written as a literal (`8`, `-1`, `15m`, `FAILED`, `"x"`, `[1]`);
    /// nil when it is known only at run time.
    static func literalValue(_ expression: Expr) -> Value? {
        switch expression.kind {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let n): return .int(n)
        case .float(let d): return .float(d)
        case .duration(let ms): return .duration(ms)
        case .string(let s): return .string(s)
        case .unary(.negate, let inner):
            switch literalValue(inner) {
            case .int(let n)?: return n == Int.min ? nil : .int(-n)
            case .float(let d)?: return .float(-d)
            case .duration(let ms)?: return ms == Int.min ? nil : .duration(-ms)
            default: return nil
            }
        case .list(let items):
            var values: [Value] = []
            for item in items {
                guard let value = literalValue(item) else { return nil }
                values.append(value)
            }
            return .list(values)
        case .map(let entries):
            var map = ValueMap()
            for (key, item) in entries {
                guard let value = literalValue(item) else { return nil }
                map[key] = value
            }
            return .map(map)
        default: return nil
        }
    }

    /// `print d.state_map[s].error` prints that text: a bare word is a string. When the word
    /// is a declared variable's name (`print acc`), or starts with one followed by `.` or `[`,
    /// the `$` was most likely forgotten: warn (it still runs as written; quoting the word
    /// says the text is meant).
    func warnIfBareWordLooksLikeVariable(_ argument: Expr, gluedTo following: ArraySlice<CommandCall.Argument>) {
        guard case .string(let text) = argument.kind,
            let file = engine.sources.file(argument.span.file), file.text(argument.span) == text  // bare, not quoted
        else { return }
        let end = text.utf8.firstIndex(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "[") }) ?? text.utf8.endIndex
        guard end != text.utf8.startIndex else { return }
        let name = String(text[..<end])
        guard Parser.isIdentifier(name), resolve(name) != nil else { return }
        // `d.state_map[s].error` arrives as three arguments written without spaces between.
        var span = argument.span
        for next in following {
            guard case .positional(let e) = next, e.span.start == span.end else { break }
            span = span.through(e.span)
        }
        let written = file.text(span)
        warning(.bareWordLooksLikeVariable, "'\(written)' is taken as text, as written", span,
                notes: ["did you mean $\(written)? ('\(name)' is a variable; write \"\(written)\" for the text)"])
    }
}
