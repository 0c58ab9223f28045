import Dispatch
import ObswJSON
import ObswLang
import OBSWorkflow
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `resume --journal FILE`: one JSON line per resumed (or failed) execution, written as each
/// answer arrives and flushed to disk within 50 ms (and before the command ends, or stops
/// on Ctrl-C), so a run that is interrupted leaves a record the next run reads to skip
/// what was already resumed.
///
/// ```
/// {"graph":"thumbnails","execution_name":"exec-0003","outcome":"resumed","restored_at":"…","at":"…"}
/// ```
///
/// Writes happen on a queue of their own and disk flushes are grouped: an fsync per answer
/// cut a 10,000-execution resume from 12,000/s to 3,400/s.
///
/// Without `--journal`, every bulk resume (not a dry run) still keeps one: a new file under
/// `$XDG_STATE_HOME/obsw/journal/` (or `~/.local/state/obsw/journal/`), named in the
/// summary, so after an interruption the operator can see what was done and pass it to
/// `--journal` on the next run. Files older than 30 days are removed when a new one starts.
final class Journal: @unchecked Sendable {
    let path: String
    /// Kept by obsw on its own (not given with `--journal`).
    let isAutomatic: Bool
    private let fd: Int32
    private let writer = DispatchQueue(label: "obsw.journal")
    /// Results not yet written, and whether a write is scheduled.
    private let pending = Mutex<(entries: [(graph: String, result: ValueMap, at: Int)], scheduled: Bool)>(([], false))

    init(path: String, isAutomatic: Bool = false) throws(ScriptError) {
        self.path = path
        self.isAutomatic = isAutomatic
        fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ScriptError(.runtime, "resume: cannot open the journal \(path): \(String(cString: strerror(errno)))", code: .badArgument)
        }
    }

    deinit {
        // No block on the writer queue is left (each holds the journal), and this may run on
        // that queue: flush directly rather than through it.
        fsync(fd)
        close(fd)
    }

    /// Executions of `graph` the journal records as resumed.
    func resumed(graph: String) -> Set<String> {
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return [] }
        var names: Set<String> = []
        // A torn last line (a crash mid-write) is skipped, not fatal.
        for line in bytes[0..<n].split(separator: 0x0A) {
            guard let entry = try? JSONParser.parse(Array(line)).objectValue, entry.string("graph") == graph,
                entry.string("outcome") == "resumed", let name = entry.string("execution_name")
            else { continue }
            names.insert(name)
        }
        return names
    }

    /// Appends one result; it reaches the disk within 50 ms, written with the others that
    /// arrived meanwhile (encoding and the write happen off the caller's thread).
    func record(graph: String, _ result: ValueMap) {
        let at = WallClock.nowMilliseconds()
        let schedule = pending.withLock { p -> Bool in
            p.entries.append((graph, result, at))
            defer { p.scheduled = true }
            return !p.scheduled
        }
        if schedule { writer.asyncAfter(deadline: .now() + .milliseconds(50)) { [self] in writePending() } }
    }

    /// Waits until every result recorded so far is on disk.
    func flush() {
        writer.sync { writePending() }
    }

    /// On the writer queue: one write (O_APPEND: lines from several processes never
    /// interleave) and one fsync for everything pending.
    private func writePending() {
        let entries = pending.withLock { p -> [(graph: String, result: ValueMap, at: Int)] in
            p.scheduled = false
            defer { p.entries = [] }
            return p.entries
        }
        guard !entries.isEmpty else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.count * 160)
        for (graph, result, at) in entries {
            // Written field by field: a whole JSON tree per line cost more than the write.
            bytes.append(contentsOf: #"{"graph":"#.utf8)
            JSONValue.writeString(graph, to: &bytes)
            for key in ["execution_name", "outcome", "restored_at", "reason"] {
                guard let value = result[key], !value.isNull else { continue }
                bytes.append(contentsOf: ",\"\(key)\":".utf8)
                JSONValue.writeString(value.displayText, to: &bytes)
            }
            bytes.append(contentsOf: #","at":"#.utf8)
            JSONValue.writeString(WireDate.iso8601(epochMilliseconds: at), to: &bytes)
            bytes.append(contentsOf: "}\n".utf8)
        }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return }
            offset += n
        }
        fsync(fd)
    }
}

extension Journal {
    static let keptDays = 30

    /// The journal of one resume: the file given with `--journal`, else a new automatic one
    /// (none for a dry run, or when the state folder cannot be written — said in a note).
    static func forResume(graph: String, path: String?, dryRun: Bool, progress: ProgressReporter) throws(ScriptError) -> Journal? {
        if let path { return try Journal(path: path) }
        guard !dryRun else { return nil }
        var environment: [String: String] = [:]
        for name in ["XDG_STATE_HOME", "HOME"] { environment[name] = getenv(name).map { String(cString: $0) } }
        switch automatic(graph: graph, environment: environment) {
        case .success(let journal): return journal
        case .failure(let why):
            progress.note("no journal kept for this resume (\(why.message))")
            return nil
        }
    }

    /// The folder of automatic journals for an environment.
    static func directory(environment: [String: String]) -> String {
        LocalState.directory(environment: environment) + "/journal"
    }

    /// A new journal for a resume of `graph`, or why none could be made.
    static func automatic(graph: String, environment: [String: String]) -> Result<Journal, ScriptError> {
        let folder = directory(environment: environment)
        guard LocalState.makeDirectories(folder) else {
            return .failure(ScriptError(.runtime, "cannot create \(folder): \(String(cString: strerror(errno)))"))
        }
        removeOld(in: folder)
        let safe = String(graph.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar))
                ? Character(scalar) : "_"
        })
        let stamp = ISOClock.now().filter { $0 != ":" && $0 != "-" }.prefix(15)  // 20261124T214100
        // Unique even for two resumes in the same second of one process (the shell).
        let path = "\(folder)/\(safe.prefix(80))-\(stamp)-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16)).jsonl"
        do { return .success(try Journal(path: path, isAutomatic: true)) } catch { return .failure(error) }
    }

    private static func removeOld(in folder: String) {
        guard let dir = opendir(folder) else { return }
        defer { closedir(dir) }
        let cutoff = time(nil) - time_t(keptDays * 86_400)
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasSuffix(".jsonl") else { continue }
            var info = stat()
            let path = folder + "/" + name
            if stat(path, &info) == 0, info.st_mtim.tv_sec < cutoff { unlink(path) }
        }
    }
}

enum ISOClock {
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return JSONBridge.jsonLenient(.time(spec.tv_sec * 1000 + spec.tv_nsec / 1_000_000)).stringValue ?? ""
    }
}
