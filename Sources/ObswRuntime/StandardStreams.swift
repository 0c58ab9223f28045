#if canImport(Glibc)
import Glibc
#endif

/// Standard output and error, written with `write(2)` in whole: progress, notes, tables and
/// diagnostics from every layer go through these, never through buffered `print` that a
/// live progress line could interleave with.
public func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            return
        }
        if n == 0 { return }
        offset += n
    }
}

/// A line on standard error (the newline is added).
public func writeError(_ line: String) { writeAll(2, Array((line + "\n").utf8)) }

/// Text on standard output, as it is.
public func writeOut(_ text: String) { writeAll(1, Array(text.utf8)) }
