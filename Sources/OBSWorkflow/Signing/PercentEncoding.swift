/// Percent-encoding as the official Python SDK does it (`urllib.parse.quote`).
///
/// Unreserved bytes (`A-Z a-z 0-9 _ . - ~`) and the given extra safe bytes stay; every
/// other UTF-8 byte becomes `%XX` with upper-case hex. The path is signed exactly as it is
/// sent, so client, emulator and SDK must agree to the byte.
public enum PercentEncoding {
    private static let hex = Array("0123456789ABCDEF".utf8)

    public static func encode(_ text: String, keeping safe: String = "") -> String {
        let safeBytes = Array(safe.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || safeBytes.contains(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One path segment (a workflow, template or execution name): `/` is encoded too, so a
    /// name can never change which resource a request addresses.
    public static func encodePathSegment(_ text: String) -> String { encode(text) }

    /// A query value: `/` kept, as the SDK does.
    public static func encodeQueryValue(_ text: String) -> String { encode(text, keeping: "/") }

    /// Decodes `%XX` sequences; `nil` when a sequence is malformed or the result is not UTF-8.
    /// `+` is left alone: OBS query strings use `%20` for spaces.
    public static func decode(_ text: some StringProtocol) -> String? {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard let high = bytes.popFirst().flatMap(hexValue), let low = bytes.popFirst().flatMap(hexValue) else {
                    return nil
                }
                out.append(high << 4 | low)
            } else {
                out.append(byte)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
