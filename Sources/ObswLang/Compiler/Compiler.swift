import ObswSystem

/// Binds every name to a frame slot and turns the syntax tree into closures over frames.
///
/// Resolution happens entirely here, before anything runs: undeclared names, assignments
/// to undeclared variables, `break` outside a loop, unknown commands and options are all
/// reported — every one, not just the first. Variables live in per-function frames
/// addressed by (hops, slot); a lookup never hashes a string at run time.
final class Compiler {
    /// Compiled code kept in an array. A closure stored directly as an array element is kept
    /// at the most general abstraction and every call goes through a conversion thunk; inside
    /// a struct it keeps its own calling convention.
    struct Step {
        let run: Code
    }

    struct Branch {
        let condition: Code
        let body: Code
    }

    struct FunctionScope {
        var blocks: [[String: Int]]
        var size: Int
        var loops = 0
        var isFunction: Bool
        /// Whether code in this scope creates functions, which would capture its frame.
        var createsFunctions = false
        /// When each slot was declared, as a count over the whole compile: tells a variable
        /// declared after a named function from one declared before it.
        var declaredAt: [Int: Int] = [:]
    }

    /// A slot in a scope of `functions`.
    struct ScopedSlot: Hashable {
        var scope: Int
        var slot: Int
    }

    let engine: Engine
    var functions: [FunctionScope]
    var diagnostics: [Diagnostic] = []
    /// Declarations so far (see `FunctionScope.declaredAt`).
    var declarationCount = 0
    /// Named functions whose bodies are being compiled after their block: the scope the body
    /// gets, and `declarationCount` where the function stands in its block.
    var namedFunctionStarts: [(scope: Int, declaredBefore: Int)] = []
    /// Variables that a named function may read before their `let` has run: their block
    /// marks them unset when it starts, and reads of them check.
    var readableBeforeLet: Set<ScopedSlot> = []

    init(engine: Engine, globals: [String: Int], globalSize: Int) {
        self.engine = engine
        functions = [FunctionScope(blocks: [globals], size: globalSize, isFunction: false)]
    }

    var globals: [String: Int] { functions[0].blocks[0] }
    var globalSize: Int { functions[0].size }

    func error(_ code: DiagnosticCode, _ message: String, _ span: Span, notes: [String] = []) {
        diagnostics.append(Diagnostic(code, message, at: span, notes: notes))
    }

    /// Problems that do not stop a script from running (shown by `check`, the runner and the shell).
    var warnings: [Diagnostic] = []

    func warning(_ code: DiagnosticCode, _ message: String, _ span: Span, notes: [String] = []) {
        var diagnostic = Diagnostic(code, message, at: span, notes: notes)
        diagnostic.severity = .warning
        warnings.append(diagnostic)
    }

    // MARK: Scopes

    /// A new slot for `name` in the innermost block. At the top level a name keeps its slot
    /// when declared again (a shell line re-running `let x = ...`, a sourced file).
    func declare(_ name: String) -> Int {
        if functions.count == 1, functions[0].blocks.count == 1, let existing = functions[0].blocks[0][name] {
            return existing
        }
        let slot = functions[functions.count - 1].size
        functions[functions.count - 1].size += 1
        let last = functions[functions.count - 1].blocks.count - 1
        functions[functions.count - 1].blocks[last][name] = slot
        declarationCount += 1
        functions[functions.count - 1].declaredAt[slot] = declarationCount
        return slot
    }

    func resolve(_ name: String) -> (hops: Int, slot: Int)? {
        for (hops, function) in functions.reversed().enumerated() {
            for block in function.blocks.reversed() {
                if let slot = block[name] { return (hops, slot) }
            }
        }
        return nil
    }

