extension JSONValue {
    /// Compact JSON text, keys in their stored order.
    public var jsonText: String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The UTF-8 bytes of `jsonText`, for request and response bodies.
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        write(to: &out)
        return out
    }

    /// - Parameter sdkStyle: write as `sdkStyleJSONBytes` describes instead of compactly.
    public func write(to out: inout [UInt8], sdkStyle: Bool = false) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            // JSON has no NaN or infinity; null is the conventional stand-in.
            out.append(contentsOf: (d.isFinite ? "\(d)" : "null").utf8)
        case .string(let s):
            if sdkStyle { JSONValue.writeASCIIString(s, to: &out) } else { JSONValue.writeString(s, to: &out) }
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if i > 0, sdkStyle { out.append(UInt8(ascii: " ")) }
                item.write(to: &out, sdkStyle: sdkStyle)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            var first = true
            for (key, value) in members {
                if !first { out.append(contentsOf: sdkStyle ? ", ".utf8 : ",".utf8) }
                first = false
                if sdkStyle { JSONValue.writeASCIIString(key, to: &out) } else { JSONValue.writeString(key, to: &out) }
                out.append(contentsOf: sdkStyle ? ": ".utf8 : ":".utf8)
                value.write(to: &out, sdkStyle: sdkStyle)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `s` as a JSON string literal (quotes and escapes), appended to `out`.
    public static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSONValue {
    /// JSON as Python's `json.dumps`/`simplejson.dumps` write it by default — `", "` and
    /// `": "` between items, every non-ASCII character as `\uXXXX` (surrogate pairs above
    /// U+FFFF) — which is what the Huawei Cloud SDK sends and signs.
    public var sdkStyleJSONBytes: [UInt8] {
        var out: [UInt8] = []
        write(to: &out, sdkStyle: true)
        return out
    }

    private static func writeASCIIString(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        func escape(_ unit: UInt16) {
            out.append(contentsOf: "\\u".utf8)
            for shift in [12, 8, 4, 0] { out.append(hex[Int(unit >> UInt16(shift) & 0xF)]) }
        }
        out.append(UInt8(ascii: "\""))
        for unit in s.utf16 {
            switch unit {
            case 0x22: out.append(contentsOf: "\\\"".utf8)
            case 0x5C: out.append(contentsOf: "\\\\".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0x08: out.append(contentsOf: "\\b".utf8)
            case 0x0C: out.append(contentsOf: "\\f".utf8)
            case 0x20..<0x7F: out.append(UInt8(unit))
            default: escape(unit)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSONObject {
    public var jsonText: String { JSONValue.object(self).jsonText }
}
