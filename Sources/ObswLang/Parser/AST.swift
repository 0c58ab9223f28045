/// The syntax tree, as the parser builds it: names are still names. The resolver turns it
/// into code that addresses variables by slot.

public struct Expr: Sendable {
    public var kind: ExprKind
    public var span: Span
}

public indirect enum ExprKind: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    /// Milliseconds.
    case duration(Int)
    case string(String)
    /// `"a $x and ${expr}"`
    case interpolated([InterpolatedPart])
    /// `n` or `$n`
    case variable(String)
    case list([Expr])
    case map([(key: String, value: Expr)])
    case unary(UnaryOperator, Expr)
    case binary(BinaryOperator, Expr, Expr)
    case field(Expr, String)
    /// `.name` inside an interpolated reference (`"$e.execution_name"`, `"photo-$i.jpg"`):
    /// the field when the value is a map, else the value as text followed by `.name`.
    case softField(Expr, String)
    case index(Expr, Expr)
    /// `base[start:end]`, either bound optional.
    case slice(Expr, Expr?, Expr?)
    case call(Expr, [Expr])
    case function(FunctionDecl)
    /// `[element for name in sequence if condition]`
    case comprehension(element: Expr, name: String, nameSpan: Span, sequence: Expr, condition: Expr?)
    /// `$(command ...)`, or a bare command on the right of `let`.
    case command(CommandCall)
}

public enum InterpolatedPart: Sendable {
    case text(String)
    case expr(Expr)
}

public enum UnaryOperator: String, Sendable { case negate = "-", not }

public enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case and, or, coalesce = "??", `in`, notIn = "not in"
}

public struct FunctionDecl: Sendable {
    public struct Parameter: Sendable {
        public var name: String
        public var span: Span
        public var defaultValue: Expr?
    }

    /// nil for `fn(x) { ... }`
    public var name: String?
    public var nameSpan: Span
    public var parameters: [Parameter]
    public var body: Block
    public var span: Span
}

/// `name arg --option value ...`
public struct CommandCall: Sendable {
    public enum Argument: Sendable {
        case positional(Expr)
        case option(name: String, value: Expr?, span: Span)
    }

    public var name: String
    public var nameSpan: Span
    public var arguments: [Argument]
    public var span: Span
}

public struct Block: Sendable {
    public var statements: [Stmt]
    public var span: Span
}

public struct Stmt: Sendable {
    public var kind: StmtKind
    public var span: Span
}

public indirect enum StmtKind: Sendable {
    case `let`(name: String, nameSpan: Span, value: Expr)
    /// `target = value` where target is a variable, field or index expression.
    case assign(target: Expr, value: Expr)
    case expression(Expr)
    case command(CommandCall)
    case `if`(branches: [(condition: Expr, body: Block)], otherwise: Block?)
    case `for`(name: String, nameSpan: Span, sequence: Expr, body: Block)
    case `while`(condition: Expr, body: Block)
    case `break`
    case `continue`
    case function(FunctionDecl)
    case `return`(Expr?)
    case `try`(body: Block, errorName: String?, errorSpan: Span, handler: Block)
    case `throw`(Expr)
    /// `assert`/`expect`; `text` is the check's source, for the failure message.
    case check(hard: Bool, condition: Expr, message: Expr?, text: String)
    case exit(Expr?)
    case source(Expr)
    case block(Block)
}

/// A parsed file or snippet.
public struct Program: Sendable {
    public var statements: [Stmt]
    public var file: Int32
}
