import Dispatch
import ObswJSON
import ObswSystem
import OBSWorkflow
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `resume --journal FILE`: what a bulk resume did, one JSON line per event, so a run that
/// is interrupted — Ctrl-C, a kill -9, a full disk — leaves a record the next run reads to
/// resume nothing twice.
///
/// ```
/// {"graph":"thumbnails","execution_name":"exec-0003","intent":"resume","at":"…"}
/// {"graph":"thumbnails","execution_name":"exec-0003","outcome":"resumed","restored_at":"…","at":"…"}
/// {"graph":"thumbnails","pace":243,"throttled":41,"at":"…"}
/// ```
///
/// A pace line is written each second in which the service refused resumes (429/503):
/// the pace then and the refusals so far, for `obsw report`'s chart.
///
/// The protocol: before a restore is sent, its *intent* line is on disk (written and
/// fsynced; intents that arrive together share one fsync). The outcome line follows within
/// 50 ms of the answer. A later run given this journal skips what it records as resumed,
/// and settles each intent without an outcome (the process died between sending and
/// recording) by reading the execution: restored at or after the intent means the restore
/// was applied, so it is not sent again. A write that fails (a full disk) stops the resume
/// from sending anything more: a restore is never sent unless its intent is on disk.
///
/// Without `--journal`, every bulk resume (not a dry run) still keeps one: a new file under
/// `$XDG_STATE_HOME/obsw/journal/` (or `~/.local/state/obsw/journal/`; rehearsals against
/// the embedded emulator, `--local`, under `journal/local/`), named when the resume starts
/// and in its summary, so after an interruption the operator can pass it to `--journal` on
/// the next run. It is created with the first intent: a resume that sends nothing leaves no
/// file. Files older than 30 days are removed when a new one starts.
///
/// Each run that writes to a journal first writes a header line naming the service it
/// talks to: `{"obsw_journal":1,"endpoint":"https://…","local":false,"at":"…"}`. A journal
/// written against another endpoint is refused: its "resumed" lines say nothing about
/// this service's executions.
public final class Journal: @unchecked Sendable {
    public let path: String
    /// Kept by obsw on its own (not given with `--journal`).
    public let isAutomatic: Bool
    /// The service this run talks to, as the header records it.
    let endpoint: String
    let isLocal: Bool
    /// The plan this run carries out (`obsw apply`), recorded in its header.
    let plan: PlanStamp?
    /// Opened at the first write for an automatic journal; at once for a named one.
    private var fd: Int32 = -1
    private var headerWritten = false
    private let writer = DispatchQueue(label: "obsw.journal")

    private struct Pending {
        var lines: [UInt8] = []
        /// Resumes waiting for their intent to be on disk.
        var waiting: [CheckedContinuation<Bool, Never>] = []
        /// A write is scheduled within 50 ms (for outcomes), or at once (for intents).
        var scheduled = false
        var scheduledNow = false
        /// Why the journal can no longer be written, once a write failed.
        var failure: String?
    }

    private let pending = Mutex(Pending())

    public init(path: String, isAutomatic: Bool = false, endpoint: String, isLocal: Bool, plan: PlanStamp? = nil) throws(OperationError) {
        self.path = path
        self.isAutomatic = isAutomatic
        self.endpoint = endpoint
        self.isLocal = isLocal
        self.plan = plan
        // A named journal is read before anything is sent: open (and check) it now.
        if !isAutomatic { fd = try Self.open(path) }
    }

