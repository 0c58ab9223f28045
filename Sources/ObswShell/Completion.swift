import ObswLang

/// Tab completion: command names at the start of a statement, `--options` of the command
/// being typed, `$variables`, and graph names where a command takes a GRAPH.
public final class Completer: @unchecked Sendable {
    let catalog: any CommandCatalog
    let variables: () -> Set<String>
    let graphs: () -> [String]

    /// Commands whose first argument is a workflow (graph) name.
    static let graphCommands: Set<String> = ["graph", "executions", "execution", "start", "resume", "wait"]
    static let statementKeywords = ["let", "if", "for", "while", "fn", "try", "throw", "assert", "expect", "exit", "source", "return"]

    /// - Parameter graphs: fetches graph names; called at most when a graph is being completed.
    public init(catalog: any CommandCatalog, variables: @escaping () -> Set<String>, graphs: @escaping () -> [String]) {
        self.catalog = catalog
        self.variables = variables
        self.graphs = graphs
    }

    /// The word being completed and the candidates that extend it, sorted.
    public func complete(_ line: String) -> (word: String, candidates: [String]) {
        // The statement being typed: after the last ';', '{' or '}'.
        let statement = String(line.split(separator: ";", omittingEmptySubsequences: false).last ?? "")
            .split(omittingEmptySubsequences: false, whereSeparator: { $0 == "{" || $0 == "}" }).last.map(String.init) ?? ""
        let endsWithSpace = statement.last == " " || statement.last == "\t"
        var words = statement.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let word = endsWithSpace ? "" : (words.popLast() ?? "")
        if words.first == "let", words.count >= 3, words[2] == "=" { words.removeFirst(3) }  // `let x = command ...`

        var candidates: [String]
        if word.hasPrefix("$") {
            candidates = variables().map { "$" + $0 }
        } else if words.isEmpty {
            candidates = catalog.commands.map(\.name) + Self.statementKeywords + Array(variables())
        } else if word.hasPrefix("-"), let spec = catalog.command(named: words[0]) {
            candidates = spec.options.map { "--" + $0.name }
        } else if words == ["help"] {
            candidates = catalog.commands.map(\.name) + LanguageHelp.topicNames
        } else if words.count == 1, Self.graphCommands.contains(words[0]) {
            candidates = graphs()
        } else {
            candidates = []
        }
        return (word, Array(Set(candidates.filter { $0.hasPrefix(word) })).sorted())
    }

    /// The longest text all candidates share beyond `word`.
    public static func commonExtension(_ word: String, _ candidates: [String]) -> String {
        guard var common = candidates.first else { return "" }
        for c in candidates.dropFirst() {
            while !c.hasPrefix(common) { common.removeLast() }
        }
        return String(common.dropFirst(word.count))
    }
}
