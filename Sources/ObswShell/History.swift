import ObswSystem

#if canImport(Glibc)
import Glibc
#endif

/// Shell history kept across sessions in `$XDG_STATE_HOME/obsw/history` (or
/// `~/.local/state/obsw/history`), mode 0600.
///
/// Each entered line is appended under an exclusive lock, so several shells open at once
/// keep all of each other's lines; when the file grows past twice `limit` entries it is
/// compacted to the newest `limit`. Lines that would store a secret are never written.
/// One entry a line; newlines and backslashes inside an entry are escaped.
public final class ShellHistory: @unchecked Sendable {
    public let path: String
    public let limit: Int
    /// The configured secret key and token themselves: a line holding one is never written,
    /// whatever words surround it (`let k = "Zx9…"`).
    let secrets: [String]

    public init(path: String, limit: Int = 5000, secrets: [String] = []) {
        self.path = path
        self.limit = limit
        // Very short values would match ordinary text; real keys are far longer.
        self.secrets = secrets.filter { $0.count >= 8 }
    }

    /// The history file for an environment.
    public static func defaultPath(environment: [String: String]) -> String {
        LocalState.directory(environment: environment) + "/history"
    }

    /// Entries, oldest first (at most `limit`).
    public func load() -> [String] {
        guard let bytes = readAll() else { return [] }
        let entries = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { Self.unescape(String($0)) }
        return Array(entries.suffix(limit))
    }

    /// Appends one entry unless it is empty or looks like it holds a secret.
    @discardableResult
    public func append(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: " \t")
        guard !trimmed.isEmpty, !Self.holdsSecret(trimmed), !secrets.contains(where: { line.contains($0) }) else { return false }
        ensureDirectory()
        // Another shell may compact (rename over) the file between our open and our lock:
        // then our descriptor is the old file, and a line written there would be lost.
        for _ in 0..<10 {
            let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            flock(fd, LOCK_EX)
            defer { flock(fd, LOCK_UN) }
            var held = stat(), current = stat()
            guard fstat(fd, &held) == 0, stat(path, &current) == 0, held.st_ino == current.st_ino else { continue }
            fchmod(fd, 0o600)
            let record = Array((Self.escape(line) + "\n").utf8)
            let written = record.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            compactIfNeeded(lockedDescriptor: fd)
            return written == record.count
        }
        return false
    }

    /// Words that mark a line as carrying a credential: such lines stay out of the file.
    static let secretMarkers = [
        "secret", "security_token", "security-token", "obs_security_token", "password", "passwd", "sk=", "token=",
        "authorization",
    ]

    public static func holdsSecret(_ line: String) -> Bool {
        let lower = line.lowercased()
        return secretMarkers.contains { lower.contains($0) }
    }

    /// Called with the exclusive lock held: reads through that same descriptor (a second
    /// open and lock of the file would wait on ourselves).
    private func compactIfNeeded(lockedDescriptor fd: Int32) {
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 64 else { return }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n == bytes.count else { return }
        let count = bytes.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
        guard count > 2 * limit else { return }
        // Rewrite through a temporary file and rename, so a crash leaves one whole file.
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").suffix(limit)
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let text = Array((lines.joined(separator: "\n") + "\n").utf8)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        rename(temporary, path)
    }

    private func readAll() -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        flock(fd, LOCK_SH)
        defer { flock(fd, LOCK_UN) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    private func ensureDirectory() {
        LocalState.makeDirectories("/" + path.split(separator: "/").dropLast().joined(separator: "/"))
    }

    static func escape(_ line: String) -> String {
        line.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }

    static func unescape(_ text: String) -> String {
        var out = ""
        var escaping = false
        for c in text {
            if escaping {
                out.append(c == "n" ? "\n" : c)
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
