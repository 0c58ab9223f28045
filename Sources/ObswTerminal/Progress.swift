#if canImport(Glibc)
import Glibc
#endif
import ObswOperations
import ObswText
import Synchronization

/// One self-rewriting status line on standard error while a long command runs, when that
/// is a terminal; nothing otherwise. The closing summary is printed either way.
public final class ProgressReporter: OperationProgress {
    private let live: Bool
    private let enabled: Bool
    private let lastDraw = Mutex<ContinuousClock.Instant?>(nil)

    private init(live: Bool, enabled: Bool) {
        self.live = live
        self.enabled = enabled
    }

    /// Draws nothing and prints no summary.
    public static let quiet = ProgressReporter(live: false, enabled: false)

    /// Live progress when standard error is a terminal; summaries always.
    public static func standardError() -> ProgressReporter {
        ProgressReporter(live: isatty(2) != 0, enabled: true)
    }

    /// Whether `update` draws anything (building the line can be skipped when not).
    public var isLive: Bool { live }

    public func update(_ line: String) {
        guard live else { return }
        // At most ten redraws a second.
        let now = ContinuousClock.now
        let draw = lastDraw.withLock { last -> Bool in
            if let last, now - last < .milliseconds(100) { return false }
            last = now
            return true
        }
        // The line names executions and quotes the service: its controls are shown, not obeyed.
        if draw { emit("\r\u{1B}[K" + Escape.terminal(line)) }
    }

    /// A one-line note on standard error (not in silent mode).
    public func note(_ text: String) {
        guard enabled else { return }
        if live { emit("\r\u{1B}[K") }
        emit("obsw: " + Escape.terminalLines(text) + "\n")
    }

    public func finish(_ summary: String?) {
        guard enabled else { return }
        if live { emit("\r\u{1B}[K") }
        if let summary { emit(Escape.terminalLines(summary) + "\n") }
    }

    private func emit(_ text: String) { writeAll(2, Array(text.utf8)) }
}

