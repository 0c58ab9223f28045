/// Durations as text, in one grammar and one formatter for every layer: the language's
/// literals and `duration()`, command options, the command line (`--request-timeout`), the
/// emulator's options and scenario files, and every message that shows a duration.
///
/// Grammar: an optional `-`, then one or more parts, each a number (digits, `_` allowed
/// between them, an optional fraction) followed by a unit — `ms`, `s`, `m`, `h`, `d`:
/// `250ms`, `2s`, `1h30m`, `1.5s`, `-20m`. The total is rounded to whole milliseconds and
/// must stay below 9·10^15 ms (so every later sum or product is checked, never a trap).
public enum DurationText {
    /// Milliseconds per unit.
    public static func factor(of unit: some StringProtocol) -> Double? {
        switch unit {
        case "ms": 1
        case "s": 1000
        case "m": 60_000
        case "h": 3_600_000
        case "d": 86_400_000
        default: nil
        }
    }

    public static let limit = 9.0e15

    /// Whole milliseconds, or nil when `text` is not a duration in the grammar.
    public static func parse(_ text: some StringProtocol) -> Int? {
        var bytes = Array(text.utf8)
        // Surrounding blanks are not part of the value (`--var timeout=" 15m"`).
        while bytes.last == 0x20 || bytes.last == 0x09 { bytes.removeLast() }
        var index = bytes.firstIndex { $0 != 0x20 && $0 != 0x09 } ?? bytes.count
        var sign = 1.0
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            sign = -1
            index += 1
        }
        func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
        func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 97 && (b | 0x20) <= 122 }
        var total = 0.0
        var parts = 0
        while index < bytes.count {
            guard isDigit(bytes[index]) else { return nil }
            var number: [UInt8] = []
            while index < bytes.count, isDigit(bytes[index]) || bytes[index] == UInt8(ascii: "_") {
                if bytes[index] != UInt8(ascii: "_") { number.append(bytes[index]) }
                index += 1
            }
            if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "."), isDigit(bytes[index + 1]) {
                number.append(UInt8(ascii: "."))
                index += 1
                while index < bytes.count, isDigit(bytes[index]) {
                    number.append(bytes[index])
                    index += 1
                }
            }
            let unitStart = index
            while index < bytes.count, isLetter(bytes[index]) { index += 1 }
            guard let factor = factor(of: String(decoding: bytes[unitStart..<index], as: UTF8.self)),
                let amount = Double(String(decoding: number, as: UTF8.self))
            else { return nil }
            total += amount * factor
            parts += 1
        }
        guard parts > 0, total.isFinite, total < limit else { return nil }
        return Int((sign * total).rounded())
    }

    public enum Style: Sendable {
        /// Exact, and read back by `parse`: `1m30s`, `250ms`, `1h0m5s` → `1h5s`, `0s`.
        case exact
        /// Elapsed time in progress and summaries: `0.4s`, `1.8s`, `1m02s`, `1h05m00s`.
        case elapsed
    }

    public static func format(milliseconds total: Int, _ style: Style = .exact) -> String {
        switch style {
        case .exact:
            if total == 0 { return "0s" }
            var ms = total.magnitude
            var out = total < 0 ? "-" : ""
            for (unit, size) in [("d", UInt(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] where ms >= size {
                out += "\(ms / size)\(unit)"
                ms %= size
            }
            if ms > 0 { out += "\(ms)ms" }
            return out
        case .elapsed:
            let tenths = max(0, total / 100)
            if tenths < 600 { return "\(tenths / 10).\(tenths % 10)s" }
            let whole = tenths / 10
            let (h, m, s) = (whole / 3600, whole / 60 % 60, whole % 60)
            func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
            return h > 0 ? "\(h)h\(two(m))m\(two(s))s" : "\(m)m\(two(s))s"
        }
    }
}

extension Duration {
    /// Whole milliseconds (rounded down), saturating instead of trapping.
    public var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        let (ms, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? Int.min : Int.max }
        return Int(ms) + Int(attoseconds / 1_000_000_000_000_000)
    }

    /// Seconds as a fraction, for rates and reports.
    public var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// `1m30s`, `500ms`: exact (`DurationText` `.exact`).
    public var formattedSeconds: String { DurationText.format(milliseconds: wholeMilliseconds) }

    /// `1.8s`, `1m02s`: elapsed time (`DurationText` `.elapsed`).
    public var elapsedText: String { DurationText.format(milliseconds: wholeMilliseconds, .elapsed) }
}
