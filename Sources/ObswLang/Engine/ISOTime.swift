/// ISO-8601 UTC text for `time` values, without Foundation.
enum ISOTime {
    static func format(_ epochMilliseconds: Int) -> String {
        let seconds = floorDiv(epochMilliseconds, 1000)
        let millis = epochMilliseconds - seconds * 1000
        let days = floorDiv(seconds, 86400)
        let secondsOfDay = seconds - days * 86400
        let (y, m, d) = civil(days)
        func pad(_ n: Int, _ width: Int = 2) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m))-\(pad(d))T\(pad(secondsOfDay / 3600)):\(pad(secondsOfDay / 60 % 60)):\(pad(secondsOfDay % 60)).\(pad(millis, 3))Z"
    }

    /// `2020-04-23T12:32:11.131Z`, `2020-04-23T12:32:11Z`, `2020-04-23` (midnight UTC), or with `+HH:MM`.
    static func parse(_ text: String) -> Int? {
        let b = Array(text.utf8)
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
        var total = days(y, mo, d) * 86_400_000
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
        guard b[i] == 43 || b[i] == 45, i + 6 == b.count, b[i + 3] == 58, let zh = num(i + 1, 2), let zm = num(i + 4, 2)
        else { return nil }
        let offset = (zh * 60 + zm) * 60_000
        return b[i] == 43 ? total - offset : total + offset
    }

    static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

    static func civil(_ z0: Int) -> (Int, Int, Int) {
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

    static func days(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
