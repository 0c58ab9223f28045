import ObswLang
import ObswTerminal
import ObswText

/// No text from outside can forge a line of obsw's line-oriented outputs: whatever a check's
/// message, a file name, a record's keys and values hold, TAP has exactly the lines obsw
/// wrote (no `ok 2`, no `Bail out!` of the text's own), its YAML block holds only what YAML
/// readers accept, a TSV record stays one line with its fields where obsw put the tabs, and
/// the terminal and language escapes leave no control behind.
enum OutputLines {
    /// Every scalar some reader takes as the end of a line: `\n`, `\r`, VT, FF, the
    /// information separators Python's `splitlines` honours, NEL, U+2028, U+2029.
    static func breaksLine(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// The lines a reader that splits on any line break sees.
    static func lines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if breaksLine(scalar) {
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }

    /// What YAML readers (PyYAML) refuse even inside quotes.
    static func printableInYAML(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x20...0x7E, 0xA0...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return scalar.value != 0xFEFF
        default: return false
        }
    }

    static func check(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        // Two different texts from one input, for a key and its value.
        let parts = bytes.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        let key = parts[0], value = parts.count > 1 ? parts[1] : text
        tap(text, key)
        tsv(key, value)
        escapes(text)
    }

    static func tap(_ text: String, _ file: String) {
        var out = ""
        let reports = CheckReports(junit: nil, tap: true) { out += $0 }
        let check = CheckResult(hard: false, text: text, message: text, left: .string(text), right: .string(file))
        reports.record(check, file: file, line: 3)
        reports.recordStop(text, file: file, line: 4)
        _ = reports.finish(suiteName: text)
        let shown = lines(out)
        precondition(out.unicodeScalars.filter(breaksLine).allSatisfy { $0 == "\n" }, "TAP holds a line break obsw did not write")
        precondition(
            shown.first.map { Array($0.utf8) } == Array("TAP version 14".utf8) && shown.last.map { Array($0.utf8) } == Array("1..2".utf8),
            "TAP's first or last line was forged")
        // Compared as bytes, as TAP readers do: a combining mark after obsw's space would
        // make Swift's Character-wise `hasPrefix` fail where nothing was forged.
        func starts(_ line: String, _ prefix: String) -> Bool { line.utf8.starts(with: prefix.utf8) }
        let testLines = shown.filter { !starts($0, " ") }
        precondition(testLines.count == 4, "TAP has \(testLines.count) unindented lines, not 4: \(testLines)")
        precondition(starts(testLines[1], "not ok 1 - ") && starts(testLines[2], "not ok 2 - "), "a test line was forged")
        let yamlKeys = ["---", "...", "message: ", "severity: ", "at:", "file: ", "line: ", "note: ", "found: ", "wanted: "]
        for line in shown where starts(line, "  ") {
            precondition(line.unicodeScalars.allSatisfy(printableInYAML), "the YAML block holds what YAML refuses")
            let trimmed = String(decoding: line.utf8.drop { $0 == 0x20 }, as: UTF8.self)
            precondition(yamlKeys.contains { starts(trimmed, $0) }, "a YAML line was forged: \(trimmed)")
        }
    }

    static func tsv(_ key: String, _ value: String) {
        var first = ValueMap(), second = ValueMap()
        first[key] = .string(value)
        first["b"] = .list([.string(value), .string(key)])
        second[key] = .string(key)
        second["b"] = .null
        let out = TabSeparated.render(.list([.map(first), .map(second)]))
        let rows = lines(out)
        let columns = key == "b" ? 1 : 2
        precondition(rows.count == 3, "a TSV record of \(out.debugDescription) is not one line")
        for row in rows {
            precondition(row.unicodeScalars.count(where: { $0 == "\t" }) == columns - 1, "a TSV field was split")
        }
    }

    static func escapes(_ text: String) {
        precondition(!Escape.terminal(text).unicodeScalars.contains(where: Escape.isControl), "a control reached the terminal")
        precondition(
            !Escape.terminalLines(text).unicodeScalars.contains { Escape.isControl($0) && $0 != "\n" && $0 != "\t" },
            "a control reached the terminal")
        precondition(!Escape.tapDescription(text).unicodeScalars.contains(where: breaksLine), "a TAP description broke its line")
        // The language reads its own literal back as the same text.
        let literal = Escape.languageString(text)
        var lexer = Lexer(file: SourceFile(name: "<fuzz>", text: literal), fileID: 0)
        let token = lexer.next(.expression)
        if case .string(let parts) = token.kind {
            let read = parts.map { part -> String in if case .text(let s) = part { s } else { "\u{FFFD}code" } }.joined()
            precondition(read == text, "a string literal does not read back as the text it was made from")
        } else {
            preconditionFailure("a string literal does not lex as a string")
        }
    }
}
