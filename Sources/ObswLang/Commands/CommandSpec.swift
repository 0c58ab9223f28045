import ObswJSON

/// What a command is: its positional arguments (names and how many), its options with their
/// types, defaults and which go together. The parser, the compiler's checks, `help`, the
/// usage line, the shell's completion, the man page and the handler's defaults all come from
/// this one declaration; the host pairs it with the handler.
public struct CommandSpec: Sendable {
    public struct Option: Sendable {
        public var name: String
        /// nil for a flag (`--dry-run`); otherwise what the value is called (`N`, `DURATION`).
        public var valueName: String?
        /// What the value must be; checked at compile time for a literal, at the call otherwise.
        public var type: OptionType
        /// May be given several times (`--input k=v --input k2=v2`).
        public var repeatable: Bool
        /// Must be given.
        public var required: Bool
        /// The value a handler gets when the option is not given (`Arguments` reads it from
        /// here); help, the man page and the usage show it.
        public var defaultValue: Value?
        /// Options this one only makes sense with (`--max-refail` needs `--canary`): a call
        /// without them is refused when the script is checked, before anything runs.
        public var requires: [String]
        /// Options this one cannot go with (`--plan` resumes nothing, so not with `--dry-run`):
        /// refused as `requires` is.
        public var excludes: [String]
        public var summary: String

        /// An option with a typed value (or `.flag`).
        public init(
            _ name: String, _ type: OptionType, value: String? = nil, repeatable: Bool = false, required: Bool = false,
            default defaultValue: Value? = nil, requires: [String] = [], excludes: [String] = [], _ summary: String
        ) {
            self.name = name
            self.type = type
            self.valueName = type == .flag ? nil : (value ?? type.valueName)
            self.repeatable = repeatable
            self.required = required
            self.defaultValue = defaultValue
            self.requires = requires
            self.excludes = excludes
            self.summary = summary
        }

        /// An option whose value is passed on as given, unchecked (`value` given), or a flag.
        public init(_ name: String, value: String? = nil, repeatable: Bool = false, _ summary: String) {
            self.init(name, value == nil ? .flag : .any, value: value, repeatable: repeatable, summary)
        }

        /// The default as help writes it (`8`, `15m`, `50%`, `terminal`).
        public var defaultText: String? {
            switch defaultValue {
            case nil: return nil
            case .float(let share)? where type == .percent:
                return share == share.rounded() ? "\(Int(share))%" : "\(share)%"
            case let value?: return value.displayText
            }
        }

        /// The line help and the man page show for it: the summary, and the default.
        public var help: String { summary + (defaultText.map { " (default \($0))" } ?? "") }

        /// `--concurrency N`, `--dry-run`.
        public var written: String { "--\(name)" + (valueName.map { " \($0)" } ?? "") }

        /// The values Tab offers, when they are a fixed set.
        public var choices: [String] {
            if case .choice(let values) = type { return values }
            return []
        }

        /// Checks a value given to this option: its checked form, or the message that says
        /// what it takes (the same at compile time and at run time).
        public func accept(_ value: Value) -> Result<Value, OptionError> {
            type.accept(value).mapError { OptionError(message: "--\(name) takes \($0.accepted), not \($0.shown)", accepted: type.acceptedValues) }
        }
    }

    /// Why a value does not fit an option.
    public struct OptionError: Error, Sendable {
        public var message: String
        /// The values it accepts, when they are a fixed set (a note under the message).
        public var accepted: [String]
    }

    /// What a positional argument names, for completion; the last kind repeats.
    public enum ArgumentKind: Sendable {
        case graph, execution, helpTopic, other
    }

    public var name: String
    public var summary: String
    public var options: [Option]
    /// The positional arguments' names, as the usage writes them (`GRAPH`, `TARGET`); the
    /// last one repeats when `arguments` has no upper bound.
    public var argumentNames: [String]
    /// How many positional arguments are accepted.
    public var arguments: ClosedRange<Int>

    /// What each positional argument names (the last repeats); empty when nothing in particular.
    public var argumentKinds: [ArgumentKind]

