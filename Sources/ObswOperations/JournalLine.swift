import ObswJSON
import OBSWorkflow

/// One line of a resume's journal, as written and as read back: one codec, so the writer
/// and both readers (the next resume's `Journal.contents`, the report's `JournalHistory`)
/// agree on every key.
///
/// ```
/// {"obsw_journal":1,"endpoint":"https://…","local":false,"at":"…"}
/// {"obsw_journal":1,"endpoint":"https://…","local":false,"plan":{"digest":"sha256:…","file":"…",
///  "author":"alice@ops-1","created_at":"…","approvals":[{"by":"bob@ops-2","at":"…"}]},"at":"…"}
/// {"graph":"g","execution_name":"e","intent":"resume","failed_at":"…","at":"…"}
/// {"graph":"g","execution_name":"e","outcome":"resumed","restored_at":"…","at":"…"}
/// {"graph":"g","pace":243,"throttled":41,"at":"…"}
/// ```
///
/// A journal is outside input when it is read (a user may name any file): numbers are
/// kept to ranges no arithmetic on them can overflow, and a line that is not one of these
/// is `unreadable`, never a trap.
enum JournalLine: Equatable {
    /// Which service the lines after it are about, and the plan they carry out (`obsw apply`).
    case header(endpoint: String?, local: Bool, plan: PlanStamp? = nil)
    /// A resume about to be sent (epoch ms), and when the execution last failed before it
    /// (the service's clock), if known.
    case intent(graph: String, name: String, at: Int, failedAt: Int?)
    /// What came of a resume.
    case outcome(graph: String, name: String, outcome: ResumeResult.Outcome, reason: String?, restoredAt: Int?, at: Int)
    /// The pace in force (requests a second) and the refusals absorbed so far.
    case pace(graph: String, at: Int, pace: Int?, throttled: Int)
    case unreadable

    enum Key {
        static let journal = "obsw_journal", endpoint = "endpoint", local = "local", at = "at"
        static let graph = "graph", execution = "execution_name", intent = "intent", failedAt = "failed_at"
        static let outcome = "outcome", restoredAt = "restored_at", reason = "reason"
        static let pace = "pace", throttled = "throttled", plan = "plan"
    }

    /// The largest pace and refusal count kept (beyond any real service; far from overflow).
    static let largestCount = 1_000_000_000_000

    // MARK: Reading

    static func decode(_ bytes: ArraySlice<UInt8>) -> JournalLine {
        guard let entry = try? JSONParser.parse(Array(bytes)).objectValue else { return .unreadable }
        if entry[Key.journal] != nil {
            return .header(
                endpoint: entry.string(Key.endpoint), local: entry[Key.local] == .bool(true),
                plan: entry.object(Key.plan).flatMap(PlanStamp.init(json:)))
        }
        guard let graph = entry.string(Key.graph), let at = entry.string(Key.at).flatMap(WireDate.parseISO8601) else {
            return .unreadable
        }
        if entry[Key.throttled] != nil {
            guard let throttled = entry.int(Key.throttled), (0...largestCount).contains(throttled) else { return .unreadable }
            let pace = entry.int(Key.pace).flatMap { (0...largestCount).contains($0) ? $0 : nil }
            return .pace(graph: graph, at: at, pace: pace, throttled: throttled)
        }
        guard let name = entry.string(Key.execution) else { return .unreadable }
        if entry.string(Key.intent) == "resume" {
            return .intent(graph: graph, name: name, at: at, failedAt: entry.string(Key.failedAt).flatMap(WireDate.parseISO8601))
        }
        guard let outcome = entry.string(Key.outcome).flatMap(ResumeResult.Outcome.init(rawValue:)) else { return .unreadable }
        return .outcome(
            graph: graph, name: name, outcome: outcome, reason: entry.string(Key.reason),
            restoredAt: entry.string(Key.restoredAt).flatMap(WireDate.parseISO8601), at: at)
    }

    // MARK: Writing

    static func header(endpoint: String, local: Bool, plan: PlanStamp? = nil, at: Int) -> [UInt8] {
        var bytes = Array("{\"\(Key.journal)\":1,\"\(Key.endpoint)\":".utf8)
        JSONValue.writeString(endpoint, to: &bytes)
        bytes.append(contentsOf: ",\"\(Key.local)\":\(local)".utf8)
        if let plan {
            bytes.append(contentsOf: ",\"\(Key.plan)\":".utf8)
            JSONValue.object(plan.json).write(to: &bytes)
        }
        return closing(bytes, at: at)
    }

