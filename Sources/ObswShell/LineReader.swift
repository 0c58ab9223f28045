/// What reading one line gave.
public enum LineInput: Equatable, Sendable {
    case line(String)
    /// Ctrl-C while typing: the line is dropped.
    case interrupted
    /// Ctrl-D on an empty line, or the end of input.
    case end
}

/// Reads lines for the shell: `EditLineReader` on a terminal, `PlainLineReader` otherwise.
public protocol LineReader: AnyObject {
    func read(prompt: String) -> LineInput
    /// Records a line for recall with the up arrow.
    func remember(_ line: String)
    /// Gives the terminal back as it was (before a pager runs, and at exit).
    func suspend()
}

extension LineReader {
    public func suspend() {}
}

/// Lines from any text source, with no prompt and no editing (tests, pipes).
public final class PlainLineReader: LineReader {
    private var lines: [String]
    public private(set) var prompts: [String] = []

    public init(text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
    }

    public func read(prompt: String) -> LineInput {
        prompts.append(prompt)
        guard !lines.isEmpty else { return .end }
        return .line(lines.removeFirst())
    }

    public func remember(_ line: String) {}
}
