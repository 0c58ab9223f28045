#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Date formats on the wire: RFC 1123 for `Date`/`x-obs-date`/`Retry-After`, ISO-8601 with
/// milliseconds (`2020-04-23T12:32:11.131Z`) for timestamps in bodies.
///
/// Hand-rolled on epoch seconds because Foundation's formatters are locale-sensitive and
/// slow, and both the signer and the emulator format a date on every request.
public enum WireDate {
    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Thu, 27 Aug 2020 12:38:10 GMT`
    public static func rfc1123(epochSeconds: Int) -> String {
        let days = floorDiv(epochSeconds, 86400)
        let secondsOfDay = epochSeconds - days * 86400
        let (y, m, d) = civil(fromDays: days)
        let weekday = weekdays[((days % 7) + 7) % 7]
        return "\(weekday), \(pad(d)) \(months[m - 1]) \(year(y)) \(pad(secondsOfDay / 3600)):\(pad(secondsOfDay / 60 % 60)):\(pad(secondsOfDay % 60)) GMT"
    }

    /// Parses `Thu, 27 Aug 2020 12:38:10 GMT` (the weekday is not checked).
    public static func parseRFC1123(_ text: String) -> Int? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT" || parts[5] == "UTC",
            let day = Int(parts[1]), let month = months.firstIndex(of: String(parts[2])), let year = Int(parts[3])
        else { return nil }
        let clock = parts[4].split(separator: ":")
        // The year is four digits on the wire (RFC 7231); a larger one would overflow the day
        // count, and it comes from outside (a `Date` or `Retry-After` header).
        guard clock.count == 3, let h = Int(clock[0]), let mi = Int(clock[1]), let s = Int(clock[2]),
            (1...31).contains(day), (0...23).contains(h), (0...59).contains(mi), (0...60).contains(s), (1...9999).contains(year)
        else { return nil }
        return days(fromCivil: year, month + 1, day) * 86400 + h * 3600 + mi * 60 + s
    }

    /// `2020-04-23T12:32:11.131Z`
    public static func iso8601(epochMilliseconds: Int) -> String {
        let seconds = floorDiv(epochMilliseconds, 1000)
        let millis = epochMilliseconds - seconds * 1000
        let days = floorDiv(seconds, 86400)
        let secondsOfDay = seconds - days * 86400
        let (y, m, d) = civil(fromDays: days)
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(year(y))-\(pad(m))-\(pad(d))T\(pad(secondsOfDay / 3600)):\(pad(secondsOfDay / 60 % 60)):\(pad(secondsOfDay % 60)).\(ms)Z"
    }

    /// `2020-04-23T12:32:11Z`: whole seconds, as DWR's `start_time`/`end_time` take it.
    public static func iso8601Seconds(epochSeconds: Int) -> String {
        let days = floorDiv(epochSeconds, 86400)
        let secondsOfDay = epochSeconds - days * 86400
        let (y, m, d) = civil(fromDays: days)
        return "\(year(y))-\(pad(m))-\(pad(d))T\(pad(secondsOfDay / 3600)):\(pad(secondsOfDay / 60 % 60)):\(pad(secondsOfDay % 60))Z"
    }

    /// `20250102T030405Z`: the `X-Sdk-Date` of Huawei Cloud's SDK signature.
    public static func sdkDate(epochSeconds: Int) -> String {
        let days = floorDiv(epochSeconds, 86400)
        let secondsOfDay = epochSeconds - days * 86400
        let (y, m, d) = civil(fromDays: days)
        return "\(year(y))\(pad(m))\(pad(d))T\(pad(secondsOfDay / 3600))\(pad(secondsOfDay / 60 % 60))\(pad(secondsOfDay % 60))Z"
    }

    /// Epoch seconds of an `X-Sdk-Date` value; nil unless it is exactly `yyyyMMddTHHmmssZ`.
    public static func parseSDKDate(_ text: String) -> Int? {
        let b = Array(text.utf8)
        guard b.count == 16, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z") else { return nil }
        func num(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for x in b[from..<from + count] {
                guard x >= 48, x <= 57 else { return nil }
                v = v * 10 + Int(x - 48)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(4, 2), let d = num(6, 2), let h = num(9, 2), let mi = num(11, 2),
            let s = num(13, 2), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s <= 60
        else { return nil }
        return days(fromCivil: y, mo, d) * 86400 + h * 3600 + mi * 60 + s
    }

    /// Parses ISO-8601 into epoch milliseconds: `2020-04-23T12:32:11.131Z`,
    /// `2020-04-23T12:32:11Z`, `2020-04-23 12:32:11+02:00`, or a date alone (midnight UTC).
    public static func parseISO8601(_ text: String) -> Int? {
        // Every record of a listing has several times: read the bytes in place, no copy.
        var text = text
        return text.withUTF8 { parseISO8601(bytes: $0) }
    }

    static func parseISO8601(bytes b: UnsafeBufferPointer<UInt8>) -> Int? {
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for x in b[from..<from + count] {
                guard x >= 48, x <= 57 else { return nil }
                v = v * 10 + Int(x - 48)
            }
            return v
        }
        guard b.count >= 10, b[4] == 45, b[7] == 45, let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2),
            (1...12).contains(mo), (1...31).contains(d)
        else { return nil }
        var total = days(fromCivil: y, mo, d) * 86_400_000
        if b.count == 10 { return total }
        guard b.count >= 19, b[10] == 84 || b[10] == 116 || b[10] == 32, b[13] == 58, b[16] == 58,
            let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2), h < 24, mi < 60, s <= 60
        else { return nil }
        total += (h * 3600 + mi * 60 + s) * 1000
        var i = 19
        if i < b.count, b[i] == 46 {
            i += 1
            var digits = 0, ms = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if digits < 3 { ms = ms * 10 + Int(b[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { ms *= 10 }
            total += ms
        }
        if i == b.count { return nil }  // a zone is required
        if b[i] == 90 || b[i] == 122, i + 1 == b.count { return total }
        let compact = i + 5 == b.count  // +0000
        guard b[i] == 43 || b[i] == 45, compact || (i + 6 == b.count && b[i + 3] == 58),
            let zh = num(i + 1, 2), let zm = num(compact ? i + 3 : i + 4, 2)
        else { return nil }
        let offset = (zh * 60 + zm) * 60_000
        return b[i] == 43 ? total - offset : total + offset
    }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// A year as ISO 8601 writes it: four digits (`0999`), and beyond them a sign (`+10000`,
    /// `-0044`, ISO's expanded form) — never `999-05-01`, which no reader takes as a date.
    static func year(_ y: Int) -> String {
        if y < 0 { return "-" + year(-y) }
        if y > 9999 { return "+\(y)" }
        return y < 10 ? "000\(y)" : y < 100 ? "00\(y)" : y < 1000 ? "0\(y)" : "\(y)"
    }

    private static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

    // Howard Hinnant's civil-from-days and days-from-civil (proleptic Gregorian).
    private static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    private static func days(fromCivil y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}

/// Wall-clock time, for comparing with the service's timestamps: the one reading of the
/// system clock the client, the journal and the language's `now()` share.
public enum WallClock {
    public static func nowMilliseconds() -> Int {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return spec.tv_sec * 1000 + spec.tv_nsec / 1_000_000
    }

    /// Now as the service writes times: `2026-11-24T13:09:12.087Z`.
    public static func nowISO8601() -> String { WireDate.iso8601(epochMilliseconds: nowMilliseconds()) }
}
