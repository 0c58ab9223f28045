#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file cannot be read, or is refused or could not be written: a message that
/// names the file and says what to change.
public struct FileError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// A file obsw writes for a user — a JUnit report, an HTML page — checked before any work is
/// done and written so that nothing else is clobbered:
///
/// - a regular file, or a name that does not exist yet, is replaced atomically: written
///   beside it under a temporary name, synced, then renamed over it, keeping its mode. A
///   symbolic link stays a link: the file it points to is what gets replaced.
/// - a character device or a FIFO (`/dev/null`, `/dev/stdout`, a shell's `>(gzip > x.gz)`)
///   is written through, never replaced (as root, a rename would replace `/dev/null` itself
///   with a regular file). A FIFO that nothing reads is refused at once instead of blocking
///   after the work is done. A path through `/dev/fd`, `/dev/stdout` or `/proc` is a stream
///   the caller set up, so it is written through (appended) even when it ends at a file.
/// - an empty path, a directory, a block device or socket, a folder this user cannot write,
///   or a file this same command reads (the journal of `obsw report J --html J`, the script
///   of `obsw run --junit S S`) is refused with a message naming the option.
public final class OutputFile: @unchecked Sendable {
    /// The path as the user gave it (for messages).
    public let path: String

    private enum Destination {
        /// Replace the file at this path (symbolic links resolved); its mode and owner, if it exists.
        case replace(String, existing: stat?)
        /// Write to this open descriptor (a device, a FIFO, a stream).
        case through(Int32)
    }

    private var destination: Destination

    private init(path: String, destination: Destination) {
        self.path = path
        self.destination = destination
    }

    deinit {
        if case .through(let fd) = destination, fd >= 0 { close(fd) }
    }

    /// Checks `path` for `option` before anything runs; the error says what to change.
    /// - Parameter inputs: files this command reads, which it must never overwrite, each
    ///   with what it is to the user (`the journal`, `the script`).
    public static func prepare(_ path: String, option: String, reading inputs: [(what: String, path: String)] = [])
        throws(FileError)
        -> OutputFile
    {
        func refuse(_ why: String) -> FileError { FileError("\(option) \(quoted(path)): \(why)") }
        guard !path.isEmpty else { throw FileError("\(option) is empty; give a file name") }
        guard !path.hasSuffix("/") else { throw refuse("ends with '/'; give a file name, not a folder") }

        var info = stat()
        if stat(path, &info) == 0 {
            for input in inputs {
                var other = stat()
                if stat(input.path, &other) == 0, other.st_dev == info.st_dev, other.st_ino == info.st_ino {
                    throw refuse("that is \(input.what) this command reads; write to another file")
                }
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: throw refuse("is a directory; give a file name")
            case S_IFBLK: throw refuse("is a block device; obsw writes its reports to files, devices such as /dev/null, or FIFOs")
            case S_IFSOCK: throw refuse("is a socket; obsw writes its reports to files, devices such as /dev/null, or FIFOs")
            case S_IFCHR: return OutputFile(path: path, destination: .through(try openThrough(path, flags: 0, refuse)))
            case S_IFIFO:
                // Non-blocking, so a FIFO no one reads is refused now (ENXIO) rather than
                // hanging after the work; blocking again for the write itself.
                let fd = try openThrough(path, flags: O_NONBLOCK, refuse)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
                return OutputFile(path: path, destination: .through(fd))
            default:
                let chain = try linkChain(path, refuse)
                if chain.contains(where: isStreamPath) {
                    return OutputFile(path: path, destination: .through(try openThrough(path, flags: O_APPEND, refuse)))
                }
                guard let real = realPath(path) else { throw refuse(String(cString: strerror(errno))) }
                try requireWritableFolder(of: real, refuse)
                return OutputFile(path: path, destination: .replace(real, existing: info))
            }
        }
        guard errno == ENOENT else { throw refuse(String(cString: strerror(errno))) }
        // Nothing there yet, or a link to a name that does not exist yet: the file is
        // created where the last link points.
        let chain = try linkChain(path, refuse)
        let target = chain.last ?? path
        if chain.contains(where: isStreamPath) { throw refuse("does not exist") }
        try requireWritableFolder(of: target, refuse)
        return OutputFile(path: path, destination: .replace(target, existing: nil))
    }

    /// Writes the whole output (once).
    public func write(_ bytes: [UInt8]) throws(FileError) {
        let stream = try open()
        do throws(FileError) {
            try stream.append(bytes)
            try stream.commit()
        } catch {
            stream.abandon()
            throw error
        }
    }

    /// Text, as UTF-8.
    public func write(_ text: String) throws(FileError) { try write(Array(text.utf8)) }

