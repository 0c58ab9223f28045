import ObswJSON
import ObswSystem
import ObswText
import OrderedCollections

/// A map from string keys to values, in insertion order — as a script sees it.
///
/// Most maps own their entries. A record of a service listing or of a bulk resume's results
/// is a row of a `RecordTable` instead: one field table for the whole listing, its values
/// packed by column (texts in one buffer, times as integers), so a million executions take
/// what their text takes and little more. Reading a row's field, iterating it, comparing it
/// and `json()` work as on any map; the first write into a row gives that map entries of its
/// own (the table is never changed). Nothing a script can do tells the two apart.
public struct ValueMap: Sendable {
    enum Storage: Sendable {
        case own(OrderedDictionary<String, Value>)
        case row(RecordTable, Int)
    }

    var storage: Storage

    public init() { storage = .own([:]) }

    init(_ entries: OrderedDictionary<String, Value>) { storage = .own(entries) }

    /// Row `index` of `table`.
    init(row index: Int, of table: RecordTable) { storage = .row(table, index) }

    public init<S: Sequence>(uniqueKeysWithValues entries: S) where S.Element == (String, Value) {
        storage = .own(OrderedDictionary(uniqueKeysWithValues: entries))
    }

    public init<S: Sequence>(_ entries: S, uniquingKeysWith combine: (Value, Value) throws -> Value) rethrows
    where S.Element == (String, Value) {
        storage = .own(try OrderedDictionary(entries, uniquingKeysWith: combine))
    }

    /// The entries as a dictionary of their own (a row's are copied out of its table).
    var entries: OrderedDictionary<String, Value> {
        switch storage {
        case .own(let entries): return entries
        case .row(let table, _): return OrderedDictionary(uncheckedUniqueKeys: table.keys, values: values)
        }
    }

    /// Changes the entries in place, first making a row's entries this map's own.
    private mutating func changeEntries<R>(_ change: (inout OrderedDictionary<String, Value>) -> R) -> R {
        var own = entries
        storage = .own([:])  // `own` is then the only reference: it changes in place
        defer { storage = .own(own) }
        return change(&own)
    }

    public var count: Int {
        switch storage {
        case .own(let entries): entries.count
        case .row(let table, _): table.keys.count
        }
    }

    public var isEmpty: Bool { count == 0 }

    public var keys: OrderedSet<String> {
        switch storage {
        case .own(let entries): entries.keys
        case .row(let table, _): table.keys
        }
    }

    /// The values in key order.
    public var values: [Value] {
        switch storage {
        case .own(let entries): Array(entries.values)
        case .row(let table, let row): table.keys.indices.map { table.value(row: row, column: $0) }
        }
    }

    public func index(forKey key: String) -> Int? {
        switch storage {
        case .own(let entries): entries.index(forKey: key)
        case .row(let table, _): table.keys.firstIndex(of: key)
        }
    }

    /// The value at `index` (from `index(forKey:)`).
    @inline(__always) public func value(at index: Int) -> Value {
        switch storage {
        case .own(let entries): entries.values[index]
        case .row(let table, let row): table.value(row: row, column: index)
        }
    }

    /// Replaces the value at `index`; the key keeps its place.
    @inline(__always) public mutating func setValue(_ value: Value, at index: Int) {
        changeEntries { $0.values[index] = value }
    }

    public subscript(key: String) -> Value? {
        get {
            switch storage {
            case .own(let entries): return entries[key]
            case .row(let table, let row): return table.keys.firstIndex(of: key).map { table.value(row: row, column: $0) }
            }
        }
        set { changeEntries { $0[key] = newValue } }
    }

    public mutating func reserveCapacity(_ minimumCapacity: Int) {
        changeEntries { $0.reserveCapacity(minimumCapacity) }
    }
}

extension ValueMap: RandomAccessCollection {
    public typealias Element = (key: String, value: Value)
    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
    public subscript(position: Int) -> Element { (keys[position], value(at: position)) }
}

extension ValueMap: Equatable {
    /// Same keys in the same order, with equal values (as `OrderedDictionary` compares).
    public static func == (a: ValueMap, b: ValueMap) -> Bool {
        a.count == b.count && a.keys == b.keys && a.indices.allSatisfy { a.value(at: $0) == b.value(at: $0) }
    }
}