    private static func open(_ path: String) throws(OperationError) -> Int32 {
        // O_NONBLOCK so that a FIFO given by mistake is refused instead of hanging the open.
        let fd = Glibc.open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0o600)
        guard fd >= 0 else {
            throw .journal("resume: cannot open the journal \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw .journal("resume: the journal \(path) is not a regular file")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }

    deinit {
        // No block on the writer queue is left (each holds the journal), and this may run on
        // that queue: flush directly rather than through it.
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// A resume that may have been sent: when (this machine's clock), and when the execution
    /// had last failed before it (the service's clock), if known. A `restored_at` after that
    /// failure can only be this resume: no clock comparison across machines is needed.
    struct Intent {
        var at: Int
        var failedAt: Int?

        /// Whether a restore the service dated `restoredAt` is this resume. When the
        /// execution last failed before the intent is known (the service's own clock, like
        /// `restored_at`), any restore after that is this one. Otherwise the intent's time
        /// on this machine's clock is compared, allowing for skew.
        func isApplied(restoredAt: Int) -> Bool {
            failedAt.map { restoredAt > $0 } ?? (restoredAt >= at - Self.clockAllowanceMilliseconds)
        }

        /// How far a service's `restored_at` may be before the intent and still be this
        /// resume: the clocks of obsw and the service may differ (the service refuses
        /// requests signed more than 15 minutes off, so never by more).
        static let clockAllowanceMilliseconds = 15 * 60_000
    }

    /// What a journal says about one graph.
    struct Contents {
        /// Executions recorded as resumed.
        var resumed: Set<String> = []
        /// Executions whose resume was about to be sent with no outcome recorded after it, or
        /// only a failure: settled by reading the execution.
        var unsettled: [String: Intent] = [:]
        /// Executions recorded as skipped, with why (a plan's stale targets among them).
        var skipped: [String: String] = [:]
        /// Lines that are not journal entries (a torn last line after a crash, or garbage).
        var unreadable = 0
        /// The services the runs that wrote it talked to (from the header lines).
        var endpoints: Set<String> = []
        var local = false
    }

    /// Why this journal must not be used for the service this run talks to, if so.
    func mismatch(_ contents: Contents) -> String? {
        // Each --local run has an emulator of its own on a new port: local matches local.
        if isLocal, contents.local { return nil }
        let others = contents.endpoints.subtracting([endpoint])
        guard let other = others.sorted().first else { return nil }
        return "the journal \(path) was written against \(other)\(contents.local ? " (--local)" : ""), not \(endpoint); "
            + "its entries say nothing about this service's executions. Use another journal (or none)"
    }

    /// What the journal says about `graph`, read line by line (a journal of any size).
    func contents(graph: String) -> Contents {
        var result = Contents()
        guard fd >= 0, let file = try? LineFile(path, what: "the journal") else { return result }
        try? file.forEachLine { line in
            switch JournalLine.decode(line) {
            case .header(let endpoint, let local, _):
                if let endpoint { result.endpoints.insert(endpoint) }
                if local { result.local = true }
            case .pace: break  // nothing to settle
            case .unreadable: result.unreadable += 1
            case .intent(let lineGraph, let name, let at, let failedAt):
                if lineGraph == graph, !result.resumed.contains(name) {
                    result.unsettled[name] = Intent(at: at, failedAt: failedAt)
                }
            case .outcome(let lineGraph, let name, let outcome, let reason, _, _):
                // A failure keeps its intent unsettled: the answer may have been lost after
                // the service applied it, so the next run reads before resending.
                if lineGraph == graph, outcome == .resumed {
                    result.resumed.insert(name)
                    result.unsettled[name] = nil
                    result.skipped[name] = nil
                } else if lineGraph == graph, outcome == .skipped, !result.resumed.contains(name) {
                    result.skipped[name] = reason ?? "skipped"
                }
            }
            return true
        }
        return result
    }

    /// Records intents for resumes about to be sent, with one write and one fsync; true once
    /// they are on disk. False when the journal cannot be written: then they must not be sent. An intent only says the resume *may* be sent, so writing it ahead of the send
    /// is as safe as writing it just before (a rerun reads the execution either way).
    /// Each intent may carry when the execution last failed (`failed_at`, the service's clock).
    func recordIntents(graph: String, _ intents: [(name: String, failedAt: String?)]) async -> Bool {
        let at = WallClock.nowMilliseconds()
        var line: [UInt8] = []
        for (name, failedAt) in intents { line += JournalLine.intent(graph: graph, name: name, failedAt: failedAt, at: at) }
        return await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in
            let schedule = pending.withLock { p -> Bool? in
                if p.failure != nil { return nil }
                p.lines += line
                p.waiting.append(done)
                defer { p.scheduledNow = true }
                return !p.scheduledNow
            }
            switch schedule {
            case nil: done.resume(returning: false)
            case true?: writer.async { [self] in writePending() }
            case false?: break  // the write already scheduled takes it
            }
        }
    }

    /// Appends one result; it reaches the disk within 50 ms, written with the others that
    /// arrived meanwhile (encoding and the write happen off the caller's thread).
    func record(graph: String, _ result: ResumeResult) {
        append(JournalLine.outcome(graph: graph, result, at: WallClock.nowMilliseconds()))
    }

    /// Appends a pace line: the pace in force (requests a second, when paced) and the
    /// refusals absorbed so far. Written with the outcomes, within 50 ms.
    func recordPace(graph: String, _ status: Pacer.Status) {
        append(JournalLine.pace(graph: graph, status, at: WallClock.nowMilliseconds()))
    }

    private func append(_ line: [UInt8]) {
        let schedule = pending.withLock { p -> Bool in
            guard p.failure == nil else { return false }
            p.lines += line
            defer { p.scheduled = true }
            return !p.scheduled
        }
        if schedule { writer.asyncAfter(deadline: .now() + .milliseconds(50)) { [self] in writePending() } }
    }

    /// Waits until everything recorded so far is on disk; the reason when it could not be.
    @discardableResult
    func flush() -> String? {
        writer.sync { writePending() }
        return failure
    }

    /// Why the journal could not be written, once a write failed.
    var failure: String? { pending.withLock { $0.failure } }

    /// On the writer queue: one write (O_APPEND: lines from several processes never
    /// interleave) and one fsync for everything pending; then the intents waiting on it go on.
    private func writePending() {
        var (bytes, waiting) = pending.withLock { p -> ([UInt8], [CheckedContinuation<Bool, Never>]) in
            p.scheduled = false
            p.scheduledNow = false
            defer {
                p.lines = []
                p.waiting = []
            }
            return (p.lines, p.waiting)
        }
        guard !bytes.isEmpty else { return }
        var problem: String?
        if fd < 0 {
            do throws(OperationError) { fd = try Self.open(path) } catch { problem = error.description }
        }
        if problem == nil, !headerWritten {
            bytes = header() + bytes
            headerWritten = true
        }
        var offset = 0
        while problem == nil, offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                problem = n < 0 ? String(cString: strerror(errno)) : "nothing written"
                break
            }
            offset += n
        }
        if problem == nil, fsync(fd) != 0 { problem = String(cString: strerror(errno)) }
        if let problem {
            pending.withLock { p in
                if p.failure == nil { p.failure = problem }
            }
        }
        for done in waiting { done.resume(returning: problem == nil) }
    }