    /// Whether the variable at (hops, slot) may be read before its `let` ran: it is declared
    /// after a named function whose body is being compiled (hoisting lets that function be
    /// called above the `let`). Such variables are recorded so their block can mark them unset.
    func mayBeUnset(hops: Int, slot: Int) -> Bool {
        let scope = functions.count - 1 - hops
        guard let declared = functions[scope].declaredAt[slot],
            namedFunctionStarts.contains(where: { $0.scope > scope && declared > $0.declaredBefore })
        else { return false }
        readableBeforeLet.insert(ScopedSlot(scope: scope, slot: slot))
        return true
    }

    func pushBlock() { functions[functions.count - 1].blocks.append([:]) }
    func popBlock() { functions[functions.count - 1].blocks.removeLast() }

    // MARK: Programs and blocks

    /// The top level of a file or shell line; returns the value of the last statement.
    func compileProgram(_ program: Program) -> Code {
        compileStatements(program.statements)
    }

    /// Statements of one block. Named functions are hoisted: their values are made when the
    /// block starts, so a function can be called above the line that defines it. Their bodies
    /// are compiled last, once every `let` of the block is declared, so a named function sees
    /// what an anonymous one at the same place would see, and more: the whole block. A variable
    /// declared below the function reads as unset (a runtime error) until its `let` runs.
    func compileStatements(_ statements: [Stmt]) -> Code {
        final class Made { var code: Code = { _ in .null } }
        var named: [(decl: FunctionDecl, slot: Int, made: Made, declaredBefore: Int)] = []
        var slots: [Int] = []
        for statement in statements {
            if case .function(let decl) = statement.kind, let name = decl.name {
                slots.append(declare(name))
            }
        }
        var body: [Step] = []
        for statement in statements {
            if case .function(let decl) = statement.kind, decl.name != nil {
                named.append((decl, slots[named.count], Made(), declarationCount))
            } else {
                body.append(Step(run: compileStatement(statement)))
            }
        }
        for function in named {
            namedFunctionStarts.append((functions.count, function.declaredBefore))
            function.made.code = compileFunction(function.decl)
            namedFunctionStarts.removeLast()
        }
        var prologue: [Step] = []
        // Variables of this block that a function above their `let` reads: unset until it runs.
        let scope = functions.count - 1
        let unset = functions[scope].blocks[functions[scope].blocks.count - 1].values
            .filter { readableBeforeLet.contains(ScopedSlot(scope: scope, slot: $0)) }.sorted()
        if !unset.isEmpty {
            for slot in unset { readableBeforeLet.remove(ScopedSlot(scope: scope, slot: slot)) }
            prologue.append(Step { frame throws(Unwind) in
                for slot in unset { frame.slots[slot] = Value.unset }
                return .null
            })
        }
        for function in named {
            let slot = function.slot, made = function.made
            prologue.append(Step { frame throws(Unwind) in
                frame.slots[slot] = try made.code(frame)
                return .null
            })
        }
        let steps = prologue + body
        switch steps.count {
        case 0: return { _ in .null }
        case 1: return steps[0].run
        case 2:
            let first = steps[0].run, second = steps[1].run
            return { frame throws(Unwind) in
                _ = try first(frame)
                return try second(frame)
            }
        default:
            return { frame throws(Unwind) in
                var last = Value.null
                for step in steps { last = try step.run(frame) }
                return last
            }
        }
    }

    func compileBlock(_ block: Block) -> Code {
        pushBlock()
        defer { popBlock() }
        return compileStatements(block.statements)
    }

    // MARK: Statements