    public init(
        _ name: String, _ summary: String, arguments names: [String] = [], count: ClosedRange<Int>? = nil,
        kinds: [ArgumentKind] = [], options: [Option] = []
    ) {
        self.name = name
        self.summary = summary
        self.argumentNames = names
        self.arguments = count ?? names.count...names.count
        self.argumentKinds = kinds
        self.options = options
    }

    /// `resume GRAPH TARGET... [--concurrency N] [--canary N [--max-refail P%]]`, made from
    /// the declaration: required arguments bare, optional ones in brackets, the last with
    /// `...` when it repeats; required options bare; an option that needs another inside
    /// that one's brackets.
    public var usage: String {
        var words = [name]
        for (index, argument) in argumentNames.enumerated() {
            let repeats = index == argumentNames.count - 1 && arguments.upperBound == Int.max
            let word = argument + (repeats ? "..." : "")
            words.append(index < arguments.lowerBound ? word : "[\(word)]")
        }
        func written(_ option: Option) -> String {
            let needing = options.filter { $0.requires.contains(option.name) }
            let inner = ([option.written] + needing.map { "[\(written($0))]" }).joined(separator: " ")
            return inner
        }
        for option in options where option.requires.isEmpty {
            let text = written(option)
            words.append(option.required ? text : "[\(text)]" + (option.repeatable ? "..." : ""))
        }
        return words.joined(separator: " ")
    }

    /// What the positional argument at `index` names.
    public func kind(ofArgument index: Int) -> ArgumentKind {
        guard let last = argumentKinds.last else { return .other }
        return index < argumentKinds.count ? argumentKinds[index] : last
    }

    public func option(_ name: String) -> Option? { options.first { $0.name == name } }

    /// What is wrong with the set of options given, whatever their values: one that needs
    /// another that is missing, or a required one missing. The same at compile time and at
    /// the call.
    /// - Returns: each problem, with the option given that needs another (nil for a
    ///   required option missing).
    public func missingOptions(given: Set<String>) -> [(option: String?, message: String)] {
        var problems: [(option: String?, message: String)] = []
        for option in options where given.contains(option.name) {
            for needed in option.requires where !given.contains(needed) {
                let value = self.option(needed)?.valueName.map { " \($0)" } ?? ""
                problems.append((option.name, "\(name): --\(option.name) goes with --\(needed)\(value)"))
            }
            for excluded in option.excludes where given.contains(excluded) {
                problems.append((option.name, "\(name): --\(option.name) cannot go with --\(excluded)"))
            }
        }
        for option in options where option.required && !given.contains(option.name) {
            problems.append((nil, "\(name): --\(option.name) is required"))
        }
        return problems
    }
}

/// The commands a host offers; the language's own (`print`, `sleep`, ...) come first.
public protocol CommandCatalog: Sendable {
    func command(named name: String) -> CommandSpec?
    var commands: [CommandSpec] { get }
}

public struct StaticCatalog: CommandCatalog {
    public let commands: [CommandSpec]
    private let byName: [String: CommandSpec]

    public init(_ commands: [CommandSpec]) {
        self.commands = commands
        var byName: [String: CommandSpec] = [:]
        for c in commands { byName[c.name] = c }
        self.byName = byName
    }

    public func command(named name: String) -> CommandSpec? { byName[name] }
}

/// The types an option's value can have.
public enum OptionType: Sendable, Equatable {
    case flag
    /// Any value, passed on as given (a host that checks it itself).
    case any
    /// Any word or number, as text.
    case string
    /// A whole number in a range (from an int, or text of one).
    case int(ClosedRange<Int>)
    /// At least zero: `30s`, `15m`, `500ms`, or a number of seconds.
    case duration
    /// One of fixed words, matched without regard to case; the checked value is spelled as declared.
    case choice([String])
    /// A point in time: an ISO-8601 UTC time, or a time value.
    case time
    /// A share from 0 to 100: `50`, `50%` or `"12.5%"`; the checked value is a float.
    case percent
    /// A point in time, or a duration meaning that long before the call (`--since 30d`):
    /// the checked value is a time or a duration (the handler subtracts it from now).
    case timeOrAgo

