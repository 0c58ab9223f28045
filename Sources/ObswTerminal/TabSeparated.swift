import ObswLang
import ObswText

/// `--output tsv`: a header of field names, then one line per record, for `cut`, `sort` and
/// spreadsheets. A tab or newline inside a value is written as `\t` or `\n`, every other
/// control as `\u{1b}` (`Escape.tsvField`): a record is always one line.
public enum TabSeparated {
    public static func render(_ value: Value) -> String {
        switch value {
        case .null: return ""
        case .list(let items):
            let records = items.compactMap { if case .map(let m) = $0 { m } else { nil } }
            guard records.count == items.count, !records.isEmpty else {
                return items.map { field($0) + "\n" }.joined()
            }
            let keys = Display.fieldNames(records)
            // Field names come from the service too.
            var text = keys.map(Escape.tsvField).joined(separator: "\t") + "\n"
            for record in records { text += keys.map { field(record[$0] ?? .null) }.joined(separator: "\t") + "\n" }
            return text
        case .map(let m):
            return m.map { key, value in field(.string(key)) + "\t" + field(value) + "\n" }.joined()
        default:
            return field(value) + "\n"
        }
    }

    public static func field(_ value: Value) -> String {
        let text: String
        switch value {
        case .null: text = ""
        case .string(let s): text = s
        case .list, .map: text = JSONBridge.jsonLenient(value).jsonText
        default: text = value.displayText
        }
        return Escape.tsvField(text)
    }
}
