
import ObswText

/// Tab completion: command names, keywords, builtins and variables where a statement or an
/// expression starts; `--options` of the command being typed and their values (`--state F`
/// → `FAILED`); graph names, execution names of the graph typed and help topics where the
/// command's declaration says its argument names one; `$variables`.
public final class Completer: @unchecked Sendable {
    let catalog: any CommandCatalog
    let variables: () -> Set<String>
    let graphs: () -> [String]
    let executions: (_ graph: String, _ command: String) -> [String]

    /// Builtins complete with their opening bracket: `le` → `len(`.
    static let builtinCalls = LanguageHelp.builtinNames.map { $0 + "(" }

    /// - Parameters:
    ///   - graphs: graph names; called only when a graph is being completed.
    ///   - executions: execution names of a graph for a command; called only when one is
    ///     being completed. Both must answer quickly (the shell's take at most 300 ms).
    public init(
        catalog: any CommandCatalog, variables: @escaping () -> Set<String>, graphs: @escaping () -> [String],
        executions: @escaping (_ graph: String, _ command: String) -> [String] = { _, _ in [] }
    ) {
        self.catalog = catalog
        self.variables = variables
        self.graphs = graphs
        self.executions = executions
    }

    /// The word being completed and the candidates that extend it, sorted.
    public func complete(_ line: String) -> (word: String, candidates: [String]) {
        // The statement being typed: after the last ';', '{' or '}'.
        let statement = String(line.split(separator: ";", omittingEmptySubsequences: false).last ?? "")
            .split(omittingEmptySubsequences: false, whereSeparator: { $0 == "{" || $0 == "}" }).last.map(String.init) ?? ""
        let endsWithSpace = statement.last == " " || statement.last == "\t"
        var words = statement.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        var word = endsWithSpace ? "" : (words.popLast() ?? "")
        // `let x = command ...` or `x = ...`: a command or an expression follows.
        var afterAssignment = false
        if words.first == "let", words.count >= 3, words[2] == "=" {
            words.removeFirst(3)
            afterAssignment = true
        }
        if let first = words.first, first.hasPrefix("$("), first.count > 2 { words[0] = String(first.dropFirst(2)) }
        // `$(ex` completes a command; `len(x` or `[a, b` an expression.
        var prefix = ""
        var inExpression = false
        if word.hasPrefix("$(") {
            prefix = "$("
            word = String(word.dropFirst(2))
            words = []
        } else if let open = word.lastIndex(where: { $0 == "(" || $0 == "[" || $0 == "," }) {
            prefix = String(word[...open])
            word = String(word[word.index(after: open)...])
            inExpression = true
        }

        var candidates: [String]
        // Names from the service: inserted as one quoted argument when they are not a plain
        // word (`exec-2;print "x"` must never become code), matched as typed or quoted.
        var names: [String] = []
        let command = words.first.flatMap { catalog.command(named: $0) }
        if word.hasPrefix("$") {
            candidates = variables().map { "$" + $0 }
        } else if inExpression {
            candidates = Self.builtinCalls + Array(variables())
        } else if words.isEmpty || words.last == "=" {
            let start = words.isEmpty && !afterAssignment ? LanguageHelp.keywordNames : []
            candidates = catalog.commands.map(\.name) + start + Self.builtinCalls + Array(variables())
        } else if words.last == "if" || words.last == "in" || words.last == "while" {
            candidates = Self.builtinCalls + Array(variables())
        } else if word.hasPrefix("-"), let command {
            candidates = command.options.map { "--" + $0.name }
        } else if let command, let last = words.last, last.hasPrefix("--"),
            let option = command.option(String(last.dropFirst(2))), option.valueName != nil
        {
            candidates = option.choices
        } else if let command {
            // What the argument being typed names, as the command declares it.
            switch command.kind(ofArgument: positionalCount(words)) {
            case .helpTopic: candidates = catalog.commands.map(\.name) + LanguageHelp.topicNames
            case .graph:
                candidates = []
                names = graphs()
            case .execution:
                let graphIndex = command.argumentKinds.firstIndex { if case .graph = $0 { true } else { false } }
                candidates = []
                names = graphIndex.flatMap { positional(words, $0) }.map { executions($0, command.name) } ?? []
            case .other: candidates = []
            }
        } else {
            candidates = []
        }
        var matching = Set(candidates.filter { $0.hasPrefix(word) })
        for name in names {
            let inserted = Escape.languageWord(name)
            if inserted.hasPrefix(word) || name.hasPrefix(word) { matching.insert(inserted) }
        }
        return (prefix + word, matching.map { prefix + $0 }.sorted())
    }

    /// Positional arguments typed after the command name (options and their values skipped).
    func positionals(_ words: [String]) -> [String] {
        guard let command = words.first.flatMap({ catalog.command(named: $0) }) else { return [] }
        var result: [String] = []
        var index = 1
        while index < words.count {
            let w = words[index]
            if w.hasPrefix("--") {
                let takesValue = command.option(String(w.dropFirst(2)))?.valueName != nil
                index += takesValue ? 2 : 1
                continue
            }
            result.append(w)
            index += 1
        }
        return result
    }

    func positionalCount(_ words: [String]) -> Int { positionals(words).count }

    func positional(_ words: [String], _ index: Int) -> String? {
        let all = positionals(words)
        return index < all.count ? all[index] : nil
    }

    /// The longest text all candidates share beyond `word` (none when a candidate replaces
    /// the word rather than extending it: a quoted name for an unquoted prefix).
    public static func commonExtension(_ word: String, _ candidates: [String]) -> String {
        guard var common = candidates.first, candidates.allSatisfy({ $0.hasPrefix(word) }) else { return "" }
        for c in candidates.dropFirst() {
            while !c.hasPrefix(common) { common.removeLast() }
        }
        return String(common.dropFirst(word.count))
    }
}
