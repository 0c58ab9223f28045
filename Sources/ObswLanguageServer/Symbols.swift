import ObswLang

/// The names a document declares and where each is used, resolved lexically as the
/// compiler resolves them: a `let` is seen after it, in its block; a named function in its
/// whole block; a function's body sees its enclosing scopes as they are when it is called,
/// so it also sees names declared after it (as `obsw run` does).
struct SymbolIndex {
    enum Kind { case variable, function, parameter }

    struct Symbol {
        var name: String
        var kind: Kind
        /// The name where it is declared.
        var declaration: Span
        /// The whole declaring statement (the `fn` with its body, the `let` line).
        var statement: Span
        /// Where it can be used: from its declaration (a function: its block's start) to its scope's end.
        var visible: Range<Int>
    }

    struct Reference {
        var span: Span
        var symbol: Int
    }

    private(set) var symbols: [Symbol] = []
    private(set) var references: [Reference] = []

    /// The symbol declared or used at a byte offset.
    func symbol(at offset: Int) -> Int? {
        if let r = references.first(where: { Int($0.span.start) <= offset && offset <= Int($0.span.end) }) { return r.symbol }
        return symbols.firstIndex { Int($0.declaration.start) <= offset && offset <= Int($0.declaration.end) }
    }

    /// Names that can be used at a byte offset (for completion).
    func names(visibleAt offset: Int) -> Set<String> {
        Set(symbols.filter { $0.visible.contains(offset) }.map(\.name))
    }

    func uses(of symbol: Int) -> [Span] { references.filter { $0.symbol == symbol }.map(\.span) }

    // MARK: Building

    /// A block's names; `parent` is what encloses it.
    final class Scope {
        let parent: Scope?
        var names: [String: Int] = [:]
        /// Where the scope ends (names declared in it are visible up to here).
        let end: Int
        init(parent: Scope?, end: Int) {
            self.parent = parent
            self.end = end
        }

        func lookup(_ name: String) -> Int? { names[name] ?? parent?.lookup(name) }
    }

    /// Function bodies, resolved once their enclosing block is complete.
    private var deferred: [(FunctionDecl, Scope)] = []
    private let bytes: [UInt8]

    init(_ program: Program, bytes: [UInt8], globals: Set<String>) {
        self.bytes = bytes
        let top = Scope(parent: nil, end: bytes.count)
        for name in globals.sorted() {
            symbols.append(Symbol(name: name, kind: .variable, declaration: .none, statement: .none, visible: 0..<bytes.count + 1))
            top.names[name] = symbols.count - 1
        }
        walk(program.statements, in: top, start: 0)
        while !deferred.isEmpty {
            let (function, scope) = deferred.removeFirst()
            body(function, in: scope)
        }
    }

    private mutating func declare(_ name: String, _ kind: Kind, at span: Span, statement: Span, in scope: Scope, from start: Int) {
        symbols.append(Symbol(name: name, kind: kind, declaration: span, statement: statement, visible: start..<max(start, scope.end) + 1))
        scope.names[name] = symbols.count - 1
    }

    /// A use of `name` at `span` (a leading `$` is not part of the name's range).
    private mutating func use(_ name: String, at span: Span, in scope: Scope) {
        guard let symbol = scope.lookup(name) else { return }
        var range = span
        if Int(range.start) < bytes.count, bytes[Int(range.start)] == UInt8(ascii: "$") { range.start += 1 }
        range.end = min(range.end, range.start + Int32(name.utf8.count))
        references.append(Reference(span: range, symbol: symbol))
    }

    private mutating func walk(_ statements: [Stmt], in scope: Scope, start: Int) {
        // Named functions are known in their whole block.
        for statement in statements {
            if case .function(let f) = statement.kind, let name = f.name {
                declare(name, .function, at: f.nameSpan, statement: statement.span, in: scope, from: start)
            }
        }
        for statement in statements { walk(statement, in: scope) }
    }

    private mutating func block(_ block: Block, in scope: Scope, declaring names: [(String, Span)] = []) {
        let inner = Scope(parent: scope, end: Int(block.span.end))
        for (name, span) in names {
            declare(name, .variable, at: span, statement: span, in: inner, from: Int(block.span.start))
        }
        walk(block.statements, in: inner, start: Int(block.span.start))
    }

