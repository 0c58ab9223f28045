#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// One self-rewriting status line on standard error while a long command runs, when that
/// is a terminal; nothing otherwise. The closing summary is printed either way.
public final class ProgressReporter: Sendable {
    private let live: Bool
    private let enabled: Bool
    private let lastDraw = Mutex<ContinuousClock.Instant?>(nil)

    private init(live: Bool, enabled: Bool) {
        self.live = live
        self.enabled = enabled
    }

    /// Draws nothing and prints no summary (for tests and library use).
    public static let silent = ProgressReporter(live: false, enabled: false)

    /// Live progress when standard error is a terminal; summaries always.
    public static func standardError() -> ProgressReporter {
        ProgressReporter(live: isatty(2) != 0, enabled: true)
    }

    /// Whether `update` draws anything (building the line can be skipped when not).
    var isLive: Bool { live }

    func update(_ line: String) {
        guard live else { return }
        // At most ten redraws a second.
        let now = ContinuousClock.now
        let draw = lastDraw.withLock { last -> Bool in
            if let last, now - last < .milliseconds(100) { return false }
            last = now
            return true
        }
        if draw { emit("\r\u{1B}[K" + line) }
    }

    /// A one-line note on standard error (not in silent mode).
    func note(_ text: String) {
        guard enabled else { return }
        if live { emit("\r\u{1B}[K") }
        emit("obsw: " + text + "\n")
    }

    func finish(_ summary: String?) {
        guard enabled else { return }
        if live { emit("\r\u{1B}[K") }
        if let summary { emit(summary + "\n") }
    }

    private func emit(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}

extension Duration {
    /// Elapsed time as progress lines and summaries show it: `0.4s`, `1.8s`, `1m02s`, `1h05m00s`.
    public var elapsedText: String {
        let (seconds, attoseconds) = components
        let tenths = max(0, seconds * 10 + attoseconds / 100_000_000_000_000_000)
        if tenths < 600 { return "\(tenths / 10).\(tenths % 10)s" }
        let whole = tenths / 10
        let (h, m, s) = (whole / 3600, whole / 60 % 60, whole % 60)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return h > 0 ? "\(h)h\(two(m))m\(two(s))s" : "\(m)m\(two(s))s"
    }
}
