import ObswJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The builtin functions. Each checks its arguments and says which one is wrong.
enum Builtins {
    typealias Body = ([Value], Span) throws(Unwind) -> Value

    static func all(engine: Engine) -> [String: Function] {
        unowned let engine = engine
        var table: [String: Function] = [:]
        func add(_ name: String, _ arity: ClosedRange<Int>, _ body: @escaping Body) {
            table[name] = Function(builtin: name, arity: arity, body)
        }
        func bad(_ name: String, _ message: String, _ span: Span) -> Unwind {
            ScriptError.runtime("\(name): \(message)", span, code: .badArgument)
        }
        func string(_ name: String, _ v: Value, _ span: Span) throws(Unwind) -> String {
            guard case .string(let s) = v else { throw bad(name, "expected a string, not \(Operators.describe(v))", span) }
            return s
        }
        func list(_ name: String, _ v: Value, _ span: Span) throws(Unwind) -> [Value] {
            guard case .list(let l) = v else { throw bad(name, "expected a list, not \(Operators.describe(v))", span) }
            return l
        }
        func function(_ name: String, _ v: Value, _ span: Span) throws(Unwind) -> Function {
            guard case .function(let f) = v else { throw bad(name, "expected a function, not \(Operators.describe(v))", span) }
            return f
        }

        add("len", 1...1) { a, span throws(Unwind) in
            switch a[0] {
            case .string(let s): return .int(s.count)
            case .list(let l): return .int(l.count)
            case .map(let m): return .int(m.count)
            case .null: return .int(0)
            default: throw bad("len", "expected a string, list or map, not \(Operators.describe(a[0]))", span)
            }
        }
        add("str", 1...1) { a, _ in .string(a[0].displayText) }
        add("type", 1...1) { a, _ in .string(a[0].typeName) }
        add("int", 1...1) { a, span throws(Unwind) in
            switch a[0] {
            case .int: return a[0]
            case .float(let d):
                guard d.isFinite, d >= -9.2e18, d <= 9.2e18 else { throw bad("int", "\(d) does not fit in an int", span) }
                return .int(Int(d))
            case .bool(let b): return .int(b ? 1 : 0)
            case .duration(let ms): return .int(ms)
            case .time(let ms): return .int(ms)
            case .string(let s):
                let t = s.trimmingWhitespace().replacing("_", with: "")
                guard let n = Int(t) else { throw bad("int", "'\(s)' is not a whole number", span) }
                return .int(n)
            default: throw bad("int", "cannot convert \(Operators.describe(a[0])) to an int", span)
            }
        }
        add("float", 1...1) { a, span throws(Unwind) in
            switch a[0] {
            case .int(let n): return .float(Double(n))
            case .float: return a[0]
            case .string(let s):
                guard let d = Double(s.trimmingWhitespace()) else { throw bad("float", "'\(s)' is not a number", span) }
                return .float(d)
            default: throw bad("float", "cannot convert \(Operators.describe(a[0])) to a float", span)
            }
        }
        add("keys", 1...1) { a, span throws(Unwind) in
            guard case .map(let m) = a[0] else { throw bad("keys", "expected a map, not \(Operators.describe(a[0]))", span) }
            return .list(m.keys.map(Value.string))
        }
        add("values", 1...1) { a, span throws(Unwind) in
            guard case .map(let m) = a[0] else { throw bad("values", "expected a map, not \(Operators.describe(a[0]))", span) }
            return .list(Array(m.values))
        }
        add("range", 1...3) { a, span throws(Unwind) in
            let (start, end, step) = try Builtins.rangeBounds(a, span)
            let count = Builtins.rangeCount(start: start, end: end, step: step)
            guard count <= 50_000_000 else { throw bad("range", "\(count) elements is too many (at most 50,000,000)", span) }
            // Not `stride`: its last step past the end may overflow (range(2^63 - 2, 2^63 - 1, 2)).
            var items: [Value] = []
            items.reserveCapacity(Int(count))
            var i = start
            for _ in 0..<count {
                items.append(.int(i))
                i = i &+ step
            }
            return .list(items)
        }
        add("contains", 2...2) { a, span throws(Unwind) in .bool(try Operators.contains(a[0], a[1], span: span)) }
        add("startswith", 2...2) { a, span throws(Unwind) in
            .bool(try string("startswith", a[0], span).hasPrefix(try string("startswith", a[1], span)))
        }
        add("endswith", 2...2) { a, span throws(Unwind) in
            .bool(try string("endswith", a[0], span).hasSuffix(try string("endswith", a[1], span)))
        }
        add("upper", 1...1) { a, span throws(Unwind) in .string(try string("upper", a[0], span).uppercased()) }
        add("lower", 1...1) { a, span throws(Unwind) in .string(try string("lower", a[0], span).lowercased()) }
        add("trim", 1...1) { a, span throws(Unwind) in .string(try string("trim", a[0], span).trimmingWhitespace()) }
        add("split", 1...2) { a, span throws(Unwind) in
            let s = try string("split", a[0], span)
            if a.count == 1 {
                return .list(s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map { .string(String($0)) })
            }
            let separator = try string("split", a[1], span)
            guard !separator.isEmpty else { throw bad("split", "the separator is empty", span) }
            return .list(s.split(separator: separator, omittingEmptySubsequences: false).map { .string(String($0)) })
        }
        add("join", 1...2) { a, span throws(Unwind) in
            let items = try list("join", a[0], span)
            let separator = a.count == 2 ? try string("join", a[1], span) : ""
            return .string(items.map(\.displayText).joined(separator: separator))
        }
        add("replace", 3...3) { a, span throws(Unwind) in
            let s = try string("replace", a[0], span), old = try string("replace", a[1], span)
            guard !old.isEmpty else { throw bad("replace", "the text to replace is empty", span) }
            return .string(s.replacing(old, with: try string("replace", a[2], span)))
        }
        add("sort", 1...2) { a, span throws(Unwind) in
            let items = try list("sort", a[0], span)
            var keyed: [(Value, Value)] = []
            if a.count == 2 {
                let key = try function("sort", a[1], span)
                for item in items { keyed.append((try engine.call(key, [item], span: span), item)) }
            } else {
                keyed = items.map { ($0, $0) }
            }
            for pair in keyed.dropFirst() where Value.compare(keyed[0].0, pair.0) == nil {
                throw bad("sort", "cannot order \(Operators.describe(keyed[0].0)) and \(Operators.describe(pair.0))", span)
            }
            return .list(keyed.enumerated().sorted { x, y in
                let c = Value.compare(x.element.0, y.element.0) ?? 0
                return c != 0 ? c < 0 : x.offset < y.offset  // stable
            }.map(\.element.1))
        }
        add("reverse", 1...1) { a, span throws(Unwind) in
            switch a[0] {
            case .list(let l): return .list(l.reversed())
            case .string(let s): return .string(String(s.reversed()))
            default: throw bad("reverse", "expected a list or string, not \(Operators.describe(a[0]))", span)
            }
        }
        for (name, wantLess) in [("min", true), ("max", false)] {
            add(name, 1...Int.max) { a, span throws(Unwind) in
                let items = a.count == 1 ? try list(name, a[0], span) : a
                guard var best = items.first else { return .null }
                for item in items.dropFirst() {
                    guard let c = Value.compare(item, best) else {
                        throw bad(name, "cannot compare \(Operators.describe(item)) with \(Operators.describe(best))", span)
                    }
                    if wantLess ? c < 0 : c > 0 { best = item }
                }
                return best
            }
        }
        add("sum", 1...1) { a, span throws(Unwind) in
            let items = try list("sum", a[0], span)
            guard var total = items.first else { return .int(0) }
            for item in items.dropFirst() { total = try Operators.arithmetic(.add, total, item, span: span) }
            return total
        }
        add("abs", 1...1) { a, span throws(Unwind) in
            switch a[0] {
            case .int(let n):
                guard n != Int.min else { throw ScriptError.runtime("integer overflow in abs", span, code: .intOverflow) }
                return .int(abs(n))
            case .float(let d): return .float(abs(d))
            case .duration(let ms): return .duration(abs(ms))
            default: throw bad("abs", "expected a number, not \(Operators.describe(a[0]))", span)
            }
        }
        add("round", 1...1) { a, span throws(Unwind) in
            guard let d = a[0].asDouble else { throw bad("round", "expected a number, not \(Operators.describe(a[0]))", span) }
            guard d.isFinite, abs(d) < 9.2e18 else { throw bad("round", "\(d) does not fit in an int", span) }
            return .int(Int(d.rounded()))
        }
        add("count", 2...2) { a, span throws(Unwind) in
            let items = try list("count", a[0], span), f = try function("count", a[1], span)
            var n = 0
            for item in items where try engine.call(f, [item], span: span).isTruthy { n += 1 }
            return .int(n)
        }
        add("filter", 2...2) { a, span throws(Unwind) in
            let items = try list("filter", a[0], span), f = try function("filter", a[1], span)
            var out: [Value] = []
            for item in items where try engine.call(f, [item], span: span).isTruthy { out.append(item) }
            return .list(out)
        }
        add("map", 2...2) { a, span throws(Unwind) in
            let items = try list("map", a[0], span), f = try function("map", a[1], span)
            var out: [Value] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try engine.call(f, [item], span: span)) }
            return .list(out)
        }
        add("group", 2...2) { a, span throws(Unwind) in
            let items = try list("group", a[0], span), field = try string("group", a[1], span)
            var groups = ValueMap()
            for item in items {
                let key = try Operators.field(item, field, span: span).displayText
                if case .list(var members)? = groups[key] {
                    groups[key] = .null
                    members.append(item)
                    groups[key] = .list(members)
                } else {
                    groups[key] = .list([item])
                }
            }
            return .map(groups)
        }
        add("now", 0...0) { _, _ in .time(WallClock.nowMilliseconds()) }
        add("emulator_restores", 0...0) { _, span throws(Unwind) in
            // What a runbook test asserts on: which executions were resumed, how often.
            guard let counts = engine.host?.emulatorRestores else {
                throw ScriptError.runtime(
                    "emulator_restores() counts the embedded emulator's restores: it works under obsw test and with --local",
                    span, code: .badArgument)
            }
            return .list(counts.map { item in
                .map(ValueMap(uniqueKeysWithValues: [
                    ("graph", Value.string(item.graph)), ("execution_name", .string(item.execution)), ("restores", .int(item.restores)),
                ]))
            })
        }
        add("time", 1...1) { a, span throws(Unwind) in
            switch a[0] {
            case .time: return a[0]
            case .int(let ms): return .time(ms)
            case .string(let s):
                guard let ms = WireDate.parseISO8601(s) else {
                    throw bad("time", "'\(s)' is not an ISO-8601 UTC time like 2020-04-23T12:32:11.131Z", span)
                }
                return .time(ms)
            default: throw bad("time", "expected a string, not \(Operators.describe(a[0]))", span)
            }
        }
        add("duration", 1...1) { a, span throws(Unwind) in
            switch a[0] {
            case .duration: return a[0]
            case .int(let ms): return .duration(ms)
            case .string(let s):
                guard let ms = Value.parseDuration(s) else {
                    throw bad("duration", "'\(s)' is not a duration like 15m, 1h30m, 90s or 250ms", span)
                }
                return .duration(ms)
            default: throw bad("duration", "expected a string, not \(Operators.describe(a[0]))", span)
            }
        }
        add("json", 1...1) { a, span throws(Unwind) in
            .string(try JSONBridge.json(a[0], span: span).jsonText)
        }
        add("parse_json", 1...1) { a, span throws(Unwind) in
            let text = try string("parse_json", a[0], span)
            do { return JSONBridge.value(try JSONParser.parse(text)) } catch {
                throw ScriptError.runtime("parse_json: \(error)", span, code: .badArgument)
            }
        }
        return table
    }
}