    static func intent(graph: String, name: String, failedAt: String?, at: Int) -> [UInt8] {
        var fields = [(Key.intent, "resume")]
        if let failedAt, !failedAt.isEmpty { fields.append((Key.failedAt, failedAt)) }
        return entry(graph: graph, name: name, fields: fields, at: at)
    }

    static func outcome(graph: String, _ result: ResumeResult, at: Int) -> [UInt8] {
        var fields = [(Key.outcome, result.outcome.rawValue)]
        if let restoredAt = result.restoredAt { fields.append((Key.restoredAt, WireDate.iso8601(epochMilliseconds: restoredAt))) }
        if let reason = result.reason { fields.append((Key.reason, reason)) }
        return entry(graph: graph, name: result.execution, fields: fields, at: at)
    }

    static func pace(graph: String, _ status: Pacer.Status, at: Int) -> [UInt8] {
        var bytes = Array("{\"\(Key.graph)\":".utf8)
        JSONValue.writeString(graph, to: &bytes)
        let pace = status.rate.map { String(Int($0.rounded())) } ?? "null"
        bytes.append(contentsOf: ",\"\(Key.pace)\":\(pace),\"\(Key.throttled)\":\(status.refused)".utf8)
        return closing(bytes, at: at)
    }

    /// One execution's line, written field by field: a whole JSON tree per line cost more
    /// than the write.
    private static func entry(graph: String, name: String, fields: [(String, String)], at: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160)
        bytes.append(contentsOf: "{\"\(Key.graph)\":".utf8)
        JSONValue.writeString(graph, to: &bytes)
        bytes.append(contentsOf: ",\"\(Key.execution)\":".utf8)
        JSONValue.writeString(name, to: &bytes)
        for (key, value) in fields {
            bytes.append(contentsOf: ",\"\(key)\":".utf8)
            JSONValue.writeString(value, to: &bytes)
        }
        return closing(bytes, at: at)
    }

    private static func closing(_ start: [UInt8], at: Int) -> [UInt8] {
        var bytes = start
        bytes.append(contentsOf: ",\"\(Key.at)\":".utf8)
        JSONValue.writeString(WireDate.iso8601(epochMilliseconds: at), to: &bytes)
        bytes.append(contentsOf: "}\n".utf8)
        return bytes
    }
}

/// The plan a journal's run carried out (`obsw apply`), as its header records it: enough
/// for `obsw report` to say which plan was applied, who made it and who approved it.
public struct PlanStamp: Sendable, Equatable {
    public struct Approval: Sendable, Equatable {
        public var by: String
        public var at: Int
    }

    public var digest: String
    public var file: String
    public var author: String
    public var createdAt: Int
    public var approvals: [Approval]

    public init(_ plan: ResumePlan, file: String) {
        digest = plan.digest
        self.file = file
        author = plan.author.description
        createdAt = plan.createdAt
        approvals = plan.approvals.map { Approval(by: $0.by.description + ($0.selfApproved ? " (self-approved)" : ""), at: $0.at) }
    }

    init?(json: JSONObject) {
        guard let digest = json.string("digest"), let file = json.string("file"), let author = json.string("author"),
            let createdAt = json.string("created_at").flatMap(WireDate.parseISO8601)
        else { return nil }
        self.digest = digest
        self.file = file
        self.author = author
        self.createdAt = createdAt
        approvals = json.objects("approvals").compactMap { item in
            guard let by = item.string("by"), let at = item.string("at").flatMap(WireDate.parseISO8601) else { return nil }
            return Approval(by: by, at: at)
        }
    }

    var json: JSONObject {
        [
            "digest": .string(digest), "file": .string(file), "author": .string(author),
            "created_at": .string(WireDate.iso8601(epochMilliseconds: createdAt)),
            "approvals": .array(approvals.map { ["by": .string($0.by), "at": .string(WireDate.iso8601(epochMilliseconds: $0.at))] }),
        ]
    }

    /// `plan sha256:ab12… (FILE) by alice@ops-1, approved by bob@ops-2`.
    public var summary: String {
        let approved = approvals.isEmpty ? "not approved" : "approved by " + approvals.map(\.by).joined(separator: ", ")
        return "plan \(digest) (\(file)) made by \(author), \(approved)"
    }
}
