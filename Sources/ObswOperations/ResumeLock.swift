import OBSWorkflow
import ObswJSON
import ObswSystem

#if canImport(Glibc)
import Glibc
#endif

/// One bulk resume at a time per service and graph, across processes: advisory locks
/// (`flock`) on `STATE/locks/NAME--GRAPH.lock`, held from the eligibility check to the
/// last answer. Two resumes of one graph side by side each see the same FAILED executions
/// and resume them twice (the service accepts a restore of an execution that failed again);
/// with the lock the second waits (`--wait-lock`) or stops with the first one's pid.
///
/// The key is the service's identity, not the spelling of its endpoint: one lock for each
/// name it goes by (`ServiceIdentity.names`: the host as written and each address it
/// resolves to, scheme, port, DWR's project), taken in sorted order so two resumes waiting
/// for each other's names cannot deadlock. `localhost` and `127.0.0.1` share `loopback`.
/// The locks live in this user's state folder on this machine: resumes from another machine,
/// another user or another state folder (`XDG_STATE_HOME`) are not covered
/// (docs/reliability.md). The kernel releases a lock when its process ends, however it ends.
public final class ResumeLock: Sendable {
    public let paths: [String]
    private let fds: [Int32]

    private init(paths: [String], fds: [Int32]) {
        self.paths = paths
        self.fds = fds
    }

    deinit {
        for fd in fds {
            flock(fd, LOCK_UN)
            close(fd)
        }
    }

    /// Takes the locks for `graph` at the service `identity`, waiting for them when `wait`;
    /// nil (with a note) when the state folder cannot be written.
    public static func acquire(
        identity: ServiceIdentity, graph: String, wait: Bool, interrupt: InterruptFlag, progress: any OperationProgress,
        environment: [String: String]
    ) throws(OperationError) -> ResumeLock? {
        let folder = LocalState.directory(environment: environment) + "/locks"
        guard LocalState.makeDirectories(folder) else {
            progress.note("resume \(graph): no lock against a second resume of it (cannot create \(folder): \(String(cString: strerror(errno))))")
            return nil
        }
        let service = identity.endpoint.description + (identity.project.map { " (project \($0))" } ?? "")
        var paths: [String] = []
        var fds: [Int32] = []
        func release() {
            for fd in fds {
                flock(fd, LOCK_UN)
                close(fd)
            }
        }
        for name in identity.names() {
            let path = "\(folder)/\(safeName(name))--\(safeName(graph)).lock"
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0o600)
            var info = stat()
            guard fd >= 0, fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
                if fd >= 0 { close(fd) }
                release()
                progress.note("resume \(graph): no lock against a second resume of it (\(path) is not a usable file)")
                return nil
            }
            var said = false
            while flock(fd, LOCK_EX | LOCK_NB) != 0 {
                guard errno == EWOULDBLOCK || errno == EINTR else {
                    let why = String(cString: strerror(errno))
                    close(fd)
                    release()
                    throw .lockFailed("resume \(graph): cannot lock \(path): \(why)")
                }
                let holder = holderText(fd)
                guard wait else {
                    close(fd)
                    release()
                    throw .lockHeld(graph: graph, service: service, holder: holder, path: path)
                }
                if !said {
                    progress.note("resume \(graph): another resume of \(graph) is running (\(holder)); waiting for it (--wait-lock)")
                    said = true
                }
                if interrupt.isRaised {
                    close(fd)
                    release()
                    interrupt.clear()
                    throw .interrupted("interrupted while waiting for another resume of \(graph)")
                }
                usleep(100_000)
            }
            paths.append(path)
            fds.append(fd)
        }
        // Who holds them, for the one that has to wait.
        let text = Array("pid \(getpid()), since \(WireDate.iso8601(epochMilliseconds: WallClock.nowMilliseconds())), \(service)\n".utf8)
        for fd in fds {
            _ = ftruncate(fd, 0)
            _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
        return ResumeLock(paths: paths, fds: fds)
    }

    private static func holderText(_ fd: Int32) -> String {
        var bytes = [UInt8](repeating: 0, count: 200)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        let text = n > 0 ? String(decoding: bytes[0..<n].prefix { $0 != 0x0A }, as: UTF8.self) : ""
        return text.isEmpty ? "another obsw process" : text
    }

    /// `http_loopback_9000` → itself, `a/b` → `a_b`: a file name that says what it names
    /// (lock files here, journal files in `Journal.automatic`).
    static func safeName(_ text: String) -> String {
        String(text.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar))
                ? Character(scalar) : "_"
        }.prefix(100))
    }
}
