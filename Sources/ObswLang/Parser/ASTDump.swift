/// A compact S-expression form of the syntax tree, for tests and `obsw check --dump`.
public enum ASTDump {
    public static func program(_ program: Program) -> String {
        program.statements.map(statement).joined(separator: "\n")
    }

    public static func statement(_ s: Stmt) -> String {
        switch s.kind {
        case .let(let name, _, let value): return "(let \(name) \(expr(value)))"
        case .assign(let target, let value): return "(= \(expr(target)) \(expr(value)))"
        case .expression(let e): return expr(e)
        case .command(let c): return command(c)
        case .if(let branches, let otherwise):
            var parts = branches.map { "\(expr($0.condition)) \(block($0.body))" }
            if let otherwise { parts.append("else \(block(otherwise))") }
            return "(if \(parts.joined(separator: " ")))"
        case .for(let name, _, let sequence, let body): return "(for \(name) \(expr(sequence)) \(block(body)))"
        case .while(let condition, let body): return "(while \(expr(condition)) \(block(body)))"
        case .break: return "(break)"
        case .continue: return "(continue)"
        case .function(let f): return function(f)
        case .return(let value): return value.map { "(return \(expr($0)))" } ?? "(return)"
        case .try(let body, let name, _, let handler): return "(try \(block(body)) catch \(name ?? "_") \(block(handler)))"
        case .throw(let value): return "(throw \(expr(value)))"
        case .check(let hard, let condition, let message, _):
            return "(\(hard ? "assert" : "expect") \(expr(condition))\(message.map { " " + expr($0) } ?? ""))"
        case .exit(let code): return code.map { "(exit \(expr($0)))" } ?? "(exit)"
        case .source(let path): return "(source \(expr(path)))"
        case .block(let b): return block(b)
        }
    }

    static func block(_ b: Block) -> String {
        "{" + b.statements.map(statement).joined(separator: " ") + "}"
    }

    static func function(_ f: FunctionDecl) -> String {
        let params = f.parameters.map { p in p.defaultValue.map { "\(p.name)=\(expr($0))" } ?? p.name }
        return "(fn \(f.name ?? "_") (\(params.joined(separator: " "))) \(block(f.body)))"
    }

    static func command(_ c: CommandCall) -> String {
        let args = c.arguments.map { argument -> String in
            switch argument {
            case .positional(let e): return expr(e)
            case .option(let name, let value, _): return "--\(name)" + (value.map { "=" + expr($0) } ?? "")
            }
        }
        return "(cmd \(c.name)\(args.isEmpty ? "" : " " + args.joined(separator: " ")))"
    }

    public static func expr(_ e: Expr) -> String {
        switch e.kind {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .int(let n): return "\(n)"
        case .float(let d): return "\(d)"
        case .duration(let ms): return "\(ms)ms"
        case .string(let s): return "\"\(s)\""
        case .interpolated(let parts):
            return "(str " + parts.map { part in
                switch part {
                case .text(let t): return "\"\(t)\""
                case .expr(let e): return expr(e)
                }
            }.joined(separator: " ") + ")"
        case .variable(let name): return name
        case .list(let items): return "[" + items.map(expr).joined(separator: " ") + "]"
        case .map(let entries): return "{" + entries.map { "\($0.key): \(expr($0.value))" }.joined(separator: ", ") + "}"
        case .unary(let op, let operand): return "(\(op.rawValue) \(expr(operand)))"
        case .binary(let op, let l, let r): return "(\(op.rawValue) \(expr(l)) \(expr(r)))"
        case .field(let base, let name): return "(. \(expr(base)) \(name))"
        case .softField(let base, let name): return "(.? \(expr(base)) \(name))"
        case .index(let base, let index): return "([] \(expr(base)) \(expr(index)))"
        case .slice(let base, let start, let end):
            return "([:] \(expr(base)) \(start.map(expr) ?? "_") \(end.map(expr) ?? "_"))"
        case .call(let callee, let args): return "(call \(expr(callee))" + args.map { " " + expr($0) }.joined() + ")"
        case .function(let f): return function(f)
        case .comprehension(let element, let name, _, let sequence, let condition):
            return "(comp \(expr(element)) \(name) \(expr(sequence))\(condition.map { " if " + expr($0) } ?? ""))"
        case .command(let c): return "$" + command(c)
        }
    }
}
