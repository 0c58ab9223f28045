#if canImport(Glibc)
import Glibc
#endif
import ObswSystem

/// Standard output and error, written with `write(2)` in whole: progress, notes, tables and
/// diagnostics from every layer go through these, never through buffered `print` that a
/// live progress line could interleave with.
public func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    // Standard streams have nowhere to report their own failure.
    _ = writeFully(fd, bytes)
}

/// A line on standard error (the newline is added).
public func writeError(_ line: String) { writeAll(2, Array((line + "\n").utf8)) }

/// Text on standard output, as it is.
public func writeOut(_ text: String) { writeAll(1, Array(text.utf8)) }

/// Columns of the terminal on standard output (120 when it cannot be told).
public func terminalColumns() -> Int {
    var size = winsize()
    guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 120 }
    return Int(size.ws_col)
}

/// Rows of the terminal on standard output; nil when it is not a terminal.
public func terminalRows() -> Int? {
    var size = winsize()
    guard isatty(1) != 0, ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 else { return nil }
    return Int(size.ws_row)
}
