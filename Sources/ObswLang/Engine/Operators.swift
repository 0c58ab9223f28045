/// What each operator does with each kind of value. Int arithmetic that overflows is an
/// error, never a wrap or a trap.
enum Operators {
    static func unary(_ op: UnaryOperator, _ v: Value, span: Span) throws(Unwind) -> Value {
        switch (op, v) {
        case (.not, _): return .bool(!v.isTruthy)
        case (.negate, .int(let n)):
            let (r, overflow) = Int(0).subtractingReportingOverflow(n)
            if overflow { throw ScriptError.runtime("integer overflow in -\(n)", span, code: .intOverflow) }
            return .int(r)
        case (.negate, .float(let d)): return .float(-d)
        case (.negate, .duration(let ms)):
            let (negated, overflow) = (0).subtractingReportingOverflow(ms)
            if overflow { throw ScriptError.runtime("integer overflow in -(\(v.literalText))", span, code: .intOverflow) }
            return .duration(negated)
        default:
            throw ScriptError.runtime("cannot negate \(describe(v))", span, code: v.isNull ? .nullValue : .typeError)
        }
    }

    /// "null", "an int", "a string": for messages.
    static func describe(_ v: Value) -> String {
        if v.isNull { return "null" }
        let name = v.typeName
        return ("aeiou".contains(name.first!) ? "an " : "a ") + name
    }

