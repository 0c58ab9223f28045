/// Checks a JSON document against a JSON Schema (draft 2020-12), the subset obsw's own
/// schemas use: `type`, `properties`, `required`, `additionalProperties`, `items`,
/// `minItems`, `minProperties`, `enum`, `const`, `minimum`, `maximum`, `minLength`,
/// `pattern`, `anyOf`, `oneOf`, `allOf` and `$ref` to `#/$defs/NAME`. Annotations
/// (`title`, `description`, `$id`, `format`, `examples`) are read past.
///
/// Each problem names where it is as a path a person can follow in the file —
/// `graphs[0].executions[12].state_map` — not as a JSON pointer.
public struct JSONSchema: Sendable {
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// `graphs[0].executions[12].state_map`; empty for the document itself.
        public var path: String
        public var message: String
        public var description: String { path.isEmpty ? message : "\(path): \(message)" }
    }

    let root: JSONValue
    /// Each `pattern` compiled once (a scenario is checked hundreds of thousands of times).
    private let patterns: [String: TextPattern]

    public init(_ schema: JSONValue) {
        root = schema
        var patterns: [String: TextPattern] = [:]
        var pending = [schema]
        while let value = pending.popLast() {
            if let members = value.objectValue {
                if let text = members["pattern"]?.stringValue, let pattern = try? TextPattern(text) { patterns[text] = pattern }
                pending.append(contentsOf: members.values)
            } else if let items = value.arrayValue {
                pending.append(contentsOf: items)
            }
        }
        self.patterns = patterns
    }

    /// Where the check stands, made into text only for a problem (most values have none).
    struct Path {
        enum Part {
            case key(String)
            case index(Int)
        }

        var parts: [Part] = []

        var text: String {
            var text = ""
            for part in parts {
                switch part {
                case .key(let key): text = JSONSchema.path(text, key: key)
                case .index(let index): text = JSONSchema.path(text, index: index)
                }
            }
            return text
        }
    }

    /// Every problem, in document order, up to `limit`.
    public func problems(in document: JSONValue, limit: Int = 20) -> [Problem] {
        var found: [Problem] = []
        var path = Path()
        check(document, against: root, path: &path, into: &found, limit: limit)
        return found
    }

    /// Appends `.key` or `["odd key"]` to a path.
    public static func path(_ path: String, key: String) -> String {
        let plain = !key.isEmpty && key.unicodeScalars.allSatisfy {
            ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
        if plain { return path.isEmpty ? key : "\(path).\(key)" }
        return "\(path)[\(JSONValue.string(key).jsonText)]"
    }

    public static func path(_ path: String, index: Int) -> String { "\(path)[\(index)]" }

    private func resolve(_ schema: JSONValue) -> JSONValue {
        guard let reference = schema["$ref"]?.stringValue, reference.hasPrefix("#/$defs/") else { return schema }
        return root["$defs"]?[String(reference.dropFirst("#/$defs/".count))] ?? .bool(true)
    }

    private func check(_ value: JSONValue, against given: JSONValue, path: inout Path, into found: inout [Problem], limit: Int) {
        guard found.count < limit else { return }
        let schema = resolve(given)
        if case .bool(let accepts) = schema {
            if !accepts { found.append(Problem(path: path.text, message: "is not allowed here")) }
            return
        }
        guard case .object(let rules) = schema else { return }
        func fail(_ message: String) { found.append(Problem(path: path.text, message: message)) }

        if let type = rules["type"] {
            let names = type.arrayValue?.compactMap(\.stringValue) ?? type.stringValue.map { [$0] } ?? []
            if !names.contains(where: { Self.has(value, type: $0) }) {
                fail("must be \(names.map(Self.article).joined(separator: " or ")), not \(Self.describe(value))")
                return
            }
        }
        if let allowed = rules["enum"]?.arrayValue, !allowed.contains(value) {
            fail("must be one of \(allowed.map(\.jsonText).joined(separator: ", ")), not \(value.jsonText)")
            return
        }
        if let wanted = rules["const"], wanted != value {
            fail("must be \(wanted.jsonText), not \(value.jsonText)")
            return
        }
        if let reference = rules["$ref"] { check(value, against: resolve(["$ref": reference]), path: &path, into: &found, limit: limit) }
        for part in rules["allOf"]?.arrayValue ?? [] { check(value, against: part, path: &path, into: &found, limit: limit) }
        if let options = rules["anyOf"]?.arrayValue ?? rules["oneOf"]?.arrayValue {
            var best: [Problem]?
            var matched = 0
            for option in options {
                var trial: [Problem] = []
                check(value, against: option, path: &path, into: &trial, limit: limit)
                if trial.isEmpty { matched += 1 } else if best == nil || Self.deeper(trial, than: best!) { best = trial }
            }
            if matched == 0, let best {
                found.append(contentsOf: best.prefix(limit - found.count))
                return
            }
            if rules["oneOf"] != nil, matched > 1 { fail("matches more than one of the allowed shapes") }
        }
        switch value {
        case .string(let text):
            if let least = rules["minLength"]?.intValue, text.count < least {
                fail(least == 1 ? "must not be empty" : "must be at least \(least) characters long")
            }
            if let pattern = rules["pattern"]?.stringValue, let compiled = patterns[pattern], !compiled.matches(text) {
                fail(rules["description"]?.stringValue.map { "\(value.jsonText) is not \($0)" } ?? "\(value.jsonText) does not match \(pattern)")
            }
        case .int, .double:
            let number = value.doubleValue ?? 0
            if let least = rules["minimum"]?.doubleValue, number < least { fail("must be at least \(Self.number(least)), not \(value.jsonText)") }
            if let most = rules["maximum"]?.doubleValue, number > most { fail("must be at most \(Self.number(most)), not \(value.jsonText)") }
        case .array(let items):
            if let least = rules["minItems"]?.intValue, items.count < least {
                fail("must have at least \(least) item\(least == 1 ? "" : "s")")
            }
            if let itemSchema = rules["items"] {
                for (index, item) in items.enumerated() {
                    path.parts.append(.index(index))
                    check(item, against: itemSchema, path: &path, into: &found, limit: limit)
                    path.parts.removeLast()
                    if found.count >= limit { return }
                }
            }
        case .object(let members):
            if let least = rules["minProperties"]?.intValue, members.count < least {
                fail("must have at least \(least) member\(least == 1 ? "" : "s")")
            }
            for name in rules["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                fail("needs '\(name)'")
            }
            let properties = rules["properties"]?.objectValue ?? [:]
            for (key, member) in members {
                path.parts.append(.key(key))
                defer { path.parts.removeLast() }
                if let memberSchema = properties[key] {
                    check(member, against: memberSchema, path: &path, into: &found, limit: limit)
                } else if let extra = rules["additionalProperties"] {
                    if extra == .bool(false) {
                        let known = properties.keys.sorted().joined(separator: ", ")
                        found.append(Problem(path: path.text, message: "is not a field here (known: \(known))"))
                    } else {
                        check(member, against: extra, path: &path, into: &found, limit: limit)
                    }
                }
                if found.count >= limit { return }
            }
        default: break
        }
    }

    /// Of two failed alternatives, the one whose problem lies deeper explains more.
    private static func deeper(_ a: [Problem], than b: [Problem]) -> Bool {
        (a.map(\.path.count).max() ?? 0) > (b.map(\.path.count).max() ?? 0)
    }

    private static func has(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object),
            ("number", .int), ("number", .double), ("integer", .int):
            return true
        case ("integer", .double(let d)): return d.rounded() == d
        default: return false
        }
    }

    private static func article(_ type: String) -> String {
        switch type {
        case "null": return "null"
        case "array", "object", "integer": return "an \(type)"
        default: return "a \(type)"
        }
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .int, .double: return "the number \(value.jsonText)"
        case .string(let s): return "the string \(JSONValue.string(s.count > 40 ? String(s.prefix(40)) + "…" : s).jsonText)"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    private static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}
