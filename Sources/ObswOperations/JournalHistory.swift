import ObswJSON
import ObswSystem
import OBSWorkflow

#if canImport(Glibc)
import Glibc
#endif

/// A bulk resume's journal read whole, for `obsw report`: which executions were resumed
/// and when, what came of each, and how the service's refusals went — in the order the
/// journal recorded them. (A resume reads a journal differently: `Journal.contents` keeps
/// only what decides what to send.)
public struct JournalHistory: Sendable {
    /// One execution of one graph: its last intent and its last outcome.
    public struct Entry: Sendable {
        public var graph: String
        public var name: String
        /// When its resume was about to be sent (epoch ms); nil if only an outcome is recorded.
        public var intentAt: Int?
        /// When the execution had last failed before that intent (the service's clock), if known.
        public var failedAt: Int?
        /// `resumed`, `failed`, `skipped` …; nil: an intent and nothing recorded after (a kill).
        public var outcome: ResumeResult.Outcome?
        public var reason: String?
        /// When the outcome was recorded (epoch ms).
        public var outcomeAt: Int?

        /// One execution of one graph, as a dictionary key.
        public var key: String { Self.key(graph: graph, name: name) }
        static func key(graph: String, name: String) -> String { graph + "\u{0}" + name }
    }

    /// A pace line: the pace in force and the refusals absorbed so far.
    public struct PaceSample: Sendable {
        public var graph: String
        public var at: Int
        public var pace: Int?
        public var throttled: Int
    }

    public var path: String
    public var endpoints: [String] = []
    /// Written against the embedded emulator (`--local`).
    public var local = false
    /// The plans its runs carried out (`obsw apply`), in the order first applied.
    public var plans: [PlanStamp] = []
    public var entries: [Entry] = []
    public var pace: [PaceSample] = []
    /// Lines that are not journal entries (a torn last line after a crash, or garbage).
    public var unreadable = 0

    /// Reads the journal at `path` line by line; an error says why it cannot be read or
    /// holds no entry. Its size is bounded only by the memory this machine has.
    public static func read(_ path: String) throws(OperationError) -> JournalHistory {
        let file: LineFile
        do { file = try LineFile(path, what: "the journal") } catch {
            throw .journal(error.description)
        }
        // About as much memory as the file's size is kept (each entry is a line or two of
        // it): a journal larger than what the machine has free is refused, not half read.
        if let available = availableMemoryBytes(), file.size > available {
            throw .journal(
                "the journal \(path) is \(file.size >> 20) MB; reading it needs about as much memory, and this machine has \(available >> 20) MB free")
        }
        var history = JournalHistory(path: path)
        var index: [String: Int] = [:]
        func position(_ graph: String, _ name: String) -> Int {
            let key = Entry.key(graph: graph, name: name)
            if let known = index[key] { return known }
            history.entries.append(Entry(graph: graph, name: name))
            index[key] = history.entries.count - 1
            return history.entries.count - 1
        }
        do {
            try file.forEachLine { line in
                switch JournalLine.decode(line) {
                case .header(let endpoint, let local, let plan):
                    if let endpoint, !history.endpoints.contains(endpoint) { history.endpoints.append(endpoint) }
                    if local { history.local = true }
                    if let plan, !history.plans.contains(plan) { history.plans.append(plan) }
                case .pace(let graph, let at, let pace, let throttled):
                    history.pace.append(PaceSample(graph: graph, at: at, pace: pace, throttled: throttled))
                case .intent(let graph, let name, let at, let failedAt):
                    let entry = position(graph, name)
                    history.entries[entry].intentAt = at
                    history.entries[entry].failedAt = failedAt
                case .outcome(let graph, let name, let outcome, let reason, _, let at):
                    // A later run's outcome replaces an earlier one (a failure, then resumed).
                    let entry = position(graph, name)
                    history.entries[entry].outcome = outcome
                    history.entries[entry].reason = reason
                    history.entries[entry].outcomeAt = at
                case .unreadable:
                    history.unreadable += 1
                }
                return true
            }
        } catch {
            throw .journal(error.description)
        }
        guard !history.entries.isEmpty else {
            throw .journal(
                "the journal \(path) records no resume\(history.unreadable == 1 ? " (1 line could not be read)" : history.unreadable > 1 ? " (\(history.unreadable) lines could not be read)" : "")")
        }
        return history
    }

    /// Where resumes keep their journals by themselves (`--local`: the rehearsals').
    public static func folder(environment: [String: String], local: Bool) -> String {
        Journal.directory(environment: environment, isLocal: local)
    }

    /// The newest journal a resume kept by itself (`--local`: of the rehearsals), if any.
    public static func latest(environment: [String: String], local: Bool) -> String? {
        Directory.entries(of: folder(environment: environment, local: local))
            .filter { $0.isRegularFile && $0.name.hasSuffix(".jsonl") }
            .max { ($0.modified, $0.path) < ($1.modified, $1.path) }?.path
    }
}