    func compileStatement(_ statement: Stmt) -> Code {
        let span = statement.span
        switch statement.kind {
        case .let(let name, _, let value):
            let code = compileExpression(value)
            let slot = declare(name)  // after the value: `let x = x + 1` reads the outer x
            return { frame throws(Unwind) in
                let value = try code(frame)
                frame.slots[slot] = value
                return .null
            }
        case .assign(let target, let value):
            return compileAssignment(target, value)
        case .expression(let expr):
            return compileExpression(expr)
        case .command(let call):
            return compileCommand(call, resultKept: functions.contains { $0.isFunction })
        case .if(let branches, let otherwise):
            let compiled = branches.map { Branch(condition: compileExpression($0.condition), body: compileBlock($0.body)) }
            let elseCode = otherwise.map(compileBlock)
            if compiled.count == 1 {
                let condition = compiled[0].condition, body = compiled[0].body
                return { frame throws(Unwind) in
                    if try condition(frame).isTruthy { return try body(frame) }
                    return try elseCode?(frame) ?? .null
                }
            }
            return { frame throws(Unwind) in
                for branch in compiled where try branch.condition(frame).isTruthy {
                    return try branch.body(frame)
                }
                return try elseCode?(frame) ?? .null
            }
        case .while(let condition, let body):
            let conditionCode = compileExpression(condition)
            functions[functions.count - 1].loops += 1
            let bodyCode = compileBlock(body)
            functions[functions.count - 1].loops -= 1
            let interrupt = engine.interrupt
            return { frame throws(Unwind) in
                while try conditionCode(frame).isTruthy {
                    if interrupt.isRaised { throw Engine.interrupted(span, clearing: interrupt) }
                    do throws(Unwind) { _ = try bodyCode(frame) } catch .breakLoop { break } catch .continueLoop { continue }
                }
                return .null
            }
        case .for(let name, _, let sequence, let body):
            if let counted = compileCountedFor(name, sequence, body, span) { return counted }
            let sequenceCode = compileExpression(sequence)
            let (variable, bodyCode) = compileLoop(over: name, body)
            let interrupt = engine.interrupt
            let sequenceSpan = sequence.span
            return { frame throws(Unwind) in
                let items = try Engine.iterate(try sequenceCode(frame), span: sequenceSpan)
                for item in items {
                    if interrupt.isRaised { throw Engine.interrupted(span, clearing: interrupt) }
                    let iteration = variable.bind(item, in: frame)
                    do throws(Unwind) { _ = try bodyCode(iteration) } catch .breakLoop { break } catch .continueLoop { continue }
                }
                return .null
            }
        case .break, .continue:
            let isBreak: Bool
            if case .break = statement.kind { isBreak = true } else { isBreak = false }
            if functions[functions.count - 1].loops == 0 {
                error(isBreak ? .breakOutsideLoop : .continueOutsideLoop,
                      "'\(isBreak ? "break" : "continue")' outside a loop", span)
            }
            return isBreak ? { _ throws(Unwind) in throw .breakLoop } : { _ throws(Unwind) in throw .continueLoop }
        case .function(let decl):
            // Anonymous at statement level cannot happen (the parser reads `fn(` as an expression).
            return compileFunction(decl)
        case .return(let value):
            if !functions[functions.count - 1].isFunction {
                error(.returnOutsideFunction, "'return' outside a function", span)
            }
            let code = value.map(compileExpression)
            return { frame throws(Unwind) in throw .returned(try code?(frame) ?? .null) }
        case .try(let body, let errorName, _, let handler):
            let bodyCode = compileBlock(body)
            pushBlock()
            let slot = errorName.map { declare($0) }
            let handlerCode = compileBlock(handler)
            popBlock()
            return { frame throws(Unwind) in
                do throws(Unwind) {
                    return try bodyCode(frame)
                } catch .failure(let failure) {
                    if let slot { frame.slots[slot] = failure.value }
                    let result = try handlerCode(frame)
                    // Ctrl-C can be observed (to clean up) but not swallowed.
                    if failure.kind == .interrupted { throw .failure(failure) }
                    return result
                }
            }
        case .throw(let value):
            let code = compileExpression(value)
            return { frame throws(Unwind) in
                let v = try code(frame)
                var failure = ScriptError(.user, v.displayText, code: .userError, span: span)
                if case .map(let m) = v {
                    failure.thrown = v
                    failure.message = m["message"]?.displayText ?? v.literalText
                }
                throw .failure(failure)
            }
        case .check(let hard, let condition, let message, let text):
            return compileCheck(hard: hard, condition: condition, message: message, text: text, span: span)
        case .exit(let code):
            let valueCode = code.map(compileExpression)
            return { frame throws(Unwind) in
                guard let valueCode else { throw .exit(0) }
                let v = try valueCode(frame)
                guard case .int(let n) = v, (0...255).contains(n) else {
                    throw ScriptError.runtime("exit takes a status from 0 to 255, not \(v.literalText)", span, code: .badArgument)
                }
                throw .exit(Int32(n))
            }
        case .source(let path):
            if case .string(let literal) = path.kind { predeclareSourced(literal, from: span) }
            let pathCode = compileExpression(path)
            let engine = self.engine
            return { frame throws(Unwind) in
                let p = try pathCode(frame)
                guard case .string(let text) = p else {
                    throw ScriptError.runtime("source takes a file path, not \(p.typeName)", span, code: .badArgument)
                }
                return try engine.source(text, span: span)
            }
        case .block(let block):
            return compileBlock(block)
        }
    }