    /// Starts writing the output in pieces, for one too large to hold (a snapshot of an
    /// incident). A file is written to a temporary file beside it and renamed into place by
    /// `commit`; `abandon` removes it, so the path never holds half an output.
    public func open() throws(FileError) -> Stream {
        switch destination {
        case .through(let fd):
            guard fd >= 0 else { throw FileError("\(Self.quoted(path)) was already written") }
            destination = .through(-1)
            return Stream(fd: fd, path: path, temporary: nil)
        case .replace(let target, let existing):
            let folder = Directory.folder(of: target)
            let base = target.split(separator: "/").last.map(String.init) ?? "output"
            var template = Array("\(folder)/.\(base.prefix(200)).obsw-XXXXXX".utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else {
                throw FileError("cannot write \(Self.quoted(path)): cannot create a file in \(folder): \(String(cString: strerror(errno)))")
            }
            let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return Stream(fd: fd, path: path, temporary: (temporary, target, existing))
        }
    }

    /// An output being written; `commit` or `abandon` ends it.
    public final class Stream: @unchecked Sendable {
        private var fd: Int32
        private let path: String
        private let temporary: (path: String, target: String, existing: stat?)?
        private var buffer: [UInt8] = []

        fileprivate init(fd: Int32, path: String, temporary: (path: String, target: String, existing: stat?)?) {
            self.fd = fd
            self.path = path
            self.temporary = temporary
        }

        deinit { abandon() }

        /// Appends bytes (written in 256 KiB pieces).
        public func append(_ bytes: [UInt8]) throws(FileError) {
            buffer.append(contentsOf: bytes)
            if buffer.count >= 1 << 18 { try flush() }
        }

        public func append(_ text: String) throws(FileError) { try append(Array(text.utf8)) }

        private func flush() throws(FileError) {
            guard fd >= 0 else { throw FileError("\(OutputFile.quoted(path)) was already written") }
            let problem = temporary == nil ? writeWithoutSIGPIPE(fd, buffer) : writeFully(fd, buffer)
            buffer.removeAll(keepingCapacity: true)
            if let problem { throw FileError("cannot write \(OutputFile.quoted(path)): \(problem)") }
        }

        /// Ends the output: a file takes its place at the path, with the mode an existing
        /// one had (a new one: 0666 less the umask) and, where permitted, its owner.
        public func commit() throws(FileError) {
            try flush()
            guard let temporary else {
                close(fd)
                fd = -1
                return
            }
            var problem: String?
            let mode: mode_t
            if let existing = temporary.existing {
                mode = existing.st_mode & 0o7777
                _ = fchown(fd, existing.st_uid, existing.st_gid)
            } else {
                let mask = umask(0o022)
                umask(mask)
                mode = 0o666 & ~mask
            }
            if fchmod(fd, mode) != 0 { problem = String(cString: strerror(errno)) }
            if problem == nil, fsync(fd) != 0 { problem = String(cString: strerror(errno)) }
            close(fd)
            fd = -1
            if problem == nil, rename(temporary.path, temporary.target) != 0 { problem = String(cString: strerror(errno)) }
            if let problem {
                unlink(temporary.path)
                throw FileError("cannot write \(OutputFile.quoted(path)): \(problem)")
            }
        }

        /// Gives the output up: a temporary file is removed, nothing is left at the path.
        public func abandon() {
            guard fd >= 0 else { return }
            close(fd)
            fd = -1
            if let temporary { unlink(temporary.path) }
        }
    }

    // MARK: Checks

    /// The path and each place its symbolic links lead, in order (at most 40 hops).
    private static func linkChain(_ path: String, _ refuse: (String) -> FileError) throws(FileError) -> [String] {
        var chain = [path]
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return chain }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, buffer.count - 1)
            guard n > 0 else { return chain }
            let text = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = text.hasPrefix("/") ? text : Directory.folder(of: current) + "/" + text
            chain.append(current)
        }
        throw refuse("too many levels of symbolic links")
    }

    /// `/dev/stdout`, `/dev/fd/3`, `/proc/self/fd/1`: a stream set up by the caller.
    private static func isStreamPath(_ path: String) -> Bool {
        path.hasPrefix("/proc/") || path.hasPrefix("/dev/fd/") || path == "/dev/stdout" || path == "/dev/stderr"
    }

    private static func requireWritableFolder(of target: String, _ refuse: (String) -> FileError) throws(FileError) {
        let folder = Directory.folder(of: target)
        var info = stat()
        guard stat(folder, &info) == 0 else {
            throw refuse("its folder \(quoted(folder)) does not exist (\(String(cString: strerror(errno))))")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw refuse("\(quoted(folder)) is not a folder") }
        guard access(folder, W_OK | X_OK) == 0 else { throw refuse("cannot write in \(quoted(folder))") }
    }

    private static func openThrough(_ path: String, flags: Int32, _ refuse: (String) -> FileError) throws(FileError)
        -> Int32
    {
        let fd = Glibc.open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | flags)
        guard fd >= 0 else {
            if errno == ENXIO { throw refuse("nothing reads this FIFO; start its reader first") }
            throw refuse(String(cString: strerror(errno)))
        }
        return fd
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// A path in a message, quoted when it is empty or holds a blank.
    static func quoted(_ path: String) -> String {
        path.isEmpty || path.contains(where: { $0 == " " || $0 == "\t" }) ? "'\(path)'" : path
    }
}
