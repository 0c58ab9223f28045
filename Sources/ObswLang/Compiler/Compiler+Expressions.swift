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
            let codes: [Step] = parts.map { part in
                switch part {
                case .text(let t): return Step { _ in .string(t) }
                case .expr(let e): return Step(run: compileExpression(e))
                }
            }
            return { frame throws(Unwind) in
                var out = ""
                for code in codes {
                    switch try code.run(frame) {
                    case .string(let text): out += text
                    case .int(let n): out += String(n)
                    case let value: out += value.displayText
                    }
                }
                if out.utf8.count > 1 << 20 { try MemoryLimit.check(resultBytes: out.utf8.count, span) }
                return .string(out)
            }
        case .variable(let name):
            return compileRead(name, span)
        case .list(let items):
            let codes = items.map { Step(run: compileExpression($0)) }
            return { frame throws(Unwind) in
                var list: [Value] = []
                list.reserveCapacity(codes.count)
                for code in codes { list.append(try code.run(frame)) }
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
            return compileBinary(op, compileExpression(l), compileExpression(r), span)
        case .field(let base, let name):
            let code = compileExpression(base)
            let cache = KeyCache(name)
            return { frame throws(Unwind) in
                let v = try code(frame)
                if case .map(let m) = v, let i = cache.index(in: m) { return m.value(at: i) }
                return try Operators.field(v, name, span: span)
            }
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
            if case .string(let key) = index.kind {
                let cache = KeyCache(key)
                if case .variable(let name) = base.kind, let (hops, slot) = resolve(name), hops == 0 {
                    // Looked up in the slot itself: copying the map out would retain its buffers.
                    return { frame throws(Unwind) in
                        if case .map(let m) = frame.slots[slot], let i = cache.index(in: m) { return m.value(at: i) }
                        return try Operators.index(frame.slots[slot], .string(key), span: span)
                    }
                }
                return { frame throws(Unwind) in
                    let v = try baseCode(frame)
                    if case .map(let m) = v, let i = cache.index(in: m) { return m.value(at: i) }
                    return try Operators.index(v, .string(key), span: span)
                }
            }
            return { frame throws(Unwind) in try Operators.index(try baseCode(frame), try indexCode(frame), span: span) }
        case .slice(let base, let start, let end):
            let baseCode = compileExpression(base)
            let startCode = start.map(compileExpression), endCode = end.map(compileExpression)
            return { frame throws(Unwind) in
                let value = try baseCode(frame)
                let from = try startCode?(frame) ?? .null, to = try endCode?(frame) ?? .null
                return try Operators.slice(value, from, to, span: span)
            }
        case .call(let callee, let arguments):
            if case .variable(let name) = callee.kind, resolve(name) == nil, engine.builtins[name] == nil {
                let notes = engine.catalog.command(named: name) != nil
                    ? ["'\(name)' is a command: write $(\(name) ...) to use its result"]
                    : Self.closest(to: name, among: Array(engine.builtins.keys) + functions.flatMap { $0.blocks.flatMap(\.keys) })
                        .map { ["did you mean '\($0)'?"] } ?? []
                error(.undeclared, "unknown function '\(name)'", callee.span, notes: notes)
                return { _ in .null }
            }
            let calleeCode = compileExpression(callee)
            let argumentCodes = arguments.map { Step(run: compileExpression($0)) }
            let engine = self.engine
            let name = Self.describeCallee(callee)
            return { frame throws(Unwind) in
                let f = try calleeCode(frame)
                // A script function given all its parameters: arguments go straight into its frame.
                if case .function(let function) = f, function.builtin == nil, function.parameters.count == argumentCodes.count {
                    return try engine.call(function, evaluating: argumentCodes, in: frame, span: span)
                }
                var values: [Value] = []
                values.reserveCapacity(argumentCodes.count)
                for code in argumentCodes { values.append(try code.run(frame)) }
                return try engine.callValue(f, values, calleeName: name, span: span)
            }
        case .function(let decl):
            return compileFunction(decl)
        case .comprehension(let element, let name, _, let sequence, let condition):
            let sequenceCode = compileExpression(sequence)
            var variable = LoopVariable(slot: 0, iterationFrameSize: nil)
            var conditionCode: Code?
            let makesFunctions = Self.makesFunctions(element) || condition.map(Self.makesFunctions) == true
            let compiled = compileIteration(makesFunctions: makesFunctions) { () -> Code in
                variable.slot = declare(name)
                conditionCode = condition.map(compileExpression)
                return compileExpression(element)
            }
            variable.iterationFrameSize = compiled.frameSize
            let elementCode = compiled.code
            let sequenceSpan = sequence.span
            return { [conditionCode, variable] frame throws(Unwind) in
                let items = try Engine.iterate(try sequenceCode(frame), span: sequenceSpan)
                var out: [Value] = []
                for item in items {
                    let iteration = variable.bind(item, in: frame)
                    if let conditionCode {
                        let keep = try conditionCode(iteration)
                        if !keep.isTruthy { continue }
                    }
                    out.append(try elementCode(iteration))
                }
                return .list(out)
            }
        case .command(let call):
            return compileCommand(call)
        }
    }

    /// A binary operator, with the int cases inline: most arithmetic and comparison in a
    /// loop is on ints, and going through `Operators.binary` costs a call and a switch.
    func compileBinary(_ op: BinaryOperator, _ left: @escaping Code, _ right: @escaping Code, _ span: Span) -> Code {
        func general(_ a: Value, _ b: Value) throws(Unwind) -> Value { try Operators.binary(op, a, b, span: span) }
        switch op {
        case .add:
            return { frame throws(Unwind) in
                let a = try left(frame), b = try right(frame)
                if case .int(let x) = a, case .int(let y) = b {
                    let (r, overflow) = x.addingReportingOverflow(y)
                    if !overflow { return .int(r) }
                }
                return try general(a, b)
            }
        case .subtract:
            return { frame throws(Unwind) in
                let a = try left(frame), b = try right(frame)
                if case .int(let x) = a, case .int(let y) = b {
                    let (r, overflow) = x.subtractingReportingOverflow(y)
                    if !overflow { return .int(r) }
                }
                return try general(a, b)
            }
        case .multiply:
            return { frame throws(Unwind) in
                let a = try left(frame), b = try right(frame)
                if case .int(let x) = a, case .int(let y) = b {
                    let (r, overflow) = x.multipliedReportingOverflow(by: y)
                    if !overflow { return .int(r) }
                }
                return try general(a, b)
            }
        case .remainder:
            return { frame throws(Unwind) in
                let a = try left(frame), b = try right(frame)
                if case .int(let x) = a, case .int(let y) = b, y > 0, x >= 0 { return .int(x % y) }
                return try general(a, b)
            }
        case .less:
            return { frame throws(Unwind) in
                let a = try left(frame), b = try right(frame)
                if case .int(let x) = a, case .int(let y) = b { return .bool(x < y) }
                return try general(a, b)
            }
        case .lessEqual:
            return { frame throws(Unwind) in
                let a = try left(frame), b = try right(frame)
                if case .int(let x) = a, case .int(let y) = b { return .bool(x <= y) }
                return try general(a, b)
            }
        case .greater:
            return { frame throws(Unwind) in
                let a = try left(frame), b = try right(frame)
                if case .int(let x) = a, case .int(let y) = b { return .bool(x > y) }
                return try general(a, b)
            }
        case .greaterEqual:
            return { frame throws(Unwind) in
                let a = try left(frame), b = try right(frame)
                if case .int(let x) = a, case .int(let y) = b { return .bool(x >= y) }
                return try general(a, b)
            }
        case .equal:
            return { frame throws(Unwind) in
                let a = try left(frame), b = try right(frame)
                if case .int(let x) = a, case .int(let y) = b { return .bool(x == y) }
                return try general(a, b)
            }
        case .notEqual:
            return { frame throws(Unwind) in
                let a = try left(frame), b = try right(frame)
                if case .int(let x) = a, case .int(let y) = b { return .bool(x != y) }
                return try general(a, b)
            }
        default:
            return { frame throws(Unwind) in try general(try left(frame), try right(frame)) }
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
            if mayBeUnset(hops: hops, slot: slot) {
                return { frame throws(Unwind) in
                    var f = frame
                    for _ in 0..<hops { f = f.parent! }
                    let value = f.slots[slot]
                    if value.isUnset { throw Self.readBeforeLet(name, span) }
                    return value
                }
            }
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

    static func readBeforeLet(_ name: String, _ span: Span) -> Unwind {
        ScriptError.runtime(
            "'\(name)' is read before 'let \(name)' ran: the function was called above the line that declares it",
            span, code: .readBeforeLet)
    }

    /// "did you mean" for a misspelt name, from the names in scope.
    func suggestion(for name: String) -> [String] {
        var candidates = Set(engine.builtins.keys)
        for function in functions { for block in function.blocks { candidates.formUnion(block.keys) } }
        candidates.formUnion(engine.catalog.commands.map(\.name))
        return Self.closest(to: name, among: candidates).map { ["did you mean '\($0)'?"] } ?? []
    }

    /// The candidate nearest to a misspelt `name`, if one is near enough to be meant; never
    /// `name` itself.
    static func closest(to name: String, among candidates: some Collection<String>) -> String? {
        let limit = max(1, name.count / 3)
        var best: (name: String, distance: Int)?
        for candidate in candidates.sorted() where candidate != name {
            let distance = editDistance(candidate, name)
            if distance <= limit, distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        return best?.name
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
        if case .variable(let name) = target.kind, case .binary(.add, let left, let right) = value.kind,
            case .variable(name) = left.kind, let (hops, slot) = resolve(name), !mayBeUnset(hops: hops, slot: slot)
        {
            return compileAccumulate(hops: hops, slot: slot, right, value.span)
        }
        let valueCode = compileExpression(value)
        var path: [Step] = []
        var constantKeys: [String?] = []
        var root = target
        while true {
            switch root.kind {
            case .field(let base, let name):
                path.insert(Step { _ in .string(name) }, at: 0)
                constantKeys.insert(name, at: 0)
                root = base
                continue
            case .index(let base, let index):
                path.insert(Step(run: compileExpression(index)), at: 0)
                if case .string(let key) = index.kind { constantKeys.insert(key, at: 0) } else { constantKeys.insert(nil, at: 0) }
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
        if !path.isEmpty, mayBeUnset(hops: hops, slot: slot) {
            // `m.k = v` where m may not be declared yet: checked, then as below.
            let rest = compileAssignment(path: path, constantKeys: constantKeys, hops: hops, slot: slot, valueCode, span)
            return { frame throws(Unwind) in
                var owner = frame
                for _ in 0..<hops { owner = owner.parent! }
                if owner.slots[slot].isUnset { throw Self.readBeforeLet(name, root.span) }
                return try rest(frame)
            }
        }
        return compileAssignment(path: path, constantKeys: constantKeys, hops: hops, slot: slot, valueCode, span)
    }

    /// `a = a + b`: the accumulate idiom (`acc = acc + [x]`, `s = s + "x"`, `m = m + {k: v}`)
    /// extends `a` in place. Same order and result as the plain form: `a` is read, then `b`
    /// evaluated (it may change `a`; the old value is the one extended), then `a` replaced;
    /// but the slot lets go of its copy first, so the value is unique and grows in place
    /// instead of being copied (which made a loop of n appends O(n²)).
    func compileAccumulate(hops: Int, slot: Int, _ right: Expr, _ span: Span) -> Code {
        let rightCode = compileExpression(right)
        return { frame throws(Unwind) in
            var owner = frame
            for _ in 0..<hops { owner = owner.parent! }
            var accumulated = owner.slots[slot]
            let addition = try rightCode(frame)
            owner.slots[slot] = .null
            defer { owner.slots[slot] = accumulated }
            try Operators.addInPlace(&accumulated, addition, span: span)
            return .null
        }
    }

    func compileAssignment(
        path: [Step], constantKeys: [String?], hops: Int, slot: Int, _ valueCode: @escaping Code, _ span: Span
    ) -> Code {
        if path.isEmpty, hops == 0 {
            return { frame throws(Unwind) in
                frame.slots[slot] = try valueCode(frame)
                return .null
            }
        }
        if path.count == 1, hops == 0 {
            // `m[k] = v`, `m.k = v`, `l[i] = v` on a local: no key array, no recursion.
            let keyCode = path[0].run
            let cache = constantKeys[0].map(KeyCache.init)
            return { frame throws(Unwind) in
                let newValue = try valueCode(frame)
                let key = try keyCode(frame)
                // Changed in place in its slot: no copy of the map, so no retains of its buffers.
                if case .string(let k) = key, frame.slots[slot].setInMap(k, newValue, cache) { return .null }
                // Take the value out of its slot so it is uniquely referenced and changes in place.
                var container = frame.slots[slot]
                frame.slots[slot] = .null
                defer { frame.slots[slot] = container }
                try Operators.set(&container, [key], newValue, span: span)
                return .null
            }
        }
        return { frame throws(Unwind) in
            var owner = frame
            for _ in 0..<hops { owner = owner.parent! }
            let newValue = try valueCode(frame)
            if path.isEmpty {
                owner.slots[slot] = newValue
                return .null
            }
            var keys: [Value] = []
            for code in path { keys.append(try code.run(frame)) }
            // Take the value out of its slot so it is uniquely referenced and changes in place.
            var container = owner.slots[slot]
            owner.slots[slot] = .null
            defer { owner.slots[slot] = container }
            try Operators.set(&container, keys[...], newValue, span: span)
            return .null
        }
    }
}

/// Where a constant key (`m.name`, `m["name"]`) was found last time. Maps built by the same
/// code keep their keys in the same order, so the next lookup usually compares one key
/// instead of hashing the string.
final class KeyCache {
    let key: String
    @exclusivity(unchecked) var position = 0

    init(_ key: String) { self.key = key }

    @inline(__always) func index(in map: ValueMap) -> Int? {
        if position < map.count, map.keys[position] == key { return position }
        guard let found = map.index(forKey: key) else { return nil }
        position = found
        return found
    }
}

extension Value {
    /// `m[key] = newValue` when this is a map; false (and unchanged) otherwise.
    @inline(__always) mutating func setInMap(_ key: String, _ newValue: Value, _ cache: KeyCache?) -> Bool {
        guard case .map(var m) = self else { return false }
        self = .null  // the only reference left is `m`: it changes in place
        if let i = cache?.index(in: m) { m.setValue(newValue, at: i) } else { m[key] = newValue }
        self = .map(m)
        return true
    }
}
