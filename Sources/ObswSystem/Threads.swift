#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread of obsw's own (the engine's, with its large stack; the shell's interrupt
/// watcher), started with the C library rather than Foundation's `Thread`, which would
/// bring Foundation — and with it ICU's tens of megabytes — into a static binary.
public enum OSThread {
    /// Starts `body` on a new detached thread with at least `stackSize` bytes of stack
    /// (0: the system's default).
    public static func start(stackSize: Int = 0, _ body: @escaping () -> Void) {
        final class Work {
            let body: () -> Void
            init(_ body: @escaping () -> Void) { self.body = body }
        }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        if stackSize > 0 { pthread_attr_setstacksize(&attributes, stackSize) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let context = Unmanaged.passRetained(Work(body)).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let started = pthread_create(&thread, &attributes, { context in
            Unmanaged<Work>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, context)
        // Without a thread nothing can run: as fatal as running out of memory.
        precondition(started == 0, "cannot start a thread: \(String(cString: strerror(started)))")
    }
}

/// A child process fed on its standard input (the shell's pager), with the C library's
/// `posix_spawn` rather than Foundation's `Process`.
public enum ChildProcess {
    /// Runs `/bin/sh -c command` with `input` on its standard input and waits for it; its
    /// exit status, or nil when it could not be started.
    public static func shell(_ command: String, input: [UInt8]) -> Int32? {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, ends[0], 0)
        posix_spawn_file_actions_addclose(&actions, ends[0])
        posix_spawn_file_actions_addclose(&actions, ends[1])
        let words: [String] = ["/bin/sh", "-c", command]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, arguments, environ)
        close(ends[0])
        guard spawned == 0 else {
            close(ends[1])
            return nil
        }
        // The pager may quit before reading everything (q in less): the write then fails,
        // it does not end obsw.
        _ = writeWithoutSIGPIPE(ends[1], input)
        close(ends[1])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift cannot import (they are macros).
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}

extension ChildProcess {
    /// Starts `executable` with `arguments`, standard input from /dev/null and standard
    /// output and error to the files at `output` and `errors` (created, mode 0600); SIGINT
    /// and SIGTERM as the system sets them, whatever this process does with them. Its pid,
    /// or the reason it could not start.
    public static func start(_ executable: String, _ arguments: [String], output: String, errors: String) -> Result<pid_t, FileError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let words = [executable] + arguments
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard spawned == 0 else { return .failure(FileError("cannot start \(executable): \(String(cString: strerror(spawned)))")) }
        return .success(pid)
    }

    /// Waits for any child to end: its pid and exit status (128 + N when signal N ended
    /// it), or nil when there is none.
    public static func waitForAny() -> (pid: pid_t, status: Int32)? {
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, 0)
            if pid > 0 { return (pid, status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)) }
            if errno != EINTR { return nil }
        }
    }

    /// This program's own executable (to start more of itself).
    public static var ownExecutable: String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Writes all of `bytes` to `fd`; the problem, if any.
public func writeFully(_ fd: Int32, _ bytes: [UInt8]) -> String? {
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            return String(cString: strerror(errno))
        }
        if n == 0 { return "nothing written" }
        offset += n
    }
    return nil
}

/// A pipe or FIFO whose reader went away answers a write with SIGPIPE, which would end obsw;
/// with the signal blocked on this thread the write fails (EPIPE) instead, and the pending
/// signal is taken away before it is unblocked.
public func writeWithoutSIGPIPE(_ fd: Int32, _ bytes: [UInt8]) -> String? {
    var pipeOnly = sigset_t()
    sigemptyset(&pipeOnly)
    sigaddset(&pipeOnly, SIGPIPE)
    var previous = sigset_t()
    pthread_sigmask(SIG_BLOCK, &pipeOnly, &previous)
    let problem = writeFully(fd, bytes)
    var pending = sigset_t()
    sigpending(&pending)
    if sigismember(&pending, SIGPIPE) == 1 {
        var immediately = timespec(tv_sec: 0, tv_nsec: 0)
        _ = sigtimedwait(&pipeOnly, nil, &immediately)
    }
    pthread_sigmask(SIG_SETMASK, &previous, nil)
    return problem
}
