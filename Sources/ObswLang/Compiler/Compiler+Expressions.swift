extension Compiler {
    func compileExpression(_ expr: Expr) -> Code {
        let span = expr.span
        switch expr.kind {
        case .null: return { _ in .null }
        case .bool(let b): return { _ in .bool(b) }
        case .int(let n): return { _ in .int(n) }
        case .float(let d): return { _ in .float(d) }
        case .duration(let ms): return { _ in .duration(ms) }
        case .string(let s): return { _ in .string(s) }
        case .interpolated(let parts):
            let codes: [Code] = parts.map { part in
                switch part {
                case .text(let t): return { _ in .string(t) }
                case .expr(let e): return compileExpression(e)
                }
            }
            return { frame throws(Unwind) in
                var out = ""
                for code in codes { out += try code(frame).displayText }
                return .string(out)
            }
        case .variable(let name):
            return compileRead(name, span)
        case .list(let items):
            let codes = items.map(compileExpression)
            return { frame throws(Unwind) in
                var list: [Value] = []
                list.reserveCapacity(codes.count)
                for code in codes { list.append(try code(frame)) }
                return .list(list)
            }
        case .map(let entries):
            let codes = entries.map { ($0.key, compileExpression($0.value)) }
            return { frame throws(Unwind) in
                var map = ValueMap()
                map.reserveCapacity(codes.count)
                for (key, code) in codes { map[key] = try code(frame) }
                return .map(map)
            }
        case .unary(let op, let operand):
            let code = compileExpression(operand)
            return { frame throws(Unwind) in try Operators.unary(op, try code(frame), span: span) }
        case .binary(.and, let l, let r):
            let left = compileExpression(l), right = compileExpression(r)
            return { frame throws(Unwind) in
                guard try left(frame).isTruthy else { return .bool(false) }
                return .bool(try right(frame).isTruthy)
            }
        case .binary(.or, let l, let r):
            let left = compileExpression(l), right = compileExpression(r)
            return { frame throws(Unwind) in
                if try left(frame).isTruthy { return .bool(true) }
                return .bool(try right(frame).isTruthy)
            }
        case .binary(.coalesce, let l, let r):
            let left = compileExpression(l), right = compileExpression(r)
            return { frame throws(Unwind) in
                let v = try left(frame)
                return v.isNull ? try right(frame) : v
            }
        case .binary(let op, let l, let r):
            let left = compileExpression(l), right = compileExpression(r)
            return { frame throws(Unwind) in try Operators.binary(op, try left(frame), try right(frame), span: span) }
        case .field(let base, let name):
            let code = compileExpression(base)
            return { frame throws(Unwind) in try Operators.field(try code(frame), name, span: span) }
        case .softField(let base, let name):
            let code = compileExpression(base)
            return { frame throws(Unwind) in
                let v = try code(frame)
                switch v {
                case .map(let m): return m[name] ?? .null
                case .null: return .null
                default: return .string(v.displayText + "." + name)
                }
            }
        case .index(let base, let index):
            let baseCode = compileExpression(base), indexCode = compileExpression(index)
            return { frame throws(Unwind) in try Operators.index(try baseCode(frame), try indexCode(frame), span: span) }
        case .call(let callee, let arguments):
            let calleeCode = compileExpression(callee)
            let argumentCodes = arguments.map(compileExpression)
            let engine = self.engine
            let name = Self.describeCallee(callee)
            return { frame throws(Unwind) in
                let f = try calleeCode(frame)
                var values: [Value] = []
                values.reserveCapacity(argumentCodes.count)
                for code in argumentCodes { values.append(try code(frame)) }
                return try engine.callValue(f, values, calleeName: name, span: span)
            }
        case .function(let decl):
            return compileFunction(decl)
        case .comprehension(let element, let name, _, let sequence, let condition):
            let sequenceCode = compileExpression(sequence)
            pushBlock()
            let slot = declare(name)
            let elementCode = compileExpression(element)
            let conditionCode = condition.map(compileExpression)
            popBlock()
            let sequenceSpan = sequence.span
            return { frame throws(Unwind) in
                let items = try Engine.iterate(try sequenceCode(frame), span: sequenceSpan)
                var out: [Value] = []
                for item in items {
                    frame.slots[slot] = item
                    if let conditionCode {
                        let keep = try conditionCode(frame)
                        if !keep.isTruthy { continue }
                    }
                    out.append(try elementCode(frame))
                }
                return .list(out)
            }
        case .command(let call):
            return compileCommand(call)
        }
    }

    static func describeCallee(_ callee: Expr) -> String {
        switch callee.kind {
        case .variable(let name): return "'\(name)'"
        case .field(_, let name): return "'.\(name)'"
        default: return "the called value"
        }
    }

    /// A variable read by (hops, slot), or a builtin function by name.
    func compileRead(_ name: String, _ span: Span) -> Code {
        if let (hops, slot) = resolve(name) {
            switch hops {
            case 0: return { frame in frame.slots[slot] }
            case 1: return { frame in frame.parent!.slots[slot] }
            default:
                return { frame in
                    var f = frame
                    for _ in 0..<hops { f = f.parent! }
                    return f.slots[slot]
                }
            }
        }
        if let builtin = engine.builtins[name] {
            return { _ in .function(builtin) }
        }
        error(.undeclared, "undeclared variable '\(name)'", span, notes: suggestion(for: name))
        return { _ in .null }
    }

    /// "did you mean" for a misspelt name, from the names in scope.
    func suggestion(for name: String) -> [String] {
        var candidates = Set(engine.builtins.keys)
        for function in functions { for block in function.blocks { candidates.formUnion(block.keys) } }
        candidates.formUnion(engine.catalog.commands.map(\.name))
        let limit = max(1, name.count / 3)
        var best: (name: String, distance: Int)?
        for candidate in candidates.sorted() {
            let distance = Self.editDistance(candidate, name)
            if distance <= limit, distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        return best.map { ["did you mean '\($0.name)'?"] } ?? []
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        for i in 1...x.count {
            var current = [i] + [Int](repeating: 0, count: y.count)
            for j in 1...y.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[y.count]
    }

    // MARK: Assignment

    /// `x = v`, `m.k = v`, `m[k] = v`, `l[i] = v`, and deeper paths (`m.a[0].b = v`).
    func compileAssignment(_ target: Expr, _ value: Expr) -> Code {
        let valueCode = compileExpression(value)
        var path: [Code] = []
        var root = target
        while true {
            switch root.kind {
            case .field(let base, let name):
                path.insert({ _ in .string(name) }, at: 0)
                root = base
                continue
            case .index(let base, let index):
                path.insert(compileExpression(index), at: 0)
                root = base
                continue
            default: break
            }
            break
        }
        guard case .variable(let name) = root.kind else {
            error(.invalidAssignmentTarget, "only variables and their elements can be assigned", target.span)
            return { _ in .null }
        }
        guard let (hops, slot) = resolve(name) else {
            error(.assignToUndeclared, "assignment to undeclared variable '\(name)' (declare it with 'let \(name) = ...')", root.span)
            return { _ in .null }
        }
        let span = target.span
        return { frame throws(Unwind) in
            var owner = frame
            for _ in 0..<hops { owner = owner.parent! }
            let newValue = try valueCode(frame)
            if path.isEmpty {
                owner.slots[slot] = newValue
                return .null
            }
            var keys: [Value] = []
            for code in path { keys.append(try code(frame)) }
            // Take the value out of its slot so it is uniquely referenced and changes in place.
            var container = owner.slots[slot]
            owner.slots[slot] = .null
            defer { owner.slots[slot] = container }
            try Operators.set(&container, keys[...], newValue, span: span)
            return .null
        }
    }
}
