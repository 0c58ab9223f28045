import ObswText
import ObswJSON
import OrderedCollections

/// Every value a script handles. Lists and maps are Swift values, so `let b = a` copies
/// (copy-on-write makes that cheap until one side changes).
public enum Value: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    /// Milliseconds.
    case duration(Int)
    /// Milliseconds since 1970-01-01 UTC.
    case time(Int)
    case list([Value])
    case map(ValueMap)
    case function(Function)

    /// The kind's name, as `type()` returns it and messages say it.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        case .string: "string"
        case .duration: "duration"
        case .time: "time"
        case .list: "list"
        case .map: "map"
        case .function: "function"
        }
    }

    /// Conditions: `false`, `null`, `0`, `0.0`, `""`, `[]`, `{}` and a zero duration are false.
    public var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let b): b
        case .int(let n): n != 0
        case .float(let d): d != 0
        case .string(let s): !s.isEmpty
        case .duration(let ms): ms != 0
        case .time: true
        case .list(let l): !l.isEmpty
        case .map(let m): !m.isEmpty
        case .function: true
        }
    }

    public var isNull: Bool { if case .null = self { true } else { false } }

    /// The map, when this is one.
    public var mapValue: ValueMap? { if case .map(let m) = self { m } else { nil } }

    /// The list, when this is one.
    public var listValue: [Value]? { if case .list(let items) = self { items } else { nil } }

    /// What a variable holds before its `let` ran, where a hoisted function could read it
    /// early (`Compiler.compileStatements`). Reads of such variables check for it, so a
    /// script never sees it.
    static var unset: Value { .function(unsetMarker) }
    private static let unsetMarker = Function(builtin: "<unset>", arity: 0...0) { _, _ throws(Unwind) in .null }

    var isUnset: Bool {
        if case .function(let f) = self { return f === Self.unsetMarker }
        return false
    }
}

/// A function value: a script function with its captured scope, or a builtin.
public final class Function: @unchecked Sendable {
    public let name: String
    let parameters: [String]
    /// Code for default values, by parameter; nil where none.
    let defaults: [Code?]
    let body: Code?
    let frameSize: Int
    /// The frame the function was created in (closures see its variables).
    let captured: Frame?
    let builtin: (([Value], Span) throws(Unwind) -> Value)?
    /// Smallest and largest number of arguments.
    let arity: ClosedRange<Int>

    /// Frames of finished calls, ready for the next call (when `reusesFrames`): allocating
    /// a frame and its slots dominated the cost of a call.
    @exclusivity(unchecked) var spareFrames: [Frame] = []
    let reusesFrames: Bool

    init(
        name: String, parameters: [String], defaults: [Code?], body: @escaping Code, frameSize: Int, captured: Frame,
        reusesFrames: Bool = false
    ) {
        self.reusesFrames = reusesFrames
        self.name = name
        self.parameters = parameters
        self.defaults = defaults
        self.body = body
        self.frameSize = frameSize
        self.captured = captured
        self.builtin = nil
        let required = defaults.firstIndex(where: { $0 != nil }) ?? defaults.count
        self.arity = required...parameters.count
    }

    init(builtin name: String, arity: ClosedRange<Int>, _ body: @escaping ([Value], Span) throws(Unwind) -> Value) {
        self.reusesFrames = false
        self.name = name
        self.parameters = []
        self.defaults = []
        self.body = nil
        self.frameSize = 0
        self.captured = nil
        self.builtin = body
        self.arity = arity
    }
}

// MARK: Equality and order