extension ValueMap: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, Value)...) {
        storage = .own(OrderedDictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

/// Records of one shape — a listing's executions, a resume's results — as rows: the field
/// names once, each field's values in a column. Texts share one buffer: a text equal to the
/// row before's is not stored again (a graph name, a state), and a text stores only what
/// follows the bytes it shares with the first text of its block of 64 rows (an execution
/// URN is the graph's URN and a name: the block stores the URN once and each row its
/// name). Times are integers. A column that meets a value of another kind holds values as
/// they are from then on. Built once by `RecordTable.Builder`, never changed after: rows
/// are read from any thread.
public final class RecordTable: Sendable {
    public let keys: OrderedSet<String>
    let columns: [Column]
    public let count: Int

    /// Rows in a block of texts: each row's text may begin with bytes of its block's first.
    static let textBlock = 64

    enum Column: Sendable {
        /// Row i's text is the first `shared[i]` bytes of its block's first row's text, then
        /// `bytes[starts[i] ..< starts[i] + lengths[i]]`, then the last `sharedEnd[i]` bytes of
        /// the block's first text (a block's first row shares none); a length of `UInt32.max`
        /// is null.
        case texts(bytes: [UInt8], starts: [UInt32], lengths: [UInt32], shared: [UInt8], sharedEnd: [UInt8])
        /// Every row holds this value (a listing's graph, the state it was asked for): nothing per row.
        case same(Value)
        /// Epoch milliseconds; `Int.min` is null.
        case times([Int])
        case values([Value])
    }

    init(keys: OrderedSet<String>, columns: [Column], count: Int) {
        self.keys = keys
        self.columns = columns
        self.count = count
    }

    func value(row: Int, column: Int) -> Value {
        switch columns[column] {
        case .texts(let bytes, let starts, let lengths, let shared, let sharedEnd):
            let length = Int(lengths[row])
            guard length != Int(UInt32.max) else { return .null }
            let start = Int(starts[row]), prefix = Int(shared[row]), end = Int(sharedEnd[row])
            return .string(
                bytes.withUnsafeBufferPointer { bytes in
                    guard prefix + end > 0 else { return String(decoding: bytes[start..<start + length], as: UTF8.self) }
                    let first = row - row % Self.textBlock
                    let anchor = Int(starts[first]), anchorEnd = anchor + Int(lengths[first])
                    return String(unsafeUninitializedCapacity: prefix + length + end) { text in
                        _ = text.initialize(fromContentsOf: bytes[anchor..<anchor + prefix])
                        _ = text[prefix...].initialize(fromContentsOf: bytes[start..<start + length])
                        _ = text[(prefix + length)...].initialize(fromContentsOf: bytes[anchorEnd - end..<anchorEnd])
                        return prefix + length + end
                    }
                })
        case .same(let value):
            return value
        case .times(let times):
            let time = times[row]
            return time == Int.min ? .null : .time(time)
        case .values(let values):
            return values[row]
        }
    }

    /// Rows of `keys`, appended one at a time; `values()` makes them maps a script reads.
    public struct Builder {
        public let keys: OrderedSet<String>
        private let columns: [ColumnBuilder]
        public private(set) var count = 0

        /// - Parameter keys: the fields, each once, in order.
        public init(keys: some Sequence<String>) {
            self.keys = OrderedSet(keys)
            columns = self.keys.map { _ in ColumnBuilder() }
        }

        /// Room for `rows` rows in all, so that a table whose size is known does not grow
        /// by copies (each a moment of twice its size).
        public mutating func reserveCapacity(_ rows: Int) {
            for column in columns { column.reserveCapacity(rows) }
        }

        /// Appends a row: `values` in `keys`' order.
        public mutating func append(_ values: some Collection<Value>) {
            precondition(values.count == keys.count, "a row of \(values.count) values for \(keys.count) fields")
            for (column, value) in zip(columns, values) { column.append(value, row: count) }
            count += 1
        }

        /// The rows as maps, in the order appended.
        public func values() -> [Value] {
            for column in columns { column.finish() }
            let table = RecordTable(keys: keys, columns: columns.map(\.column), count: count)
            return (0..<count).map { .map(ValueMap(row: $0, of: table)) }
        }
    }

    /// One column while rows are appended: its arrays are stored properties of a class, so
    /// they grow in place (an array inside an enum is copied on every change).
    private final class ColumnBuilder {
        enum Kind { case same, texts, times, values }
        /// Every column starts as `same` and becomes one of the others at its first row that differs.
        var kind = Kind.same
        /// The value of every row so far, while `kind` is `same` (nil before the first row).
        var same: Value?
        /// The rows reserved for, applied when the column stops being `same`.
        var reserved = 0
        var bytes: [UInt8] = []
        var starts: [UInt32] = []
        var lengths: [UInt32] = []
        var shared: [UInt8] = []
        var sharedEnd: [UInt8] = []
        var times: [Int] = []
        var values: [Value] = []

        var column: Column {
            switch kind {
            case .same: .same(same ?? .null)
            case .texts: .texts(bytes: bytes, starts: starts, lengths: lengths, shared: shared, sharedEnd: sharedEnd)
            case .times: .times(times)
            case .values: .values(values)
            }
        }

        /// Lets go of the growth room (a listing's columns grow by doubling: up to twice what
        /// they hold), one array at a time.
        func finish() {
            bytes.releaseGrowthRoom()
            starts.releaseGrowthRoom()
            lengths.releaseGrowthRoom()
            shared.releaseGrowthRoom()
            sharedEnd.releaseGrowthRoom()
            times.releaseGrowthRoom()
            values.releaseGrowthRoom()
        }

        func reserveCapacity(_ rows: Int) {
            reserved = rows
            switch kind {
            case .same: break
            case .texts:
                starts.reserveCapacity(rows)
                lengths.reserveCapacity(rows)
                shared.reserveCapacity(rows)
                sharedEnd.reserveCapacity(rows)
            case .times: times.reserveCapacity(rows)
            case .values: values.reserveCapacity(rows)
            }
        }

        /// Appends `value` as row `row` (the rows before it are in).
        func append(_ value: Value, row: Int) {
            if kind == .same {
                guard let same else {
                    switch value {
                    case .null, .bool, .int, .string, .time: self.same = value
                    default: kind = .values; values.append(value)
                    }
                    return
                }
                if Self.identical(value, same) { return }
                // The first row that differs: the rows before it become a column of their kind.
                kind = .texts
                self.same = nil
                reserveCapacity(max(reserved, row + 1))
                for earlier in 0..<row { append(same, row: earlier) }
            }
            switch (kind, value) {
            case (.texts, .string(let text)):
                guard appendText(text, row: row) else {
                    spill(then: value, row: row)  // past 4 GB of text the column keeps values as they are
                    return
                }
            case (.texts, .null):
                starts.append(0)
                lengths.append(UInt32.max)
                shared.append(0)
                sharedEnd.append(0)
            case (.texts, .time(let time)) where time != Int.min && bytes.isEmpty && lengths.allSatisfy({ $0 == UInt32.max }):
                // Nulls so far, and now a time: a column of times.
                kind = .times
                times.reserveCapacity(starts.capacity)
                times.append(contentsOf: repeatElement(Int.min, count: row))
                times.append(time)
                starts = []
                lengths = []
                shared = []
                sharedEnd = []
            case (.times, .time(let time)) where time != Int.min:
                times.append(time)
            case (.times, .null):
                times.append(Int.min)
            case (.values, _):
                values.append(value)
            default:
                spill(then: value, row: row)
            }
        }

        /// The same value to the byte: `same` must read back exactly what was appended (Swift's
        /// `==` on texts holds é and e + U+0301 equal; on values, 1 equal to 1.0).
        private static func identical(_ a: Value, _ b: Value) -> Bool {
            switch (a, b) {
            case (.null, .null): true
            case (.bool(let a), .bool(let b)): a == b
            case (.int(let a), .int(let b)), (.time(let a), .time(let b)): a == b
            case (.string(let a), .string(let b)): a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
            default: false
            }
        }

        /// Appends a text as row `row`: only what lies between the bytes it shares with its
        /// block's first text at its beginning and at its end, and nothing when that is what
        /// the row before stored. False when the buffer cannot take it (4 GB).
        private func appendText(_ text: String, row: Int) -> Bool {
            var text = text
            return text.withUTF8 { utf8 in
                let first = row - row % RecordTable.textBlock
                var prefix = 0, end = 0
                if row != first, lengths[first] != UInt32.max {
                    let anchor = Int(starts[first]), anchorLength = Int(lengths[first])
                    (prefix, end) = bytes.withUnsafeBufferPointer { bytes in
                        SharedEnds.of(utf8, with: UnsafeBufferPointer(rebasing: bytes[anchor..<anchor + anchorLength]))
                    }
                }
                let own = UnsafeBufferPointer(rebasing: utf8[prefix..<utf8.count - end])
                if row > 0, lengths[row - 1] != UInt32.max, Int(shared[row - 1]) == prefix, Int(sharedEnd[row - 1]) == end,
                    Int(lengths[row - 1]) == own.count,
                    bytes[Int(starts[row - 1])..<Int(starts[row - 1]) + own.count].elementsEqual(own)
                {
                    starts.append(starts[row - 1])  // the same as the row before: stored once
                } else if bytes.count + own.count < Int(UInt32.max) {
                    starts.append(UInt32(bytes.count))
                    bytes.append(contentsOf: own)
                } else {
                    return false
                }
                lengths.append(UInt32(own.count))
                shared.append(UInt8(prefix))
                sharedEnd.append(UInt8(end))
                return true
            }
        }

        /// The column holds values as they are from now on (it met a value of another kind).
        private func spill(then value: Value, row: Int) {
            let table = RecordTable(keys: [""], columns: [column], count: row)
            values = (0..<row).map { table.value(row: $0, column: 0) }
            values.append(value)
            kind = .values
            bytes = []
            starts = []
            lengths = []
            shared = []
            sharedEnd = []
            times = []
        }
    }
}
