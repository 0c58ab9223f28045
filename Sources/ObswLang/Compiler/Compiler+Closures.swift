/// Whether code makes functions (`fn` anywhere inside, at any depth): a loop whose body does
/// gets a frame per iteration (`Compiler.compileIteration`).
extension Compiler {
    static func makesFunctions(_ block: Block) -> Bool {
        block.statements.contains(where: makesFunctions)
    }

    static func makesFunctions(_ statement: Stmt) -> Bool {
        switch statement.kind {
        case .function: return true
        case .let(_, _, let value): return makesFunctions(value)
        case .assign(let target, let value): return makesFunctions(target) || makesFunctions(value)
        case .expression(let e), .throw(let e), .source(let e): return makesFunctions(e)
        case .command(let call): return makesFunctions(call)
        case .if(let branches, let otherwise):
            return branches.contains { makesFunctions($0.condition) || makesFunctions($0.body) }
                || otherwise.map(makesFunctions) == true
        case .for(_, _, let sequence, let body): return makesFunctions(sequence) || makesFunctions(body)
        case .while(let condition, let body): return makesFunctions(condition) || makesFunctions(body)
        case .return(let e), .exit(let e): return e.map(makesFunctions) == true
        case .try(let body, _, _, let handler): return makesFunctions(body) || makesFunctions(handler)
        case .check(_, let condition, let message, _):
            return makesFunctions(condition) || message.map(makesFunctions) == true
        case .block(let block): return makesFunctions(block)
        case .break, .continue: return false
        }
    }

    static func makesFunctions(_ call: CommandCall) -> Bool {
        call.arguments.contains { argument in
            switch argument {
            case .positional(let e): makesFunctions(e)
            case .option(_, let value, _): value.map(makesFunctions) == true
            }
        }
    }

    static func makesFunctions(_ expr: Expr) -> Bool {
        switch expr.kind {
        case .function: return true
        case .null, .bool, .int, .float, .duration, .string, .variable: return false
        case .interpolated(let parts):
            return parts.contains { if case .expr(let e) = $0 { makesFunctions(e) } else { false } }
        case .list(let items): return items.contains(where: makesFunctions)
        case .map(let entries): return entries.contains { makesFunctions($0.value) }
        case .unary(_, let e), .field(let e, _), .softField(let e, _): return makesFunctions(e)
        case .binary(_, let a, let b), .index(let a, let b): return makesFunctions(a) || makesFunctions(b)
        case .slice(let base, let start, let end):
            return makesFunctions(base) || start.map(makesFunctions) == true || end.map(makesFunctions) == true
        case .call(let callee, let arguments): return makesFunctions(callee) || arguments.contains(where: makesFunctions)
        case .comprehension(let element, _, _, let sequence, let condition):
            return makesFunctions(element) || makesFunctions(sequence) || condition.map(makesFunctions) == true
        case .command(let call): return makesFunctions(call)
        }
    }
}
