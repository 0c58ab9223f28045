#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file read line by line in pieces, so its size is bounded only by what the
/// caller keeps of it (a journal of millions of lines is streamed, not loaded). A FIFO or a
/// device is refused at once: reading one could block forever or never end.
public final class LineFile {
    public let path: String
    /// The size when it was opened.
    public let size: Int
    private let fd: Int32

    /// Opens `path`; `what` names it in messages (`the journal`).
    public init(_ path: String, what: String) throws(FileError) {
        // Non-blocking, so that opening a FIFO does not wait for a writer.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw FileError("cannot read \(what) \(path): \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw FileError("cannot read \(what) \(path): \(why)")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw FileError("\(what) \(path) is not a regular file (\(Self.kind(info.st_mode))); give the file itself")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        self.path = path
        self.fd = fd
        size = Int(info.st_size)
    }

    deinit { close(fd) }

    /// Calls `body` with each line (without its `\n`; a last line without one too), from
    /// where the file was read up to; once. `body` returns false to stop early.
    public func forEachLine(_ body: (ArraySlice<UInt8>) -> Bool) throws(FileError) {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var carry: [UInt8] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            var start = 0
            var index = 0
            while index < n {
                if buffer[index] == 0x0A {
                    if carry.isEmpty {
                        if !body(buffer[start..<index]) { return }
                    } else {
                        carry += buffer[start..<index]
                        if !body(carry[...]) { return }
                        carry.removeAll(keepingCapacity: true)
                    }
                    start = index + 1
                }
                index += 1
            }
            if start < n { carry += buffer[start..<n] }
        }
        if !carry.isEmpty { _ = body(carry[...]) }
    }

    /// The whole file, refused past `limit` bytes (a file that grew while read included).
    public func bytes(limit: Int) throws(FileError) -> [UInt8] {
        guard size <= limit else { throw FileError("\(path) is larger than \(limit >> 20) MiB") }
        var result: [UInt8] = []
        result.reserveCapacity(size)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { return result }
            result += buffer[0..<n]
            guard result.count <= limit else { throw FileError("\(path) is larger than \(limit >> 20) MiB") }
        }
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFDIR: "a directory"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }
}

/// Memory the system could give this process now (`MemAvailable`), when it says.
public func availableMemoryBytes() -> Int? {
    #if os(Linux)
    guard let file = try? LineFile("/proc/meminfo", what: "memory information") else { return nil }
    var kilobytes: Int?
    try? file.forEachLine { line in
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("MemAvailable:") else { return true }
        kilobytes = Int(text.dropFirst("MemAvailable:".count).split(separator: " ").first ?? "")
        return false
    }
    return kilobytes.map { $0 * 1024 }
    #else
    return nil
    #endif
}