    static func binary(_ op: BinaryOperator, _ a: Value, _ b: Value, span: Span) throws(Unwind) -> Value {
        switch op {
        case .equal: return .bool(a == b)
        case .notEqual: return .bool(a != b)
        case .less, .lessEqual, .greater, .greaterEqual:
            guard let c = Value.compare(a, b) else {
                throw ScriptError.runtime(
                    "cannot compare \(describe(a)) with \(describe(b)) using \(op.rawValue)", span,
                    code: a.isNull || b.isNull ? .nullValue : .typeError)
            }
            switch op {
            case .less: return .bool(c < 0)
            case .lessEqual: return .bool(c <= 0)
            case .greater: return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        case .in: return .bool(try contains(b, a, span: span))
        case .notIn: return .bool(!(try contains(b, a, span: span)))
        case .add, .subtract, .multiply, .divide, .remainder: return try arithmetic(op, a, b, span: span)
        case .and, .or, .coalesce:
            preconditionFailure("short-circuit operators are compiled separately")
        }
    }

    /// `a = a + b` for a variable `a`: the same result as `binary(.add, a, b)`, but a string,
    /// list or map that nothing else holds grows in place (amortised O(1) per item) instead
    /// of being copied. The caller has taken `a` out of its slot so it can be unique.
    static func addInPlace(_ a: inout Value, _ b: Value, span: Span) throws(Unwind) {
        // Each case binds from `a` alone and then clears it, leaving the bound copy the only
        // reference (a `switch (a, b)` would hold a second one in the tuple).
        if case .int(let x) = a, case .int(let y) = b {
            let (sum, overflow) = x.addingReportingOverflow(y)
            a = overflow ? try binary(.add, a, b, span: span) : .int(sum)
        } else if case .list(var x) = a, case .list(let y) = b {
            try MemoryLimit.check(resultBytes: (x.count + y.count) &* MemoryLayout<Value>.stride, span)
            a = .null
            x.append(contentsOf: y)
            a = .list(x)
        } else if case .string(var x) = a, case .string(let y) = b {
            try MemoryLimit.check(resultBytes: x.utf8.count &+ y.utf8.count, span)
            a = .null
            x += y
            a = .string(x)
        } else if case .map(var x) = a, case .map(let y) = b {
            a = .null
            for (k, v) in y { x[k] = v }
            a = .map(x)
        } else {
            a = try binary(.add, a, b, span: span)
        }
    }

    /// `v[start:end]` of a list or string, as in Python: a negative bound counts from the
    /// end, a left-out (null) bound means that end, bounds out of range are clamped, and a
    /// start past the end gives an empty result. A slice of null is null.
    static func slice(_ v: Value, _ start: Value, _ end: Value, span: Span) throws(Unwind) -> Value {
        func bound(_ b: Value, count: Int, default value: Int) throws(Unwind) -> Int {
            switch b {
            case .null: return value
            case .int(let n): return n < 0 ? max(0, count + n) : min(n, count)  // count >= 0: count + n cannot overflow
            default:
                throw ScriptError.runtime("a slice bound must be an int, not \(describe(b))", span)
            }
        }
        switch v {
        case .null: return .null
        case .list(let items):
            let from = try bound(start, count: items.count, default: 0), to = try bound(end, count: items.count, default: items.count)
            return .list(from < to ? Array(items[from..<to]) : [])
        case .string(let text):
            let characters = Array(text)
            let from = try bound(start, count: characters.count, default: 0)
            let to = try bound(end, count: characters.count, default: characters.count)
            return .string(from < to ? String(characters[from..<to]) : "")
        default:
            throw ScriptError.runtime("only lists and strings can be sliced, not \(describe(v))", span)
        }
    }

    static func contains(_ container: Value, _ item: Value, span: Span) throws(Unwind) -> Bool {
        switch container {
        case .list(let items): return items.contains(item)
        case .map(let m):
            guard case .string(let key) = item else { return false }
            return m[key] != nil
        case .string(let s):
            guard case .string(let part) = item else {
                throw ScriptError.runtime("'in' a string needs a string on the left, not \(describe(item))", span)
            }
            return part.isEmpty || s.contains(part)
        case .null: return false
        default:
            throw ScriptError.runtime("'in' needs a list, map or string on the right, not \(describe(container))", span)
        }
    }

    static func arithmetic(_ op: BinaryOperator, _ a: Value, _ b: Value, span: Span) throws(Unwind) -> Value {
        func overflow() -> Unwind {
            .failure(ScriptError(.runtime, "integer overflow in \(a.literalText) \(op.rawValue) \(b.literalText)", code: .intOverflow, span: span))
        }
        func checked(_ r: (partialValue: Int, overflow: Bool)) throws(Unwind) -> Int {
            if r.overflow { throw overflow() }
            return r.partialValue
        }
        switch (a, b) {
        case (.int(let x), .int(let y)):
            switch op {
            case .add: return .int(try checked(x.addingReportingOverflow(y)))
            case .subtract: return .int(try checked(x.subtractingReportingOverflow(y)))
            case .multiply: return .int(try checked(x.multipliedReportingOverflow(by: y)))
            case .divide:
                if y == 0 { throw ScriptError.runtime("division by zero", span, code: .divisionByZero) }
                return .int(try checked(x.dividedReportingOverflow(by: y)))
            default:
                if y == 0 { throw ScriptError.runtime("division by zero", span, code: .divisionByZero) }
                return .int(try checked(x.remainderReportingOverflow(dividingBy: y)))
            }
        case (.int, .float), (.float, .int), (.float, .float):
            let x = a.asDouble!, y = b.asDouble!
            switch op {
            case .add: return .float(x + y)
            case .subtract: return .float(x - y)
            case .multiply: return .float(x * y)
            case .divide:
                if y == 0 { throw ScriptError.runtime("division by zero", span, code: .divisionByZero) }
                return .float(x / y)
            default:
                if y == 0 { throw ScriptError.runtime("division by zero", span, code: .divisionByZero) }
                return .float(x.truncatingRemainder(dividingBy: y))
            }
        case (.string(let x), .string(let y)) where op == .add:
            try MemoryLimit.check(resultBytes: x.utf8.count &+ y.utf8.count, span)
            return .string(x + y)
        case (.list(let x), .list(let y)) where op == .add:
            try MemoryLimit.check(resultBytes: (x.count + y.count) &* MemoryLayout<Value>.stride, span)
            return .list(x + y)
        case (.map(var x), .map(let y)) where op == .add:
            for (k, v) in y { x[k] = v }
            return .map(x)
        case (.duration(let x), .duration(let y)) where op == .add: return .duration(try checked(x.addingReportingOverflow(y)))
        case (.duration(let x), .duration(let y)) where op == .subtract: return .duration(try checked(x.subtractingReportingOverflow(y)))
        case (.duration(let x), .duration(let y)) where op == .divide:
            if y == 0 { throw ScriptError.runtime("division by zero", span, code: .divisionByZero) }
            return .float(Double(x) / Double(y))
        case (.duration(let x), .int(let y)) where op == .multiply: return .duration(try checked(x.multipliedReportingOverflow(by: y)))
        case (.int(let x), .duration(let y)) where op == .multiply: return .duration(try checked(x.multipliedReportingOverflow(by: y)))
        case (.duration(let x), .float(let y)) where op == .multiply: return try scaled(x, y, span: span)
        case (.float(let y), .duration(let x)) where op == .multiply: return try scaled(x, y, span: span)
        case (.duration(let x), .int(let y)) where op == .divide:
            if y == 0 { throw ScriptError.runtime("division by zero", span, code: .divisionByZero) }
            return .duration(try checked(x.dividedReportingOverflow(by: y)))
        case (.time(let t), .duration(let d)) where op == .add: return .time(try checked(t.addingReportingOverflow(d)))
        case (.duration(let d), .time(let t)) where op == .add: return .time(try checked(t.addingReportingOverflow(d)))
        case (.time(let t), .duration(let d)) where op == .subtract: return .time(try checked(t.subtractingReportingOverflow(d)))
        case (.time(let x), .time(let y)) where op == .subtract: return .duration(try checked(x.subtractingReportingOverflow(y)))
        default:
            throw ScriptError.runtime(
                "cannot apply \(op.rawValue) to \(describe(a)) and \(describe(b))", span,
                code: a.isNull || b.isNull ? .nullValue : .typeError)
        }
    }

    /// A duration times a float, rounded to the millisecond.
    static func scaled(_ ms: Int, _ factor: Double, span: Span) throws(Unwind) -> Value {
        let result = (Double(ms) * factor).rounded()
        guard result.isFinite, abs(result) < 9.2e18 else {
            throw ScriptError.runtime("duration overflow in \(Value.duration(ms).literalText) * \(factor)", span, code: .intOverflow)
        }
        return .duration(Int(result))
    }

    /// `v.name`: a map's member (null when missing), null on null.
    static func field(_ v: Value, _ name: String, span: Span) throws(Unwind) -> Value {
        switch v {
        case .map(let m): return m[name] ?? .null
        case .null: return .null
        default: throw ScriptError.runtime("cannot read field '\(name)' of \(describe(v))", span)
        }
    }

    /// `v[i]`: lists and strings by int (negative from the end; out of range is null), maps by key.
    static func index(_ v: Value, _ i: Value, span: Span) throws(Unwind) -> Value {
        switch (v, i) {
        case (.list(let items), .int(let n)):
            let k = n < 0 ? items.count + n : n
            return k >= 0 && k < items.count ? items[k] : .null
        case (.string(let s), .int(let n)):
            let chars = Array(s)
            let k = n < 0 ? chars.count + n : n
            return k >= 0 && k < chars.count ? .string(String(chars[k])) : .null
        case (.map(let m), .string(let key)): return m[key] ?? .null
        case (.null, _): return .null
        case (.map, _): throw ScriptError.runtime("map keys are strings, not \(describe(i))", span)
        case (.list, _), (.string, _): throw ScriptError.runtime("an index must be an int, not \(describe(i))", span)
        default: throw ScriptError.runtime("cannot index \(describe(v))", span)
        }
    }

    /// Assigns into nested lists and maps along `keys`.
    static func set(_ container: inout Value, _ keys: ArraySlice<Value>, _ newValue: Value, span: Span) throws(Unwind) {
        guard let key = keys.first else {
            container = newValue
            return
        }
        let rest = keys.dropFirst()
        switch (container, key) {
        case (.map(var m), .string(let k)):
            container = .null  // keep `m` uniquely referenced
            if rest.isEmpty {
                m[k] = newValue  // an existing key keeps its place
                container = .map(m)
                return
            }
            guard let index = m.index(forKey: k), !m.value(at: index).isNull else {
                container = .map(m)
                throw ScriptError.runtime("cannot set '\(rest.first!.displayText)' inside '\(k)': it is null", span, code: .nullValue)
            }
            var child = m.value(at: index)
            m.setValue(.null, at: index)
            defer {
                m.setValue(child, at: index)
                container = .map(m)
            }
            try set(&child, rest, newValue, span: span)
        case (.list(var items), .int(let n)):
            let i = n < 0 ? items.count + n : n
            guard i >= 0, i < items.count else {
                throw ScriptError.runtime("index \(n) is out of range for a list of \(items.count)", span)
            }
            container = .null
            var child = items[i]
            items[i] = .null
            defer {
                items[i] = child
                container = .list(items)
            }
            try set(&child, rest, newValue, span: span)
        case (.map, _): throw ScriptError.runtime("map keys are strings, not \(describe(key))", span)
        case (.list, _): throw ScriptError.runtime("an index must be an int, not \(describe(key))", span)
        default:
            throw ScriptError.runtime("cannot set an element of \(describe(container))", span, code: container.isNull ? .nullValue : .typeError)
        }
    }
}

extension Value {
    var asDouble: Double? {
        switch self {
        case .int(let n): Double(n)
        case .float(let d): d
        default: nil
        }
    }
}
