/// What the parser, the resolver and `help` know about a command: its options (and which
/// take a value), how many positional arguments it takes, and its usage line.
public struct CommandSpec: Sendable {
    public struct Option: Sendable {
        public var name: String
        /// nil for a flag (`--dry-run`); otherwise what the value is called (`N`, `DURATION`).
        public var valueName: String?
        /// May be given several times (`--input k=v --input k2=v2`).
        public var repeatable: Bool
        public var summary: String
        /// The values it accepts, when they are a fixed set (the shell completes them).
        public var choices: [String]

        public init(_ name: String, value: String? = nil, repeatable: Bool = false, choices: [String] = [], _ summary: String) {
            self.name = name
            self.valueName = value
            self.repeatable = repeatable
            self.choices = choices
            self.summary = summary
        }
    }

    public var name: String
    /// `resume GRAPH TARGET... [--concurrency N]`
    public var usage: String
    public var summary: String
    public var options: [Option]
    /// How many positional arguments are accepted.
    public var arguments: ClosedRange<Int>

    public init(_ name: String, usage: String, _ summary: String, arguments: ClosedRange<Int>, options: [Option] = []) {
        self.name = name
        self.usage = usage
        self.summary = summary
        self.arguments = arguments
        self.options = options
    }

    public func option(_ name: String) -> Option? { options.first { $0.name == name } }
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
