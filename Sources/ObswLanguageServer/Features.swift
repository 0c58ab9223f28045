import ObswJSON
import ObswLang
import ObswSystem
import ObswText

/// A document as `obsw check` sees it: its diagnostics, and — when it parses — its tree and
/// the names it declares.
struct Analysis {
    let diagnostics: [Diagnostic]
    let program: Program?
    let symbols: SymbolIndex?

    init(_ document: Document, engine: Engine) {
        let file = SourceFile(name: document.path, bytes: document.bytes)
        // On the engine's large stack, as `obsw check` runs: the phases recurse once per
        // level of a (capped, but deep) expression.
        let (diagnostics, program, id) = EngineThread.run { () -> ([Diagnostic], Program?, Int32) in
            let (all, program) = engine.checkKeepingTree(file)
            return (all, program, engine.sources.id(of: file) ?? 0)
        }
        // A `source`d file's own problems are its own: only this document's are shown.
        self.diagnostics = diagnostics.filter { $0.span.file == id || $0.span.file < 0 }
        self.program = program
        symbols = program.map { SymbolIndex($0, bytes: document.bytes, globals: engine.globalNames) }
    }
}

extension LanguageServer {
    // MARK: Completion

    func completion(_ params: JSONValue) throws -> JSONValue {
        let document = try document(params)
        let offset = try offset(params, in: document)
        let position = document.position(of: offset)
        let lineStart = document.offset(of: Position(line: position.line, character: 0))
        let before = String(decoding: document.bytes[lineStart..<offset], as: UTF8.self)
        let analysis = analyses[document.uri]
        var variables = globals
        if let symbols = analysis?.symbols { variables.formUnion(symbols.names(visibleAt: offset)) }
        let (profile, local, host) = (self.profile, self.local, self.host)
        let reachable = profile != nil || local
        let completer = Completer(
            catalog: catalog, variables: { variables },
            graphs: { [graphs] in reachable ? graphs.current { host.graphNames(profile, local) } : [] })
        let (word, candidates) = completer.complete(before)
        let start = document.position(of: offset - word.utf8.count)
        let items: [JSONValue] = candidates.map { candidate in
            let (kind, detail) = describe(candidate, catalog: catalog, variables: variables)
            var item: JSONObject = [
                "label": .string(candidate), "kind": .int(kind),
                "textEdit": ["range": ["start": start.json, "end": position.json], "newText": .string(candidate)],
            ]
            if let detail { item["detail"] = .string(detail) }
            return .object(item)
        }
        return ["isIncomplete": .bool(reachable), "items": .array(items)]
    }

    /// The protocol's kind of a candidate and a one-line description.
    func describe(_ candidate: String, catalog: any CommandCatalog, variables: Set<String>) -> (Int, String?) {
        let bare = candidate.hasPrefix("$(") ? String(candidate.dropFirst(2)) : candidate
        if let spec = catalog.command(named: bare) { return (3, spec.summary) }
        if LanguageHelp.keywordNames.contains(bare) { return (14, nil) }
        if bare.hasSuffix("("), LanguageHelp.builtinNames.contains(String(bare.dropLast())) {
            return (3, LanguageHelp.summary(of: String(bare.dropLast())))
        }
        if bare.hasPrefix("--") { return (10, nil) }
        if variables.contains(bare.hasPrefix("$") ? String(bare.dropFirst()) : bare) { return (6, nil) }
        return (12, nil)
    }

    // MARK: Hover

    func hover(_ params: JSONValue) throws -> JSONValue {
        let document = try document(params)
        let offset = try offset(params, in: document)
        if let analysis = analyses[document.uri], let symbols = analysis.symbols, let index = symbols.symbol(at: offset) {
            let symbol = symbols.symbols[index]
            guard symbol.declaration != .none else {
                return markdown("`\(symbol.name)`: given by `obsw run` (`args`: the script's arguments, `vars`: `--var NAME=VALUE`)")
            }
            let line = document.line(document.position(of: Int(symbol.declaration.start)).line).trimmingBlanks
            let what = symbol.kind == .function ? "function" : symbol.kind == .parameter ? "parameter" : "variable"
            return markdown("\(what) `\(symbol.name)`, line \(document.position(of: Int(symbol.declaration.start)).line + 1):\n```obsw\n\(line)\n```")
        }
        guard let (word, range) = word(at: offset, in: document) else { return .null }
        if word.hasPrefix("--") {
            let name = String(word.dropFirst(2).prefix { $0 != "=" })
            guard let command = commandName(before: range.lowerBound, in: document), let spec = catalog.command(named: command),
                let option = spec.option(name)
            else { return .null }
            return markdown("`\(option.written)` (\(spec.name)): \(option.help)", range: document.range(range.lowerBound, range.upperBound))
        }
        guard let text = LanguageHelp.text(for: word, catalog: catalog) else { return .null }
        return markdown("```text\n\(text)\n```", range: document.range(range.lowerBound, range.upperBound))
    }