/// Converts between script values and JSON (records from the service are JSON).
public enum JSONBridge {
    /// JSON as it is (`parse_json`).
    public static func value(_ json: JSONValue) -> Value { value(json, times: false) }

    /// A service record: as `value`, but the ISO-8601 text of a time field (`timeFields`, at
    /// any depth: a state's `started_at` too) becomes a time value, so `e.started_at > now() - 1h`
    /// works. A time prints as the same ISO text and goes back to a JSON string.
    public static func record(_ json: JSONValue) -> Value { value(json, times: true) }

    public static let timeFields: Set<String> = ["started_at", "stopped_at", "restored_at", "created_at"]

    /// A time field's text as a time, or as text when it is not ISO-8601 (kept, not lost).
    public static func time(_ text: String) -> Value {
        WireDate.parseISO8601(text).map(Value.time) ?? .string(text)
    }

    static func value(_ json: JSONValue, times: Bool) -> Value {
        switch json {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let n): return .int(n)
        case .double(let d): return .float(d)
        case .string(let s): return .string(s)
        case .array(let items): return .list(items.map { value($0, times: times) })
        case .object(let members):
            var map = ValueMap()
            map.reserveCapacity(members.count)
            for (k, v) in members { map[k] = member(k, v, times: times) }
            return .map(map)
        }
    }

    static func member(_ key: String, _ json: JSONValue, times: Bool) -> Value {
        if times, case .string(let text) = json, timeFields.contains(key) { return time(text) }
        return value(json, times: times)
    }

    /// Converts many service records (a listing's pages, times as in `record`) into rows of
    /// `RecordTable`s: one table for each run of records of the same fields, so a listing of
    /// a million executions holds the field names once and its texts packed, not a million
    /// maps. The script sees ordinary maps.
    public struct Records {
        private var done: [Value] = []
        private var rows: RecordTable.Builder?

        public init() {}

        /// Records converted so far.
        public var count: Int { done.count + (rows?.count ?? 0) }

        public mutating func append(_ json: JSONValue) {
            guard case .object(let members) = json else {
                finishTable()
                done.append(JSONBridge.record(json))
                return
            }
            if rows == nil || !rows!.keys.elementsEqual(members.keys) {
                finishTable()
                rows = RecordTable.Builder(keys: members.keys)
            }
            rows!.append(members.lazy.map { key, member in JSONBridge.member(key, member, times: true) })
        }

        private mutating func finishTable() {
            // The first table's rows are the list itself (`+=` would copy them into a new one).
            if let rows { if done.isEmpty { done = rows.values() } else { done += rows.values() } }
            rows = nil
        }

        /// The records, in the order appended.
        public mutating func values() -> [Value] {
            finishTable()
            return done
        }
    }

    /// Durations become milliseconds and times ISO-8601 text; functions cannot be JSON.
    static func json(_ value: Value, span: Span) throws(Unwind) -> JSONValue {
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let n): return .int(n)
        case .float(let d): return .double(d)
        case .string(let s): return .string(s)
        case .duration(let ms): return .int(ms)
        case .time(let ms): return .string(WireDate.iso8601(epochMilliseconds: ms))
        case .list(let items):
            var out: [JSONValue] = []
            for item in items { out.append(try json(item, span: span)) }
            return .array(out)
        case .map(let m):
            var object = JSONObject()
            for (k, v) in m { object[k] = try json(v, span: span) }
            return .object(object)
        case .function(let f):
            throw ScriptError.runtime("json: a function (\(f.name)) has no JSON form", span, code: .badArgument)
        }
    }

    /// For hosts: a value as JSON, with functions written as null.
    public static func jsonLenient(_ value: Value) -> JSONValue {
        (try? json(value, span: .none)) ?? .null
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

extension Builtins {
    /// `range(end)`, `range(start, end)`, `range(start, end, step)`: the arguments checked.
    /// `for i in range(...)` counts without building the list (Compiler.compileCountedFor).
    /// How many ints `range(start, end, step)` holds, for any ints: the distance is taken
    /// as unsigned, so `range(-2^63 + 1, 2^63 - 1)` counts instead of overflowing.
    static func rangeCount(start: Int, end: Int, step: Int) -> UInt {
        guard step > 0 ? end > start : start > end else { return 0 }
        let distance = step > 0 ? UInt(bitPattern: end &- start) : UInt(bitPattern: start &- end)
        return (distance - 1) / step.magnitude + 1
    }

    static func rangeBounds(_ a: [Value], _ span: Span) throws(Unwind) -> (start: Int, end: Int, step: Int) {
        var bounds: [Int] = []
        for v in a {
            guard case .int(let n) = v else {
                throw ScriptError.runtime("range: expected ints, not \(Operators.describe(v))", span, code: .badArgument)
            }
            bounds.append(n)
        }
        let (start, end) = bounds.count == 1 ? (0, bounds[0]) : (bounds[0], bounds[1])
        let step = bounds.count == 3 ? bounds[2] : 1
        guard step != 0 else { throw ScriptError.runtime("range: the step cannot be 0", span, code: .badArgument) }
        return (start, end, step)
    }
}
