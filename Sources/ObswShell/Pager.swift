import ObswTerminal
import ObswSystem
import ObswText

#if canImport(Glibc)
import Glibc
#endif

/// Long values in the shell go through `$PAGER` (default `less -FRX`: quits at once when
/// the text fits, keeps colours, leaves the text on the screen).
enum Pager {
    /// The pager command, or nil when paging is off (`PAGER` set to empty or `cat`).
    static func command() -> String? {
        if let value = getenv("PAGER").map({ String(cString: $0) }) {
            let trimmed = value.trimmingBlanks
            return trimmed.isEmpty || trimmed == "cat" ? nil : trimmed
        }
        return "less -FRX"
    }

    /// Shows `text` in the pager; false when the pager could not be started (then the
    /// caller prints it).
    static func show(_ text: String) -> Bool {
        guard let command = command() else { return false }
        // `sh -c` when the pager is not found: 127. Then print as usual.
        guard let status = ChildProcess.shell(command, input: Array(text.utf8)) else { return false }
        return status != 127
    }
}
