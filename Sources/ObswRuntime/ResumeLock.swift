import OBSWorkflow
import ObswLang

#if canImport(Glibc)
import Glibc
#endif

/// One bulk resume at a time per endpoint and graph, across processes: an advisory lock
/// (`flock`) on `STATE/locks/ENDPOINT--GRAPH.lock`, held from the eligibility check to the
/// last answer. Two resumes of one graph side by side each see the same FAILED executions
/// and resume them twice (the service accepts a restore of an execution that failed again);
/// with the lock the second waits (`--wait-lock`) or stops with the first one's pid.
/// The kernel releases the lock when its process ends, however it ends.
final class ResumeLock {
    let path: String
    private let fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// Takes the lock for `graph` at `endpoint`, waiting for it when `wait`; nil (with a note)
    /// when the state folder cannot be written.
    static func acquire(
        endpoint: String, graph: String, wait: Bool, interrupt: InterruptFlag, progress: ProgressReporter,
        environment: [String: String]
    ) throws(ScriptError) -> ResumeLock? {
        let folder = LocalState.directory(environment: environment) + "/locks"
        guard LocalState.makeDirectories(folder) else {
            progress.note("resume \(graph): no lock against a second resume of it (cannot create \(folder): \(String(cString: strerror(errno))))")
            return nil
        }
        let path = "\(folder)/\(safeName(endpoint))--\(safeName(graph)).lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0o600)
        var info = stat()
        guard fd >= 0, fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            if fd >= 0 { close(fd) }
            progress.note("resume \(graph): no lock against a second resume of it (\(path) is not a usable file)")
            return nil
        }
        var said = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                close(fd)
                throw ScriptError(.runtime, "resume \(graph): cannot lock \(path): \(String(cString: strerror(errno)))")
            }
            let holder = holderText(fd)
            guard wait else {
                close(fd)
                throw ScriptError(
                    .runtime,
                    "resume \(graph): another resume of \(graph) against \(endpoint) is running (\(holder)); "
                        + "wait for it to finish, or pass --wait-lock to wait",
                    code: .serviceError, details: ["lock": .string(path)])
            }
            if !said {
                progress.note("resume \(graph): another resume of \(graph) is running (\(holder)); waiting for it (--wait-lock)")
                said = true
            }
            if interrupt.isRaised {
                close(fd)
                interrupt.clear()
                throw ScriptError(.interrupted, "interrupted while waiting for another resume of \(graph)", code: .interrupted)
            }
            usleep(100_000)
        }
        // Who holds it, for the one that has to wait.
        let text = Array("pid \(getpid()), since \(WireDate.iso8601(epochMilliseconds: WallClock.nowMilliseconds()))\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return ResumeLock(path: path, fd: fd)
    }

    private static func holderText(_ fd: Int32) -> String {
        var bytes = [UInt8](repeating: 0, count: 200)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        let text = n > 0 ? String(decoding: bytes[0..<n].prefix { $0 != 0x0A }, as: UTF8.self) : ""
        return text.isEmpty ? "another obsw process" : text
    }

    /// `http://127.0.0.1:9000` → `http_127.0.0.1_9000`: a file name that says what it names
    /// (lock files here, journal files in `Journal.automatic`).
    static func safeName(_ text: String) -> String {
        String(text.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar))
                ? Character(scalar) : "_"
        }.prefix(100))
    }
}
