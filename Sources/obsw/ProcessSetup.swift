import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Process-wide settings made before anything else runs.
enum ProcessSetup {
    static func prepare() {
        disableCoreDumps()
        // Past a file size limit a write then fails (EFBIG) and the journal reports it,
        // instead of the signal ending obsw in the middle of a resume.
        signal(SIGXFSZ, SIG_IGN)
        // Diagnostics go to standard error; standard output is for results.
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
    }

    /// The secret key is in this process's memory, so a core file would hold it: none are
    /// written (RLIMIT_CORE 0, which also forbids raising it again).
    static func disableCoreDumps() {
        #if canImport(Glibc)
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none)
        #endif
    }

    /// `OBSW_LOG=debug` traces every request and answer on standard error (signatures and
    /// tokens redacted); `trace`, `info`, `warning`, ... as swift-log names them.
    static var clientLogger: Logger {
        var logger = Logger(label: "obsw.client")
        logger.logLevel = .warning
        if let text = getenv("OBSW_LOG").map({ String(cString: $0) }), !text.isEmpty {
            if let level = Logger.Level(rawValue: text.lowercased()) {
                logger.logLevel = level
            } else {
                printNote("OBSW_LOG '\(text)' is not one of trace, debug, info, notice, warning, error, critical; ignored")
            }
        }
        return logger
    }
}
