import ObswLang
import ObswText

/// How the shell shows a value: a list of records as an aligned table, one record as
/// aligned `key  value` lines (nested records indented), anything else in literal form.
/// Names and texts from the service reach a terminal here: every control in them is shown
/// (`\u{1b}`, `\r`), never obeyed (`Escape.terminal`).
public enum Display {
    /// Cells longer than this are cut with `…`, so one long URN does not widen every row.
    public static let maximumCellWidth = 48

    /// - Parameters:
    ///   - width: the terminal's width; a table shows the most useful columns that fit.
    ///   - palette: colours states and outcomes (FAILED red, SUCCESS green, RUNNING yellow).
    public static func render(_ value: Value, width: Int = Int.max, palette: Palette = .plain) -> String {
        switch value {
        case .list(let items) where !items.isEmpty && items.allSatisfy(isRecord):
            return table(items.compactMap { if case .map(let m) = $0 { m } else { nil } }, width: width, palette: palette)
        case .map(let m) where isGrouping(m):
            // What group(...) returns: each key with how many items it holds.
            let rows: [ValueMap] = m.map { key, value in
                var row = ValueMap()
                row["key"] = .string(key)
                if case .list(let items) = value { row["count"] = .int(items.count) }
                return row
            }
            return table(rows, width: width, palette: palette)
        case .map(let m) where !m.isEmpty:
            return record(m, indent: "", palette: palette)
        case .string(let s):
            // A string shown as it is, lines and all; but no control reaches the terminal.
            return Escape.terminalLines(s)
        default:
            return value.literalText
        }
    }

    static func isRecord(_ v: Value) -> Bool {
        if case .map = v { return true }
        return false
    }

    /// A map of key → non-empty list of records, as `group(...)` makes.
    static func isGrouping(_ m: ValueMap) -> Bool {
        !m.isEmpty && m.values.allSatisfy { if case .list(let items) = $0 { !items.isEmpty && items.allSatisfy(isRecord) } else { false } }
    }

    /// Columns whose values are states or outcomes, coloured by `Palette.style(ofState:)`.
    static let stateColumns: Set<String> = ["execution_state", "outcome", "status", "state"]

    /// Fields an operator reads first; the rest follow in the order the service sent them.
    static let preferredColumns = [
        "execution_name", "name", "graph_name", "template_name", "execution_state", "outcome", "status",
        "execution_type", "started_at", "stopped_at", "restored_at", "reason", "created_at",
    ]

    /// Columns in order of usefulness, as many as fit `width`; a missing or null field shows `-`.
    static func table(_ rows: [ValueMap], width maximum: Int = Int.max, palette: Palette = .plain) -> String {
        let keys = fieldNames(rows)
        let known = Set(keys)
        let ordered = preferredColumns.filter(known.contains) + keys.filter { !preferredColumns.contains($0) }
        var columns: [String] = []
        var hidden: [String] = []
        var used = 0
        for key in ordered {
            let w = max(Escape.terminal(key).count, rows.map { cell($0[key]).count }.max() ?? 0)
            if columns.isEmpty || used + 2 + w <= maximum {
                columns.append(key)
                used += (columns.count == 1 ? 0 : 2) + w
            } else {
                hidden.append(key)
            }
        }
        let cells = rows.map { row in columns.map { cell(row[$0]) } }
        let headers = columns.map(Escape.terminal)
        let widths = columns.indices.map { i in
            max(headers[i].count, cells.map { $0[i].count }.max() ?? 0)
        }
        let coloured = columns.map { stateColumns.contains($0) && palette.enabled }
        func line(_ values: [String], body: Bool = true) -> String {
            var text = ""
            for (i, v) in values.enumerated() {
                let last = i == values.count - 1
                let shown = body && coloured[i] ? Palette.style(ofState: v).map { palette.paint(v, $0) } ?? v : v
                text += last ? shown : shown + String(repeating: " ", count: widths[i] - v.count + 2)
            }
            return text
        }
        var lines = [line(headers, body: false), line(widths.map { String(repeating: "-", count: $0) }, body: false)]
        lines += cells.map { line($0) }
        var footer = "(\(rows.count) \(rows.count == 1 ? "row" : "rows")"
        if !hidden.isEmpty { footer += "; not shown: \(hidden.joined(separator: ", "))" }
        lines.append(footer + ")")
        return lines.joined(separator: "\n")
    }

    /// Every field name of the records, in the order they first appear.
    public static func fieldNames(_ rows: [ValueMap]) -> [String] {
        var keys: [String] = []
        var known: Set<String> = []
        for row in rows {
            for key in row.keys where known.insert(key).inserted { keys.append(key) }
        }
        return keys
    }

    static func cell(_ value: Value?) -> String {
        guard let value, !value.isNull else { return "-" }
        let text: String
        switch value {
        case .string(let s): text = s.isEmpty ? "\"\"" : s
        case .time: text = value.displayText  // ISO-8601, as print shows it
        default: text = value.literalText
        }
        let flat = Escape.terminal(text)
        return flat.count > maximumCellWidth ? String(flat.prefix(maximumCellWidth - 1)) + "…" : flat
    }

    static func record(_ map: ValueMap, indent: String, palette: Palette = .plain) -> String {
        let width = map.keys.map { Escape.terminal($0).count }.max() ?? 0
        // An execution's state is what an operator looks for first.
        let keys = map["execution_state"] == nil ? Array(map.keys) : ["execution_state"] + map.keys.filter { $0 != "execution_state" }
        return keys.map { key -> String in
            let value = map[key] ?? .null
            let shownKey = Escape.terminal(key)
            let label = indent + shownKey
            if case .map(let inner) = value, !inner.isEmpty {
                return label + ":\n" + record(inner, indent: indent + "  ", palette: palette)
            }
            var text: String
            switch value {
            case .null: text = "-"
            case .string(let s): text = s
            case .time: text = value.displayText
            default: text = value.literalText
            }
            text = Escape.terminal(text)
            if stateColumns.contains(key), let style = Palette.style(ofState: text) { text = palette.paint(text, style) }
            return label + String(repeating: " ", count: width - shownKey.count + 2) + text
        }.joined(separator: "\n")
    }
}
