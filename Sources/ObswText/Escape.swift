/// Text from outside — a service's names and error texts, file names, journal lines — is
/// data. Each place it can be written (a sink) has one escape here, applied to Unicode
/// scalars, so nothing from outside can start a control sequence on a terminal, break a
/// line a reader splits on, or close a quote.
///
/// Swift compares `Character`s: `"\r\n"` is one `Character`, so replacing `"\n"` and `"\r"`
/// separately misses it. Every escape here decides scalar by scalar (`rewriting`).
public enum Escape {
    /// Scalars that make a terminal or a line-oriented reader do something: C0 controls,
    /// DEL and C1 controls (ESC and CSI start sequences, CR returns the cursor, NEL breaks a
    /// line), the Unicode line and paragraph separators, the byte-order mark, the
    /// noncharacters U+FFFE/U+FFFF, and the bidirectional controls that reorder what a
    /// reader sees ("Trojan Source").
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF, 0xFFFE, 0xFFFF: return true
        default: return false
        }
    }

    /// `\u{1b}`: how a control is shown, as the language writes it in a string literal.
    static func visible(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\t": return "\\t"
        case "\r": return "\\r"
        default: return "\\u{" + String(scalar.value, radix: 16) + "}"
        }
    }

    /// For a terminal, on one line (a table cell, a record's value, a diagnostic's message,
    /// the live progress line): every control shown as `\n`, `\t`, `\r` or `\u{1b}`.
    public static func terminal(_ text: String) -> String {
        rewriting(text, Bytes.controls) { isControl($0) ? visible($0) : nil }
    }

    /// For a terminal, where the text is several lines obsw laid out itself (notes and
    /// errors on standard error): newlines and tabs kept, every other control shown.
    public static func terminalLines(_ text: String) -> String {
        rewriting(text, Bytes.controls) { isControl($0) && $0 != "\n" && $0 != "\t" ? visible($0) : nil }
    }

    /// A TAP description: one line; `\` and `#` escaped as TAP 14 says (`#` would start a
    /// directive such as `# SKIP`), every control shown as on a terminal.
    public static func tapDescription(_ text: String) -> String {
        rewriting(text, Bytes.tap) { scalar in
            switch scalar {
            case "\\": "\\\\"
            case "#": "\\#"
            case _ where isControl(scalar): visible(scalar)
            default: nil
            }
        }
    }

    /// A YAML double-quoted scalar (TAP's diagnostic block). YAML readers refuse DEL, C1
    /// and other non-printable characters even inside quotes, and take NEL, U+2028 and
    /// U+2029 as line breaks: each is written as `\uXXXX`.
    public static func yamlString(_ text: String) -> String {
        "\"" + rewriting(text, Bytes.quoted) { scalar in
            switch scalar {
            case "\"": "\\\""
            case "\\": "\\\\"
            case "\n": "\\n"
            case "\t": "\\t"
            case "\r": "\\r"
            case _ where isControl(scalar): hex4(scalar)
            default: nil
            }
        } + "\""
    }

    /// `\u001B`: four hex digits (every control is in the Basic Multilingual Plane).
    static func hex4(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        return "\\u" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// A field of tab-separated values: `\`, tab, newline and return written as `\\`, `\t`,
    /// `\n`, `\r`, every other control as `\u{1b}`, so a record is always one line and its
    /// fields are always split where obsw put the tabs.
    public static func tsvField(_ text: String) -> String {
        rewriting(text, Bytes.backslash) { scalar in
            scalar == "\\" ? "\\\\" : isControl(scalar) ? visible(scalar) : nil
        }
    }

    /// Text for an XML attribute or element (JUnit): the five entities escaped, and what
    /// XML 1.0 cannot hold (controls other than tab, newline and return; U+FFFE, U+FFFF)
    /// written as `\u{…}`.
    public static func xml(_ text: String) -> String { markup(text, apostrophe: "&apos;", showsC1: false) }

    /// Text for HTML, in an element or a quoted attribute. A page shows controls as text,
    /// never obeys them, so they are kept — except those HTML forbids (C0 but tab, newline
    /// and return; DEL and C1; U+FFFE, U+FFFF), shown as `\u{…}`.
    public static func html(_ text: String) -> String { markup(text, apostrophe: "&#39;", showsC1: true) }

    static func markup(_ text: String, apostrophe: String, showsC1: Bool) -> String {
        rewriting(text, Bytes.markup) { scalar in
            switch scalar {
            case "&": "&amp;"
            case "<": "&lt;"
            case ">": "&gt;"
            case "\"": "&quot;"
            case "'": apostrophe
            case "\t", "\n", "\r": nil
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF
                || (showsC1 && (0x7F...0x9F).contains(scalar.value)):
                visible(scalar)
            default: nil
            }
        }
    }

    /// A string literal of the language (`"a\"b\u{1b}"`): what `literalText` shows and what
    /// the shell inserts for a name that is not a plain word. `$` is escaped: it would
    /// start an interpolation.
    public static func languageString(_ text: String) -> String {
        "\"" + rewriting(text, Bytes.language) { scalar in
            switch scalar {
            case "\"": "\\\""
            case "\\": "\\\\"
            case "$": "\\$"
            case _ where isControl(scalar): visible(scalar)
            default: nil
            }
        } + "\""
    }

    /// A word the language reads as itself in a command's arguments: letters, digits and
    /// `_ - . : / @ +`, not starting with `-` (an option).
    public static func isPlainWord(_ text: String) -> Bool {
        guard let first = text.utf8.first, first != UInt8(ascii: "-") else { return false }
        return text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "@"),
                UInt8(ascii: "+"):
                return true
            default: return false
            }
        }
    }

    /// A command argument as the shell inserts it on Tab: a plain word as it is, anything
    /// else quoted, so a name from the service (`exec-2;print "PWNED"`) is one argument,
    /// never code.
    public static func languageWord(_ text: String) -> String {
        isPlainWord(text) ? text : languageString(text)
    }

    /// A word for a POSIX shell command line obsw suggests (`obsw apply FILE`): a plain word
    /// as it is, anything else in single quotes. Shown on a terminal, so pass the line
    /// through `terminal` as well.
    public static func shellWord(_ text: String) -> String {
        isPlainWord(text) ? text : "'" + text.replacing("'", with: "'\\''") + "'"
    }

    // MARK: The one walk

    /// The bytes that may start a scalar one sink escapes, as tables indexed by byte. A
    /// control's UTF-8 starts with a byte below 0x20, 0x7F, or one of the lead bytes 0xC2
    /// (C1), 0xD8 (U+061C), 0xE2 (U+200E–U+2069) and 0xEF (U+FEFF, U+FFFE, U+FFFF).
    enum Bytes {
        static func table(_ extra: String, controls: Bool = true, asciiControlsOnly: Bool = false) -> [Bool] {
            var table = [Bool](repeating: false, count: 256)
            if controls {
                for byte in 0..<0x20 { table[byte] = true }
                table[0x7F] = true
                table[0xC2] = true
                table[0xEF] = true
                if !asciiControlsOnly {
                    table[0xD8] = true
                    table[0xE2] = true
                }
            }
            for byte in extra.utf8 { table[Int(byte)] = true }
            return table
        }

        static let controls = table("")
        static let tap = table("\\#")
        static let quoted = table("\"\\")
        static let backslash = table("\\")
        static let language = table("\"\\$")
        static let markup = table("&<>\"'", asciiControlsOnly: true)
    }

    /// Copies `text`'s UTF-8 in runs; at each byte the sink's table marks, decodes the
    /// scalar there and asks `replace` for its replacement (nil: keep it). Text with
    /// nothing to replace is returned as it is, without a copy.
    static func rewriting(_ text: String, _ attention: [Bool], _ replace: (Unicode.Scalar) -> String?) -> String {
        var text = text
        let rewritten: [UInt8]? = text.withUTF8 { bytes in
            var out: [UInt8] = []
            var copied = 0
            var index = 0
            let count = bytes.count
            while index < count {
                let lead = bytes[index]
                guard attention[Int(lead)] else {
                    index += 1
                    continue
                }
                let (scalar, length) = decode(bytes, at: index)
                if let replacement = replace(scalar) {
                    if out.isEmpty { out.reserveCapacity(count + count / 8 + 16) }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<index]))
                    out.append(contentsOf: replacement.utf8)
                    copied = index + length
                }
                index += length
            }
            guard copied > 0 else { return nil }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<count]))
            return out
        }
        guard let rewritten else { return text }
        return String(decoding: rewritten, as: UTF8.self)
    }

    /// The scalar whose UTF-8 starts at `index` (a Swift string is valid UTF-8) and its length.
    @inline(__always)
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (Unicode.Scalar, Int) {
        let lead = UInt32(bytes[index])
        let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        guard length > 1, index + length <= bytes.count else { return (Unicode.Scalar(UInt8(truncatingIfNeeded: lead)), 1) }
        var value = lead & (0xFF >> (length + 1))
        for offset in 1..<length { value = value << 6 | UInt32(bytes[index + offset] & 0x3F) }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }
}