    /// A `for` body in a block of its own where the loop variable lives (after the sequence
    /// is compiled: `for x in x` reads the outer x).
    func compileLoop(over name: String, _ body: Block) -> (variable: LoopVariable, body: Code) {
        var variable = LoopVariable(slot: 0, iterationFrameSize: nil)
        let code = compileIteration(makesFunctions: Self.makesFunctions(body)) { () -> Code in
            variable.slot = declare(name)
            functions[functions.count - 1].loops += 1
            defer { functions[functions.count - 1].loops -= 1 }
            return compileBlock(body)
        }
        variable.iterationFrameSize = code.frameSize
        return (variable, code.code)
    }

    /// Compiles the variables and code of one loop iteration. When that code makes functions,
    /// the iteration gets a frame of its own (`frameSize`), so each closure keeps the values
    /// of its own iteration, as with `let` in a JavaScript `for`, or Go and C# loops. Otherwise
    /// the variables live in the enclosing frame, which costs nothing per iteration.
    func compileIteration(makesFunctions: Bool, _ compile: () -> Code) -> (code: Code, frameSize: Int?) {
        guard makesFunctions else {
            pushBlock()
            defer { popBlock() }
            return (compile(), nil)
        }
        let outer = functions[functions.count - 1]
        functions.append(FunctionScope(blocks: [[:]], size: 0, loops: outer.loops, isFunction: outer.isFunction))
        let code = compile()
        let size = functions.removeLast().size
        // The iteration frames' parent is this frame: closures capture it too.
        functions[functions.count - 1].createsFunctions = true
        return (code, size)
    }

    /// `for i in range(...)`, when `range` is the builtin: counts without building the list
    /// (a million-iteration loop would otherwise allocate a million values first).
    func compileCountedFor(_ name: String, _ sequence: Expr, _ body: Block, _ span: Span) -> Code? {
        guard case .call(let callee, let arguments) = sequence.kind, case .variable("range") = callee.kind,
            resolve("range") == nil, engine.builtins["range"] != nil, (1...3).contains(arguments.count)
        else { return nil }
        let argumentCodes = arguments.map { Step(run: compileExpression($0)) }
        let (variable, bodyCode) = compileLoop(over: name, body)
        let interrupt = engine.interrupt
        let sequenceSpan = sequence.span
        return { frame throws(Unwind) in
            var bounds: [Value] = []
            for argument in argumentCodes { bounds.append(try argument.run(frame)) }
            let (start, end, step) = try Builtins.rangeBounds(bounds, sequenceSpan)
            var i = start
            while step > 0 ? i < end : i > end {
                if interrupt.isRaised { throw Engine.interrupted(span, clearing: interrupt) }
                let iteration = variable.bind(.int(i), in: frame)
                do throws(Unwind) { _ = try bodyCode(iteration) } catch .breakLoop { break } catch .continueLoop {}
                let (next, overflow) = i.addingReportingOverflow(step)
                if overflow { break }
                i = next
            }
            return .null
        }
    }

