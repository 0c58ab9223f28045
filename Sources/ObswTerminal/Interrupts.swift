import CShellSignals
import Dispatch
import ObswSystem

/// Ctrl-C and SIGTERM, the one way obsw takes them: C handlers that only record the signal
/// (`Sources/CShellSignals`), and a watcher that turns a recorded one into the interrupt flag
/// the engine and the bulk operations poll. A script installs the handlers for SIGINT and
/// SIGTERM; the shell installs its SIGINT handler on the thread that reads lines (a read
/// blocked in libedit then returns with EINTR).
public enum Interrupts {
    /// For scripts (no terminal to read): SIGINT and SIGTERM set the flag.
    public static func installForScripts() { _ = obsw_install_script_interrupts() }

    /// For the shell: makes the calling thread the shell thread and installs the flag-only
    /// SIGINT handler (no SA_RESTART), once per process.
    public static func installForShell() { _ = obsw_install_sigint() }

    /// Whether Ctrl-C (or SIGTERM, for scripts) arrived since the last call; clears it.
    public static func take() -> Bool { obsw_take_interrupt() != 0 }
}

/// While code runs, turns Ctrl-C or SIGTERM (the flag the C handler sets) into the
/// engine's interrupt, which loops, calls, `sleep`, `wait` and `resume` all poll.
public final class InterruptWatcher: @unchecked Sendable {
    private let flag: InterruptFlag
    private let done = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// A Ctrl-C that arrived before is kept: the shell's line reader took any typed at the
    /// prompt, so one pending here was pressed after Enter, to stop what is starting.
    public init(flag: InterruptFlag) {
        self.flag = flag
        OSThread.start { [self] in
            while done.wait(timeout: .now() + .milliseconds(20)) == .timedOut {
                if Interrupts.take() { self.flag.raise() }
            }
            finished.signal()
        }
    }

    public func stop() {
        done.signal()
        finished.wait()
    }
}
