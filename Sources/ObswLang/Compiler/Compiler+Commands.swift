extension Compiler {
    /// A command statement or `$(...)`: a user function called command-style, or a command
    /// from the catalog, checked against its spec (options, argument count) here.
    func compileCommand(_ call: CommandCall) -> Code {
        let span = call.span
        let engine = self.engine
        var positional: [Code] = []
        var options: [(String, Code?, Span)] = []
        for argument in call.arguments {
            switch argument {
            case .positional(let e): positional.append(compileExpression(e))
            case .option(let name, let value, let optionSpan): options.append((name, value.map(compileExpression), optionSpan))
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
        for (name, value, optionSpan) in options {
            guard let option = spec.option(name) else {
                let known = spec.options.map { "--\($0.name)" }.joined(separator: ", ")
                error(.unknownOption, "'\(spec.name)' has no option --\(name)", optionSpan,
                      notes: [known.isEmpty ? "it takes no options" : "its options: \(known)"])
                continue
            }
            if option.valueName == nil, value != nil {
                error(.unknownOption, "--\(name) is a flag and takes no value", optionSpan)
            }
            if !seen.insert(name).inserted, !option.repeatable {
                error(.unknownOption, "--\(name) is given twice", optionSpan)
            }
        }
        if !spec.arguments.contains(positional.count) {
            let range = spec.arguments
            let expected = range.upperBound == Int.max ? "at least \(range.lowerBound)"
                : range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
            error(.wrongArgumentCount, "'\(spec.name)' takes \(expected) argument\(expected == "1" ? "" : "s"), not \(positional.count)",
                  call.nameSpan, notes: ["usage: \(spec.usage)"])
        }
        let name = call.name
        return { frame throws(Unwind) in
            var invocation = CommandInvocation(name: name, positional: [], options: [], span: span)
            invocation.positional.reserveCapacity(positional.count)
            for code in positional { invocation.positional.append(try code(frame)) }
            for (optionName, code, _) in options { invocation.options.append((optionName, try code?(frame))) }
            return try engine.runCommand(invocation)
        }
    }
}