    /// Declares the top-level names of a sourced file as globals, so code after `source`
    /// can use them. Only a literal path can be known before running.
    func predeclareSourced(_ path: String, from span: Span) {
        let base = engine.sources.file(span.file).map { Directory.folder(of: $0.name) } ?? "."
        let resolved = path.hasPrefix("/") ? path : base + "/" + path
        guard let bytes = Engine.readFile(resolved) else { return }  // reported when it runs
        let file = SourceFile(name: resolved, bytes: bytes)
        var parser = Parser(file: file, fileID: -1, catalog: engine.catalog)
        for statement in parser.parseProgram().0.statements {
            switch statement.kind {
            case .let(let name, _, _): declareGlobal(name)
            case .function(let decl): if let name = decl.name { declareGlobal(name) }
            default: break
            }
        }
    }

    func declareGlobal(_ name: String) {
        guard functions[0].blocks[0][name] == nil else { return }
        functions[0].blocks[0][name] = functions[0].size
        functions[0].size += 1
    }

    /// `fn name(a, b = 1) { ... }`: compiles the body in a scope of its own.
    func compileFunction(_ decl: FunctionDecl) -> Code {
        functions[functions.count - 1].createsFunctions = true
        functions.append(FunctionScope(blocks: [[:]], size: 0, isFunction: true))
        let parameterSlots = decl.parameters.map { declare($0.name) }
        _ = parameterSlots
        let defaults = decl.parameters.map { p in p.defaultValue.map(compileExpression) }
        let body = compileStatements(decl.body.statements)
        let size = functions[functions.count - 1].size
        // No function made inside can capture this one's frame, so a frame can be reused
        // once a call returns.
        let reusesFrames = !functions[functions.count - 1].createsFunctions
        functions.removeLast()
        let name = decl.name ?? "anonymous function"
        let parameters = decl.parameters.map(\.name)
        return { frame throws(Unwind) in
            .function(
                Function(
                    name: name, parameters: parameters, defaults: defaults, body: body, frameSize: size, captured: frame,
                    reusesFrames: reusesFrames))
        }
    }

    /// Compares sides separately so a failure can show both values.
    func compileCheck(hard: Bool, condition: Expr, message: Expr?, text: String, span: Span) -> Code {
        let messageCode = message.map(compileExpression)
        let engine = self.engine
        if case .binary(let op, let l, let r) = condition.kind,
            [.equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .in, .notIn].contains(op)
        {
            let left = compileExpression(l), right = compileExpression(r)
            return { frame throws(Unwind) in
                let a = try left(frame), b = try right(frame)
                let ok = try Operators.binary(op, a, b, span: condition.span).isTruthy
                let note = ok && !engine.reportsEveryCheck ? nil : try messageCode?(frame).displayText
                try engine.recordCheck(
                    ok: ok, CheckResult(hard: hard, span: span, text: text, message: note, left: ok ? nil : a, right: ok ? nil : b))
                return .null
            }
        }
        let code = compileExpression(condition)
        return { frame throws(Unwind) in
            let ok = try code(frame).isTruthy
            let note = ok && !engine.reportsEveryCheck ? nil : try messageCode?(frame).displayText
            try engine.recordCheck(ok: ok, CheckResult(hard: hard, span: span, text: text, message: note, left: nil, right: nil))
            return .null
        }
    }
}

/// Where a loop puts its variable for one iteration: a slot of the enclosing frame, or (when
/// the body makes closures) a slot of a new frame per iteration.
struct LoopVariable {
    var slot: Int
    var iterationFrameSize: Int?

    /// The frame to run the iteration in, holding `value`.
    @inline(__always) func bind(_ value: Value, in frame: Frame) -> Frame {
        guard let size = iterationFrameSize else {
            frame.slots[slot] = value
            return frame
        }
        let iteration = Frame(size: size, parent: frame)
        iteration.slots[slot] = value
        return iteration
    }
}
