import ObswJSON
@testable import ObswLang
import Testing

/// Records packed as rows of a table (a listing of a million executions) read exactly as
/// the maps they stand for, in every way a script can look at them.
@Suite(.timeLimit(.minutes(5))) struct RecordTableTests {
    static let keys = ["execution_name", "execution_state", "started_at", "attempts", "note"]

    /// The same records as plain maps and as rows; each row differs somewhere.
    static func records() -> (maps: [Value], rows: [Value]) {
        let rows: [[Value]] = [
            ["exec-1", "FAILED", .time(1_000), .int(1), .null],
            ["exec-2", "FAILED", .time(2_000), .int(2), "retried"],
            ["exec-3", "SUCCESS", .null, .int(3), "ünïcode ✓ and a long text that is not a small string"],
            ["exec-4", "SUCCESS", .time(4_000), .null, ""],
        ]
        var builder = RecordTable.Builder(keys: keys)
        for row in rows { builder.append(row) }
        let maps = rows.map { Value.map(ValueMap(uniqueKeysWithValues: zip(keys, $0))) }
        return (maps, builder.values())
    }

    @Test func rowsEqualTheMapsTheyStandFor() {
        let (maps, rows) = Self.records()
        #expect(rows.count == 4)
        for (map, row) in zip(maps, rows) {
            #expect(row == map && map == row)
            #expect(row.mapValue == map.mapValue, "same keys in the same order")
            #expect(row.literalText == map.literalText)
            #expect(Array(row.mapValue!.keys) == Self.keys)
            #expect(row.mapValue!.values == map.mapValue!.values)
            #expect(row.mapValue!["nothing"] == nil && row.mapValue!.index(forKey: "attempts") == 3)
        }
        #expect(rows[0] != rows[1])
    }

    /// Texts that share their beginnings or ends with their block's first (URNs), repeat the
    /// row before, are null, split a character where the shared bytes end, or are longer than
    /// the 255 bytes a row can share: each reads back exactly, across many blocks.
    @Test func textsSharingTheirBeginningsReadBackExactly() {
        let urn = "urn:fgs:cn-north-4:0a1b2c3d4e5f:function:default:thumbnails:"
        var texts: [Value] = []
        for i in 0..<1_000 {
            switch i % 11 {
            case 0: texts.append(.null)
            case 1, 2: texts.append(.string(urn + "exec-\(i / 2)"))  // the same as the row before, every other time
            case 3: texts.append(.string(urn.replacingOccurrences(of: "thumbnails", with: "thumbnaïls") + "\(i)"))
            case 4: texts.append(.string("é\(i)"))
            case 5: texts.append(.string("è"))  // its first byte is é's first
            case 6: texts.append(.string(String(repeating: "long text ", count: 40) + "\(i)"))
            case 7: texts.append(.string(""))
            case 8: texts.append(.string(urn + "exec-\(i):obsw-emulator"))  // shares its end with other rows
            case 9: texts.append(.string(i % 2 == 0 ? "exec-" : "exec-exec-"))  // begins and ends as others: no byte twice
            default: texts.append(.string(urn + "exec-\(i)"))
            }
        }
        var builder = RecordTable.Builder(keys: ["text"])
        for text in texts { builder.append([text]) }
        let rows = builder.values()
        #expect(rows.count == texts.count)
        for (index, (row, text)) in zip(rows, texts).enumerated() {
            #expect(row.mapValue!["text"] == text, "row \(index)")
        }
        // A block whose first row is null shares nothing, and still reads back.
        // Each block's first text ends as the others do.
        var ends = RecordTable.Builder(keys: ["text"])
        let ending = (0..<300).map { urn + "exec-\($0):obsw-emulator" + ($0 % 5 == 0 ? "é" : "") }
        for text in ending { ends.append([.string(text)]) }
        #expect(ends.values().map { $0.mapValue!["text"]! } == ending.map(Value.string))
        var nullFirst = RecordTable.Builder(keys: ["text"])
        for i in 0..<130 { nullFirst.append([i % 64 == 0 ? .null : .string(urn + "\(i)")]) }
        #expect(nullFirst.values().enumerated().allSatisfy { i, row in row.mapValue!["text"] == (i % 64 == 0 ? .null : .string(urn + "\(i)")) })
    }

    /// A column whose rows all hold one value (a listing's graph, its state) stores it once;
    /// at the first row that differs it becomes a column of its kind, and every row before
    /// and after reads back exactly — to the byte: é and e + U+0301, 1 and 1.0 are not one value.
    @Test func aColumnOfOneValueStoresItOnce() throws {
        let same: [Value] = [.null, "FAILED", .time(1_700_000_000_000), .int(7), .bool(true)]
        var builder = RecordTable.Builder(keys: same.indices.map { "c\($0)" })
        builder.reserveCapacity(500)
        for _ in 0..<500 { builder.append(same) }
        let rows = builder.values()
        guard case .row(let table, _) = rows[0].mapValue!.storage else { throw Failure("not a row of a table") }
        for (index, column) in table.columns.enumerated() {
            guard case .same(let value) = column else { throw Failure("column \(index) stores each row: \(column)") }
            #expect(Self.exactly(value, same[index]))
        }
        #expect(rows.allSatisfy { row in zip(row.mapValue!.values, same).allSatisfy(Self.exactly) })

        // The same for a while, then something else: each row as it was appended.
        let cases: [(Value, Value)] = [
            ("é", "e\u{301}"), (.int(1), .float(1)), (.time(5), .null), (.null, .time(5)), ("FAILED", .time(5)),
            (.int(3), .int(4)), (.bool(false), "false"), ("a", .list(["a"])),
        ]
        for (first, then) in cases {
            var column = RecordTable.Builder(keys: ["x"])
            column.reserveCapacity(300)
            let appended: [Value] = (0..<300).map { $0 < 130 || $0 % 7 == 0 ? first : then }
            for value in appended { column.append([value]) }
            let read = column.values().map { $0.mapValue!["x"]! }
            #expect(zip(read, appended).allSatisfy(Self.exactly), "\(first) then \(then)")
        }
    }

    /// Equal to the byte and of the same kind (`==` is looser: it is what a script compares).
    static func exactly(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.string(let a), .string(let b)): Array(a.utf8) == Array(b.utf8)
        case (.int, .int), (.float, .float), (.time, .time), (.null, .null), (.bool, .bool), (.list, .list): a == b
        default: false
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// A column that meets a value of another kind keeps every value as it was.
    @Test func aColumnOfMixedKindsKeepsEachValue() {
        let values: [[Value]] = [["a"], [.time(5)], [.int(7)], [.null], ["a"], [.list([1, 2])], [.float(0.5)]]
        var builder = RecordTable.Builder(keys: ["x"])
        for row in values { builder.append(row) }
        #expect(builder.values().map { $0.mapValue!["x"]! } == values.map { $0[0] })
        // Nulls first, then times: still each as it was.
        var times = RecordTable.Builder(keys: ["t"])
        for row: [Value] in [[.null], [.null], [.time(9)], [.null], ["not a time"]] { times.append(row) }
        #expect(times.values().map { $0.mapValue!["t"]! } == [.null, .null, .time(9), .null, "not a time"])
    }

    /// What a script does with a listing: read fields, filter, iterate, json(); a write makes
    /// that one map its own and leaves the other rows as they were.
    @Test func aScriptSeesOrdinaryMaps() throws {
        let (maps, rows) = Self.records()
        func run(_ records: [Value]) -> String {
            let collector = Collector()
            let engine = Engine(host: FakeHost(), delegate: collector)
            engine.define("records", .list(records))
            let code = """
                let failed = [r.execution_name for r in records if r.execution_state == "FAILED"]
                print $failed
                for r in records { print (r.execution_name) (r["started_at"]) (r.note ?? "-") (len(r)) (keys(r)) }
                print (json(records))
                let changed = records
                changed[1].note = "changed"
                changed[2]["extra"] = 1
                print (changed[1].note) (records[1].note) (keys(changed[2])) (len(records[2]))
                print (records[0] == changed[0]) (records[1] == changed[1]) ("note" in records[0]) ("nothing" in records[0])
                """
            _ = engine.run(SourceFile(name: "t", text: code))
            return collector.output
        }
        let fromMaps = run(maps), fromRows = run(rows)
        #expect(fromRows == fromMaps)
        let lines = fromRows.split(separator: "\n").map(String.init)
        #expect(lines.count == 8, "\(fromRows)")
        #expect(lines.first == #"["exec-1", "exec-2"]"#, "\(fromRows)")
        #expect(lines[6] == #"changed retried ["execution_name", "execution_state", "started_at", "attempts", "note", "extra"] 5"#, "\(fromRows)")
        #expect(lines[7] == "true false true false", "\(fromRows)")
    }

    /// A listing whose records change shape half way keeps its order and each record whole.
    @Test func recordsOfChangingShapeKeepTheirOrder() throws {
        var records = JSONBridge.Records()
        let texts = [
            #"{"execution_name": "a", "started_at": "2026-12-07T10:00:00Z", "execution_state": "FAILED"}"#,
            #"{"execution_name": "b", "started_at": "2026-12-07T10:00:01Z", "execution_state": "FAILED"}"#,
            #"{"execution_name": "c", "execution_state": "RUNNING"}"#,
            #"[1, 2]"#,
            #"{"execution_name": "d", "started_at": "not ISO", "execution_state": "FAILED"}"#,
        ]
        for text in texts { records.append(try JSONParser.parse(text)) }
        #expect(records.count == 5)
        let values = records.values()
        #expect(values == texts.map { JSONBridge.record(try! JSONParser.parse($0)) })
        #expect(values[0].mapValue!["started_at"] == .time(WireDate.parseISO8601("2026-12-07T10:00:00Z")!))
    }
}