    func markdown(_ text: String, range: JSONValue? = nil) -> JSONValue {
        var hover: JSONObject = ["contents": ["kind": "markdown", "value": .string(text)]]
        if let range { hover["range"] = range }
        return .object(hover)
    }

    /// The word (a name, or an option `--name`) around a byte offset.
    func word(at offset: Int, in document: Document) -> (String, Range<Int>)? {
        let bytes = document.bytes
        func isWord(_ b: UInt8) -> Bool {
            (b >= 48 && b <= 57) || (b | 0x20 >= 97 && b | 0x20 <= 122) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
        var start = min(offset, bytes.count), end = start
        while start > 0, isWord(bytes[start - 1]) { start -= 1 }
        while end < bytes.count, isWord(bytes[end]) { end += 1 }
        guard start < end else { return nil }
        var word = String(decoding: bytes[start..<end], as: UTF8.self)
        // `-` joins words of a command (`exec-1`, `--max-refail`); a name does not end in one.
        while word.hasSuffix("-") {
            word.removeLast()
            end -= 1
        }
        return word.isEmpty ? nil : (word, start..<end)
    }

    /// The command whose arguments a byte offset is in: the first word of its statement.
    func commandName(before offset: Int, in document: Document) -> String? {
        let line = document.position(of: offset).line
        let text = String(decoding: document.bytes[document.offset(of: Position(line: line, character: 0))..<offset], as: UTF8.self)
        let statement = text.split(whereSeparator: { $0 == ";" || $0 == "{" || $0 == "}" || $0 == "(" }).last ?? ""
        var words = statement.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if words.first == "let", words.count >= 3, words[2] == "=" { words.removeFirst(3) }
        return words.first.map { String($0.hasPrefix("$") ? $0.dropFirst() : $0) }
    }

    // MARK: Definition, references, symbols

    func definition(_ params: JSONValue) throws -> JSONValue {
        let document = try document(params)
        let offset = try offset(params, in: document)
        guard let symbols = analyses[document.uri]?.symbols, let index = symbols.symbol(at: offset),
            symbols.symbols[index].declaration != .none
        else { return .null }
        return ["uri": .string(document.uri), "range": document.range(of: symbols.symbols[index].declaration)]
    }

    func references(_ params: JSONValue) throws -> JSONValue {
        let document = try document(params)
        let offset = try offset(params, in: document)
        guard let symbols = analyses[document.uri]?.symbols, let index = symbols.symbol(at: offset) else { return .null }
        var spans = symbols.uses(of: index)
        let declaration = symbols.symbols[index].declaration
        if params["context"]?.flag("includeDeclaration") ?? true, declaration != .none { spans.insert(declaration, at: 0) }
        return .array(spans.map { ["uri": .string(document.uri), "range": document.range(of: $0)] })
    }

    func documentSymbols(_ params: JSONValue) throws -> JSONValue {
        let document = try document(params)
        guard let symbols = analyses[document.uri]?.symbols else { return [] }
        let shown = symbols.symbols.filter { symbol in
            symbol.declaration != .none && (symbol.kind == .function || symbol.visible.upperBound > document.bytes.count)
        }
        return .array(shown.map { symbol in
            [
                "name": .string(symbol.name), "kind": .int(symbol.kind == .function ? 12 : 13),
                "range": document.range(of: symbol.statement), "selectionRange": document.range(of: symbol.declaration),
            ]
        })
    }

    // MARK: Formatting

    /// One edit that makes the document what `obsw fmt` prints; none when it is already so
    /// or does not parse (its diagnostics say why).
    func formatting(_ params: JSONValue) throws -> JSONValue {
        let document = try document(params)
        let engine = host.makeEngine()
        let file = SourceFile(name: document.path, bytes: document.bytes)
        guard case .formatted(let text) = EngineThread.run({ engine.format(file) }), Array(text.utf8) != document.bytes else { return [] }
        return [["range": document.range(0, document.bytes.count), "newText": .string(text)]]
    }
}
