import OrderedCollections
import Synchronization

/// The variables of one function activation (or of the top level). Closures keep the frame
/// they were made in, so inner functions see and update outer variables.
final class Frame {
    /// Unchecked: the interpreter never holds two accesses to one frame's slots at once, and
    /// dynamic exclusivity checks cost ~10% of a loop-heavy script.
    @exclusivity(unchecked) var slots: [Value]
    let parent: Frame?

    init(size: Int, parent: Frame?) {
        slots = [Value](repeating: .null, count: size)
        self.parent = parent
    }
}

/// Compiled code: evaluates against a frame.
typealias Code = (Frame) throws(Unwind) -> Value

/// How evaluation leaves the normal path. Typed throws keep this as cheap as a return.
enum Unwind: Error {
    case breakLoop
    case continueLoop
    case returned(Value)
    case failure(ScriptError)
    case exit(Int32)
}

/// An error raised while a script runs; `catch e` binds it as a map.
public struct ScriptError: Error, Sendable {
    /// `user` (throw), `service`, `network`, `timeout`, `runtime`, `interrupted`.
    public enum Kind: String, Sendable { case user, service, network, timeout, runtime, interrupted }

    public var kind: Kind
    public var message: String
    public var code: DiagnosticCode
    public var span: Span
    /// More fields for `catch`: `code`, `status`, `request_id`, `execution_name`, ...
    public var details: ValueMap
    /// For `throw {..}` of a map: the thrown value itself.
    public var thrown: Value?

    public init(_ kind: Kind, _ message: String, code: DiagnosticCode = .typeError, span: Span = .none, details: ValueMap = [:]) {
        self.kind = kind
        self.message = message
        self.code = code
        self.span = span
        self.details = details
    }

    /// What `catch e` binds: `{kind, message, ...details}`.
    public var value: Value {
        if case .map(var m)? = thrown {
            if m["kind"] == nil { m["kind"] = .string(kind.rawValue) }
            if m["message"] == nil { m["message"] = .string(message) }
            return .map(m)
        }
        var map: ValueMap = ["kind": .string(kind.rawValue), "message": .string(message)]
        for (key, value) in details { map[key] = value }
        return .map(map)
    }

    /// The error as the runner and the shell print it; a `hint` in the details (how to fix
    /// a wrong key or a skewed clock) becomes a note under it.
    public var diagnostic: Diagnostic {
        var notes: [String] = []
        if case .string(let hint)? = details["hint"] { notes.append("hint: " + hint) }
        return Diagnostic(code, message, at: span, notes: notes)
    }

    static func runtime(_ message: String, _ span: Span, code: DiagnosticCode = .typeError) -> Unwind {
        .failure(ScriptError(.runtime, message, code: code, span: span))
    }
}

/// A command call after its arguments are evaluated.
public struct CommandInvocation: Sendable {
    public var name: String
    public var positional: [Value]
    /// Options in order; a flag has a nil value.
    public var options: [(name: String, value: Value?)]
    public var span: Span
    /// False for a command written as a statement of its own outside a function, whose
    /// value nothing reads (`resume g $failed` rather than `let r = resume g $failed`).
    public var resultKept = true

    public func option(_ name: String) -> Value?? {
        options.last(where: { $0.name == name }).map { $0.value }
    }

    public func flag(_ name: String) -> Bool {
        options.contains { $0.name == name }
    }

    public func all(_ name: String) -> [Value] { options.filter { $0.name == name }.compactMap(\.value) }
}

/// Runs the commands the language itself does not know (the service commands).
public protocol CommandHost: AnyObject {
    var catalog: any CommandCatalog { get }
    /// Runs a command to completion. It may block; the engine runs on a thread of its own.
    func run(_ invocation: CommandInvocation, engine: Engine) throws(ScriptError) -> Value
    /// What failed in a command's `value`, when nothing will read it (`resume g $failed` as
    /// a statement of its own): a line the runner reports before it exits 3. Nil: nothing
    /// failed, or nothing to say.
    func failures(of invocation: CommandInvocation, value: Value) -> String?
    /// Restores the embedded emulator granted, per execution (`emulator_restores()`); nil
    /// when the service is not the embedded emulator.
    var emulatorRestores: [(graph: String, execution: String, restores: Int)]? { get }
}

extension CommandHost {
    public func failures(of invocation: CommandInvocation, value: Value) -> String? { nil }
    public var emulatorRestores: [(graph: String, execution: String, restores: Int)]? { nil }
}

/// Where an engine's output and check results go; the runner and the shell format them their way.
public protocol EngineDelegate: AnyObject {
    /// Text for standard output (`print`); ends with a newline.
    func write(_ text: String)
    /// A line for standard error (`log`), without its newline.
    func log(_ line: String)
    /// An `assert` or `expect` failed.
    func checkFailed(_ failure: CheckResult)
    /// An `assert` or `expect` held; called only when the engine `reportsEveryCheck`.
    func checkPassed(_ check: CheckResult)
    /// Warnings about code that is about to run (it runs all the same).
    func warn(_ diagnostics: [Diagnostic])
}

extension EngineDelegate {
    public func warn(_ diagnostics: [Diagnostic]) {}
    public func checkPassed(_ check: CheckResult) {}
}

/// An `assert`/`expect` that ran: whether it held, where, the check's text, its message (for
/// a failure, or for any check when the engine reports every one), and for a failed
/// comparison both sides.
public struct CheckResult: Sendable {
    public var passed = false
    public var hard: Bool
    public var span: Span
    public var text: String
    public var message: String?
    public var left: Value?
    public var right: Value?

    public init(
        passed: Bool = false, hard: Bool, span: Span = .none, text: String, message: String? = nil, left: Value? = nil,
        right: Value? = nil
    ) {
        self.passed = passed
        self.hard = hard
        self.span = span
        self.text = text
        self.message = message
        self.left = left
        self.right = right
    }

    /// `assert failed: TEXT`, then the message and both sides when known, indented: what the
    /// runner (after a location) and the shell print.
    public var report: [String] {
        var lines = ["\(hard ? "assert" : "expect") failed: \(text)"]
        if let message { lines.append("    \(message)") }
        if let left, let right {
            lines.append("    left:  \(left.literalText)")
            lines.append("    right: \(right.literalText)")
        }
        return lines
    }
}
