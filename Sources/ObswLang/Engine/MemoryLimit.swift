import ObswSystem
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The most memory a script may hold: past it, the script stops with a clear runtime error
/// instead of eating the machine (`let s = "x"; while true { s = s + s }`). Two guards:
///
/// - before a `+` builds a string or list, its size is checked (doubling is caught before
///   the allocation that would swamp the machine);
/// - a watcher samples the process's resident memory every 50 ms while a script runs and,
///   past the limit, raises the engine's interrupt flag with this reason (growth by many
///   small values, which no single operation shows).
///
/// `OBSW_MEMORY_LIMIT` sets it (`512MB`, `8GB`, `0` for none); the default is 4 GB.
public enum MemoryLimit {
    public static let defaultBytes = 4 << 30
    private static let current = Atomic<Int>(defaultBytes)

    /// The limit in bytes; 0 means none.
    public static var bytes: Int {
        get { current.load(ordering: .relaxed) }
        set { current.store(max(0, newValue), ordering: .relaxed) }
    }

    /// `512MB`, `8GB`, `1024KB`, `0`; nil when the text is none of these.
    public static func parse(_ text: String) -> Int? {
        let units: [(String, Int)] = [("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30), ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30)]
        let upper = text.uppercased()
        if upper == "0" { return 0 }
        for (unit, factor) in units where upper.hasSuffix(unit) {
            guard let n = Int(upper.dropLast(unit.count)), n > 0 else { return nil }
            let (bytes, overflow) = n.multipliedReportingOverflow(by: factor)
            return overflow ? nil : bytes
        }
        return nil
    }

    /// Reads `OBSW_MEMORY_LIMIT`; the text of a bad value, to report.
    @discardableResult
    public static func configureFromEnvironment() -> String? {
        guard let raw = getenv("OBSW_MEMORY_LIMIT") else { return nil }
        let text = String(cString: raw)
        guard let bytes = parse(text) else { return text }
        self.bytes = bytes
        return nil
    }

    /// The error for a value of `bytes` (or a process of that size) past the limit.
    static func exceeded(_ bytes: Int, what: String, _ span: Span) -> Unwind {
        .failure(ScriptError(
            .runtime,
            "\(what) \(megabytes(bytes)) MB, more than the memory limit of \(megabytes(Self.bytes)) MB "
                + "(OBSW_MEMORY_LIMIT sets it, e.g. 8GB)",
            code: .memoryLimit, span: span))
    }

    static func megabytes(_ bytes: Int) -> Int { bytes >> 20 }

    /// Checks the size a `+` would build: bytes of text, or list elements of 32 bytes.
    @inline(__always)
    static func check(resultBytes: Int, _ span: Span) throws(Unwind) {
        let limit = bytes
        if limit > 0, resultBytes > limit { throw exceeded(resultBytes, what: "this value would need", span) }
    }

    /// Resident memory of this process, in bytes (Linux); nil where it cannot be read.
    static func residentBytes() -> Int? {
        let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        let fields = buffer[0..<n].split(separator: 0x20)
        guard fields.count >= 2, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// Samples resident memory while a script runs; past the limit it raises the interrupt flag
/// with the memory reason, which the engine turns into a runtime error where it polls.
final class MemoryWatch: @unchecked Sendable {
    private let running = Atomic<Bool>(true)

    init(flag: InterruptFlag) {
        DispatchQueue(label: "obsw.memory-watch").async { [self] in
            while running.load(ordering: .relaxed) {
                let limit = MemoryLimit.bytes
                if limit > 0, let resident = MemoryLimit.residentBytes(), resident > limit {
                    flag.raise(memory: resident)
                }
                usleep(50_000)
            }
        }
    }

    func stop() { running.store(false, ordering: .relaxed) }
}