    /// What `help` shows for the value.
    var valueName: String {
        switch self {
        case .flag: ""
        case .any: "VALUE"
        case .string: "WORD"
        case .int: "N"
        case .duration: "DURATION"
        case .choice(let values): values.joined(separator: "|")
        case .time: "TIME"
        case .timeOrAgo: "DURATION|TIME"
        case .percent: "P%"
        }
    }

    var acceptedValues: [String] {
        if case .choice(let values) = self { return values }
        return []
    }

    /// What was wrong: what the option takes, and the value as the message shows it.
    public struct Mismatch: Error, Sendable {
        var accepted: String
        var shown: String
    }

    /// The value in its checked form: an int, a duration in milliseconds, a choice as
    /// declared, a time, or text.
    public func accept(_ value: Value) -> Result<Value, Mismatch> {
        switch self {
        case .flag:
            return value.isNull ? .success(.null) : .failure(Mismatch(accepted: "no value", shown: value.literalText))
        case .any:
            return .success(value)
        case .string:
            switch value {
            case .string(let s): return .success(.string(s))
            case .int(let n): return .success(.string(String(n)))
            default: return .failure(Mismatch(accepted: "a word", shown: value.literalText))
            }
        case .int(let range):
            var number: Int?
            switch value {
            case .int(let n): number = n
            case .string(let s): number = Int(s)
            case .float(let d) where d == d.rounded(): number = Int(exactly: d)
            default: number = nil
            }
            guard let n = number, range.contains(n) else {
                let upper = range.upperBound == Int.max ? "or more" : "to \(range.upperBound)"
                return .failure(Mismatch(accepted: "a whole number from \(range.lowerBound) \(upper)", shown: value.literalText))
            }
            return .success(.int(n))
        case .duration:
            let accepted = "a duration like 30s or 15m"
            switch value {
            case .duration(let ms) where ms >= 0: return .success(.duration(ms))
            case .int(let n) where n >= 0 && n <= Int.max / 1000: return .success(.duration(n * 1000))
            case .float(let d) where d >= 0 && d.isFinite && d < 9e15: return .success(.duration(Int(d * 1000)))
            case .string(let text):
                if let ms = Value.parseDuration(text), ms >= 0 { return .success(.duration(ms)) }
                if let seconds = Int(text), seconds >= 0, seconds <= Int.max / 1000 { return .success(.duration(seconds * 1000)) }
                return .failure(Mismatch(accepted: accepted, shown: value.literalText))
            default: return .failure(Mismatch(accepted: accepted, shown: value.literalText))
            }
        case .choice(let values):
            let text: String
            switch value {
            case .string(let s): text = s
            case .int(let n): text = String(n)
            default: text = value.literalText
            }
            if let match = values.first(where: { $0.lowercased() == text.lowercased() }) { return .success(.string(match)) }
            let list = values.count > 1 ? values.dropLast().joined(separator: ", ") + " or " + values.last! : values.joined()
            return .failure(Mismatch(accepted: list, shown: "'\(text)'"))
        case .time:
            switch value {
            case .time: return .success(value)
            case .string(let s):
                if let ms = WireDate.parseISO8601(s) { return .success(.time(ms)) }
                fallthrough
            default:
                return .failure(Mismatch(accepted: "an ISO-8601 UTC time like 2026-11-24T13:00:00Z", shown: value.literalText))
            }
        case .percent:
            var share: Double?
            switch value {
            case .int(let n): share = Double(n)
            case .float(let d): share = d
            case .string(let s):
                let text = s.hasSuffix("%") ? String(s.dropLast()) : s
                share = Double(text).flatMap { $0.isFinite ? $0 : nil }
            default: share = nil
            }
            guard let share, (0...100).contains(share) else {
                return .failure(Mismatch(accepted: "a percentage from 0% to 100%", shown: value.literalText))
            }
            return .success(.float(share))
        case .timeOrAgo:
            if case .success(let time) = OptionType.time.accept(value) { return .success(time) }
            if case .success(let ago) = OptionType.duration.accept(value) { return .success(ago) }
            return .failure(
                Mismatch(
                    accepted: "a time like 2026-11-24T13:00:00Z or a duration like 30d (that long ago)",
                    shown: value.literalText))
        }
    }
}