    private mutating func walk(_ statement: Stmt, in scope: Scope) {
        switch statement.kind {
        case .let(let name, let nameSpan, let value):
            expression(value, in: scope)
            declare(name, .variable, at: nameSpan, statement: statement.span, in: scope, from: Int(statement.span.end))
        case .assign(let target, let value):
            expression(target, in: scope)
            expression(value, in: scope)
        case .expression(let e):
            expression(e, in: scope)
        case .command(let call):
            command(call, in: scope)
        case .if(let branches, let otherwise):
            for branch in branches {
                expression(branch.condition, in: scope)
                block(branch.body, in: scope)
            }
            if let otherwise { block(otherwise, in: scope) }
        case .for(let name, let nameSpan, let sequence, let body):
            expression(sequence, in: scope)
            block(body, in: scope, declaring: [(name, nameSpan)])
        case .while(let condition, let body):
            expression(condition, in: scope)
            block(body, in: scope)
        case .function(let f):
            deferred.append((f, scope))
        case .return(let value):
            if let value { expression(value, in: scope) }
        case .try(let body, let errorName, let errorSpan, let handler):
            block(body, in: scope)
            block(handler, in: scope, declaring: errorName.map { [($0, errorSpan)] } ?? [])
        case .throw(let value), .source(let value):
            expression(value, in: scope)
        case .check(_, let condition, let message, _):
            expression(condition, in: scope)
            if let message { expression(message, in: scope) }
        case .exit(let code):
            if let code { expression(code, in: scope) }
        case .block(let b):
            block(b, in: scope)
        case .break, .continue:
            break
        }
    }

    private mutating func body(_ function: FunctionDecl, in scope: Scope) {
        let inner = Scope(parent: scope, end: Int(function.body.span.end))
        for parameter in function.parameters {
            if let value = parameter.defaultValue { expression(value, in: inner) }
            declare(parameter.name, .parameter, at: parameter.span, statement: parameter.span, in: inner, from: Int(function.body.span.start))
        }
        walk(function.body.statements, in: inner, start: Int(function.body.span.start))
    }

    private mutating func command(_ call: CommandCall, in scope: Scope) {
        // `f 1 2`: a function called as a command.
        if let symbol = scope.lookup(call.name), symbols[symbol].kind == .function {
            use(call.name, at: call.nameSpan, in: scope)
        }
        for argument in call.arguments {
            switch argument {
            case .positional(let e): expression(e, in: scope)
            case .option(_, let value, _): if let value { expression(value, in: scope) }
            }
        }
    }

    private mutating func expression(_ e: Expr, in scope: Scope) {
        switch e.kind {
        case .null, .bool, .int, .float, .duration, .string:
            break
        case .interpolated(let parts):
            for case .expr(let inner) in parts { expression(inner, in: scope) }
        case .variable(let name):
            use(name, at: e.span, in: scope)
        case .list(let items):
            for item in items { expression(item, in: scope) }
        case .map(let entries):
            for entry in entries { expression(entry.value, in: scope) }
        case .unary(_, let operand):
            expression(operand, in: scope)
        case .binary(_, let left, let right):
            expression(left, in: scope)
            expression(right, in: scope)
        case .field(let base, _), .softField(let base, _):
            expression(base, in: scope)
        case .index(let base, let index):
            expression(base, in: scope)
            expression(index, in: scope)
        case .slice(let base, let from, let to):
            expression(base, in: scope)
            if let from { expression(from, in: scope) }
            if let to { expression(to, in: scope) }
        case .call(let callee, let arguments):
            expression(callee, in: scope)
            for argument in arguments { expression(argument, in: scope) }
        case .function(let f):
            deferred.append((f, scope))
        case .comprehension(let element, let name, let nameSpan, let sequence, let condition):
            expression(sequence, in: scope)
            let inner = Scope(parent: scope, end: Int(e.span.end))
            declare(name, .variable, at: nameSpan, statement: nameSpan, in: inner, from: Int(e.span.start))
            expression(element, in: inner)
            if let condition { expression(condition, in: inner) }
        case .command(let call):
            command(call, in: scope)
        }
    }
}