extension Value: Equatable {
    /// Deep equality. Ints and floats compare by value; other different kinds are unequal.
    public static func == (a: Value, b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.int(let x), .int(let y)): x == y
        case (.float(let x), .float(let y)): x == y
        case (.int(let x), .float(let y)): Double(x) == y
        case (.float(let x), .int(let y)): x == Double(y)
        case (.string(let x), .string(let y)): x == y
        case (.duration(let x), .duration(let y)): x == y
        case (.time(let x), .time(let y)): x == y
        case (.list(let x), .list(let y)): x == y
        case (.map(let x), .map(let y)): x.count == y.count && x.allSatisfy { key, value in y[key] == value }
        case (.function(let x), .function(let y)): x === y
        default: false
        }
    }

    /// `<` between values of one kind (ints and floats mix); nil when they cannot be ordered.
    public static func compare(_ a: Value, _ b: Value) -> Int? {
        func sign<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
        switch (a, b) {
        case (.int(let x), .int(let y)): return sign(x, y)
        case (.float(let x), .float(let y)): return x.isNaN || y.isNaN ? nil : sign(x, y)
        case (.int(let x), .float(let y)): return y.isNaN ? nil : sign(Double(x), y)
        case (.float(let x), .int(let y)): return x.isNaN ? nil : sign(x, Double(y))
        case (.string(let x), .string(let y)): return sign(x, y)
        case (.duration(let x), .duration(let y)): return sign(x, y)
        case (.time(let x), .time(let y)): return sign(x, y)
        case (.bool(let x), .bool(let y)): return sign(x ? 1 : 0, y ? 1 : 0)
        case (.list(let x), .list(let y)):
            for (l, r) in zip(x, y) {
                guard let c = compare(l, r) else { return nil }
                if c != 0 { return c }
            }
            return sign(x.count, y.count)
        default: return nil
        }
    }
}

// MARK: Text

extension Value {
    /// How `print` and interpolation show a value: strings as they are, times as ISO-8601
    /// text, the rest in literal form.
    public var displayText: String {
        if case .string(let s) = self { return s }
        if case .time(let ms) = self { return Self.formatTime(ms) }
        return literalText
    }

    /// Literal form, as it would be written in a script: `"a"`, `[1, 2]`, `{name: "x"}`, `1h30m`.
    public var literalText: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let n): return String(n)
        case .float(let d): return Self.formatFloat(d)
        case .string(let s): return Self.quote(s)
        case .duration(let ms): return DurationText.format(milliseconds: ms)
        case .time(let ms): return "time(\"\(Self.formatTime(ms))\")"
        case .list(let items): return "[" + items.map(\.literalText).joined(separator: ", ") + "]"
        case .map(let m):
            return "{" + m.map { key, value in "\(Self.isBareKey(key) ? key : Self.quote(key)): \(value.literalText)" }
                .joined(separator: ", ") + "}"
        case .function(let f): return "<fn \(f.name)>"
        }
    }

    static func formatFloat(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        if d == d.rounded(), abs(d) < 1e15 { return "\(Int(d)).0" }
        return "\(d)"
    }

    /// The language's literal for a string; controls shown as `\u{1b}` (one place: `Escape`).
    static func quote(_ s: String) -> String { Escape.languageString(s) }

    static func isBareKey(_ key: String) -> Bool {
        guard let first = key.utf8.first, first == UInt8(ascii: "_") || (first | 0x20 >= 97 && first | 0x20 <= 122) else {
            return false
        }
        return key.utf8.allSatisfy { b in b == UInt8(ascii: "_") || (b | 0x20 >= 97 && b | 0x20 <= 122) || (b >= 48 && b <= 57) }
            && Keyword(rawValue: key) == nil
    }

    /// `1h30m`, `250ms`, `0s`, `-5s`
    /// `2020-04-23T12:32:11.131Z`
    static func formatTime(_ ms: Int) -> String { WireDate.iso8601(epochMilliseconds: ms) }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .float(value) }
    public init(arrayLiteral elements: Value...) { self = .list(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, Value)...) {
        self = .map(ValueMap(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension Value {
    /// Milliseconds in duration text such as `15m`, `1h30m` or `250ms`; nil if it is not one.
    public static func parseDuration(_ text: String) -> Int? { DurationText.parse(text) }
}
