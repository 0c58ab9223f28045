import Foundation
import ObswRuntime

#if canImport(Glibc)
import Glibc
#endif

/// Long values in the shell go through `$PAGER` (default `less -FRX`: quits at once when
/// the text fits, keeps colours, leaves the text on the screen).
enum Pager {
    /// The pager command, or nil when paging is off (`PAGER` set to empty or `cat`).
    static func command() -> String? {
        if let value = getenv("PAGER").map({ String(cString: $0) }) {
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty || trimmed == "cat" ? nil : trimmed
        }
        return "less -FRX"
    }

    /// Shows `text` in the pager; false when the pager could not be started (then the
    /// caller prints it).
    static func show(_ text: String) -> Bool {
        guard let command = command() else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let input = Pipe()
        process.standardInput = input
        do { try process.run() } catch { return false }
        // The pager may quit before reading everything (q in less): a write to the closed
        // pipe must fail, not end the shell.
        let previous = signal(SIGPIPE, SIG_IGN)
        writeAll(input.fileHandleForWriting.fileDescriptor, Array(text.utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        signal(SIGPIPE, previous)
        // `sh -c` when the pager is not found: 127. Then print as usual.
        return process.terminationStatus != 127
    }
}