    /// The first line this run writes: which service the entries after it are about.
    private func header() -> [UInt8] {
        JournalLine.header(endpoint: endpoint, local: isLocal, plan: plan, at: WallClock.nowMilliseconds())
    }
}

extension Journal {
    static let keptDays = 30

    /// The journal of one resume: the file given with `--journal`, else a new automatic one
    /// (none for a dry run, or when the state folder cannot be written — said in a note).
    /// - Parameter environment: where the state folder is (`XDG_STATE_HOME`, `HOME`).
    public static func forResume(
        graph: String, path: String?, dryRun: Bool, endpoint: String, isLocal: Bool, environment: [String: String],
        progress: any OperationProgress
    ) throws(OperationError) -> Journal? {
        if let path { return try Journal(path: path, endpoint: endpoint, isLocal: isLocal) }
        guard !dryRun else { return nil }
        switch automatic(graph: graph, environment: environment, endpoint: endpoint, isLocal: isLocal) {
        case .success(let journal): return journal
        case .failure(let why):
            progress.note("no journal kept for this resume (\(why.description))")
            return nil
        }
    }

    /// The folder of automatic journals for an environment; rehearsals (`--local`) apart.
    public static func directory(environment: [String: String], isLocal: Bool = false) -> String {
        LocalState.directory(environment: environment) + (isLocal ? "/journal/local" : "/journal")
    }

    /// A new journal for a resume of `graph`, or why none could be made.
    static func automatic(
        graph: String, environment: [String: String], endpoint: String, isLocal: Bool
    ) -> Result<Journal, OperationError> {
        let folder = directory(environment: environment, isLocal: isLocal)
        guard LocalState.makeDirectories(folder) else {
            return .failure(.journal("cannot create \(folder): \(String(cString: strerror(errno)))"))
        }
        removeOld(in: folder)
        let safe = ResumeLock.safeName(graph)
        let stamp = WallClock.nowISO8601().filter { $0 != ":" && $0 != "-" }.prefix(15)  // 20261124T214100
        // Unique even for two resumes in the same second of one process (the shell).
        let path = "\(folder)/\(safe.prefix(80))-\(stamp)-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16)).jsonl"
        do { return .success(try Journal(path: path, isAutomatic: true, endpoint: endpoint, isLocal: isLocal)) } catch {
            return .failure(error)
        }
    }

    private static func removeOld(in folder: String) {
        let cutoff = (WallClock.nowMilliseconds() / 1000 - keptDays * 86_400) * 1_000_000_000
        for entry in Directory.entries(of: folder) where entry.name.hasSuffix(".jsonl") && entry.modified < cutoff {
            unlink(entry.path)
        }
    }
}
