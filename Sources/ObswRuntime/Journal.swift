import ObswJSON
import ObswLang

#if canImport(Glibc)
import Glibc
#endif

/// `resume --journal FILE`: one JSON line per resumed (or failed) execution, appended and
/// flushed to disk as each answer arrives, so a run that is interrupted — or crashes —
/// leaves a record the next run reads to skip what was already resumed.
///
/// ```
/// {"graph":"thumbnails","execution_name":"exec-0003","outcome":"resumed","restored_at":"…","at":"…"}
/// ```
final class Journal: @unchecked Sendable {
    let path: String
    private let fd: Int32

    init(path: String) throws(ScriptError) {
        self.path = path
        fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ScriptError(.runtime, "resume: cannot open the journal \(path): \(String(cString: strerror(errno)))", code: .badArgument)
        }
    }

    deinit { close(fd) }

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

    /// Appends one result and flushes it to disk before returning.
    func record(graph: String, _ result: ValueMap) {
        var entry: JSONObject = ["graph": .string(graph)]
        for key in ["execution_name", "outcome", "restored_at", "reason"] {
            if let value = result[key], !value.isNull { entry[key] = .string(value.displayText) }
        }
        entry["at"] = .string(ISOClock.now())
        let line = JSONValue.object(entry).jsonBytes + [0x0A]
        flock(fd, LOCK_EX)
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        flock(fd, LOCK_UN)
    }
}

enum ISOClock {
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return JSONBridge.jsonLenient(.time(spec.tv_sec * 1000 + spec.tv_nsec / 1_000_000)).stringValue ?? ""
    }
}
