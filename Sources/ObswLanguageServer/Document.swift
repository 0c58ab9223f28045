import ObswJSON
import ObswLang

extension JSONValue {
    /// A member of an object, typed (nil when absent or of another type).
    func text(_ key: String) -> String? { self[key]?.stringValue }
    func number(_ key: String) -> Int? { self[key]?.intValue }
    func flag(_ key: String) -> Bool? { self[key]?.boolValue }
    func list(_ key: String) -> [JSONValue]? { self[key]?.arrayValue }
}

/// A position as the protocol counts it: a zero-based line and a column in UTF-16 code
/// units (so `é` counts one and an emoji two, whatever their bytes).
struct Position: Equatable {
    var line: Int
    var character: Int

    init(line: Int, character: Int) {
        self.line = line
        self.character = character
    }

    init?(_ json: JSONValue?) {
        guard let json, let line = json.number("line"), let character = json.number("character") else { return nil }
        self.line = line
        self.character = character
    }

    var json: JSONValue { ["line": .int(line), "character": .int(character)] }
}

/// An open document: its text as bytes (what the lexer reads) and where its lines start.
struct Document {
    let uri: String
    var version: Int
    private(set) var bytes: [UInt8]
    private(set) var lineStarts: [Int] = [0]

    init(uri: String, version: Int, text: String) {
        self.uri = uri
        self.version = version
        bytes = Array(text.utf8)
        indexLines()
    }

    private mutating func indexLines() {
        lineStarts = [0]
        for (i, b) in bytes.enumerated() where b == 0x0A { lineStarts.append(i + 1) }
    }

    /// The file path of a `file://` URI (percent-escapes decoded), for messages and for
    /// `source` relative to the document; else the URI itself.
    var path: String {
        guard uri.hasPrefix("file://") else { return uri }
        var out: [UInt8] = []
        let raw = Array(uri.utf8.dropFirst(7))
        var i = 0
        while i < raw.count {
            if raw[i] == UInt8(ascii: "%"), i + 2 < raw.count, let value = UInt8(String(decoding: raw[i + 1...i + 2], as: UTF8.self), radix: 16) {
                out.append(value)
                i += 3
            } else {
                out.append(raw[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Bytes a UTF-8 sequence starting with `lead` takes (1 for a stray byte).
    static func sequenceLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0xF0...0xF7: 4
        case 0xE0...0xEF: 3
        case 0xC0...0xDF: 2
        default: 1
        }
    }

    private func lineEnd(_ line: Int) -> Int {
        line + 1 < lineStarts.count ? lineStarts[line + 1] - 1 : bytes.count
    }

    /// The byte offset of a position; a line or column past the end is clamped to it.
    func offset(of position: Position) -> Int {
        guard position.line >= 0 else { return 0 }
        guard position.line < lineStarts.count else { return bytes.count }
        var i = lineStarts[position.line]
        let end = lineEnd(position.line)
        var units = 0
        while i < end, units < position.character {
            let length = min(Self.sequenceLength(bytes[i]), end - i)
            units += length == 4 ? 2 : 1
            i += length
        }
        return i
    }

    /// The position of a byte offset (clamped to the text).
    func position(of offset: Int) -> Position {
        let target = min(max(offset, 0), bytes.count)
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= target { low = mid } else { high = mid - 1 }
        }
        var i = lineStarts[low], units = 0
        while i < target {
            let length = min(Self.sequenceLength(bytes[i]), target - i)
            units += length == 4 ? 2 : 1
            i += length
        }
        return Position(line: low, character: units)
    }

    func range(_ start: Int, _ end: Int) -> JSONValue {
        ["start": position(of: start).json, "end": position(of: end).json]
    }

    func range(of span: Span) -> JSONValue { range(Int(span.start), Int(span.end)) }

    /// The text of a line, without its newline.
    func line(_ number: Int) -> String {
        guard number >= 0, number < lineStarts.count else { return "" }
        return String(decoding: bytes[lineStarts[number]..<lineEnd(number)], as: UTF8.self)
    }

    /// Applies one `contentChanges` entry: a range and its new text, or the whole text.
    mutating func apply(_ change: JSONValue) -> Bool {
        guard let text = change.text("text") else { return false }
        if let range = change["range"] {
            guard let from = Position(range["start"]), let to = Position(range["end"]) else { return false }
            let start = offset(of: from), end = max(start, offset(of: to))
            bytes.replaceSubrange(start..<end, with: Array(text.utf8))
        } else {
            bytes = Array(text.utf8)
        }
        indexLines()
        return true
    }
}
