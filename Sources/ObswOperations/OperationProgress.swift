/// Where an operation says how it goes: a line rewritten while it runs (on a terminal),
/// notes, and a closing summary. The terminal's `ProgressReporter` is one; `silent` shows
/// nothing (tests, library use).
public protocol OperationProgress: Sendable {
    /// Whether `update` shows anything: a line that costs something to build can be skipped.
    var isLive: Bool { get }
    /// The live line, replaced by the next.
    func update(_ line: String)
    /// A note of its own line (`obsw: ...`).
    func note(_ text: String)
    /// Clears the live line; prints the summary, if any.
    func finish(_ summary: String?)
}

/// Shows nothing.
public struct SilentProgress: OperationProgress {
    public init() {}
    public var isLive: Bool { false }
    public func update(_ line: String) {}
    public func note(_ text: String) {}
    public func finish(_ summary: String?) {}
}

extension OperationProgress where Self == SilentProgress {
    public static var silent: SilentProgress { SilentProgress() }
}
