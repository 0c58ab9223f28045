import Crypto
import ObswJSON
import OBSWorkflow

/// A saved resume: what `resume --plan FILE` found and would do, for a second person to
/// approve and `obsw apply FILE` to carry out — only for the executions that still look as
/// they did when it was made.
///
/// The file is written in one layout (`fileBytes`), and read back only if it is byte for
/// byte that layout: any change to a plan, even of a blank, is refused. The digest is the
/// SHA-256 of the `plan` member's bytes; approvals sit outside it (they are added after)
/// and each carries its own digest over the plan's and its own fields. None of this is a
/// signature: whoever can write the file can write a plan. It makes edits by hand and
/// accidents visible; who may change the file is the file system's and the ticket's business.
///
/// ```
/// {"obsw_plan":1,
/// "digest":"sha256:…",
/// "approvals":[
/// {"user":"bob","host":"ops-2","at":"…","self_approved":false,"digest":"sha256:…"}
/// ],
/// "plan":{"service":"obs","endpoint":"https://…",…,"options":{…},
/// "not_planned":[
/// {"execution_name":"e1","reason":"execution is RUNNING, not FAILED"}
/// ],
/// "targets":[
/// {"execution_name":"e2","state":"FAILED","failed_state":"publish","error":"…","stopped_at":"…"}
/// ]}}
/// ```
public struct ResumePlan: Sendable, Equatable {
    /// What an execution looked like when it was planned; apply resumes it only if it still does.
    public struct Fingerprint: Sendable, Equatable {
        public var state: String
        public var failedState: String?
        public var error: String?
        public var stoppedAt: String?

        public init(state: String, failedState: String?, error: String?, stoppedAt: String?) {
            self.state = state
            self.failedState = failedState
            self.error = error
            self.stoppedAt = stoppedAt
        }

        public init(_ info: ExecutionInfo) {
            let failed = info.failedStates.first
            self.init(state: info.state?.rawValue ?? "UNKNOWN", failedState: failed?.name, error: failed?.error, stoppedAt: info.stoppedAt)
        }
    }

    public struct Target: Sendable, Equatable {
        public var name: String
        public var fingerprint: Fingerprint

        public init(name: String, fingerprint: Fingerprint) {
            self.name = name
            self.fingerprint = fingerprint
        }
    }

    /// A target that was not FAILED (or could not be read) when the plan was made.
    public struct NotPlanned: Sendable, Equatable {
        public var name: String
        public var reason: String

        public init(name: String, reason: String) {
            self.name = name
            self.reason = reason
        }
    }

    /// Who made or approved a plan: the login name and the machine.
    public struct Person: Sendable, Equatable, CustomStringConvertible {
        public var user: String
        public var host: String

        public init(user: String, host: String) {
            self.user = user
            self.host = host
        }

        public var description: String { "\(user)@\(host)" }
    }

    public struct Approval: Sendable, Equatable {
        public var by: Person
        public var at: Int
        /// Given by the plan's author with `--self-approve`.
        public var selfApproved: Bool

        public init(by: Person, at: Int, selfApproved: Bool) {
            self.by = by
            self.at = at
            self.selfApproved = selfApproved
        }
    }

    /// The service the plan is for; apply refuses to run against another.
    public struct Service: Sendable, Equatable {
        /// `obs` or `dwr`.
        public var kind: String
        public var endpoint: String
        public var projectID: String?
        public var profile: String?
        /// Made against the embedded emulator (`--local`).
        public var local: Bool

        public init(kind: String, endpoint: String, projectID: String?, profile: String?, local: Bool) {
            self.kind = kind
            self.endpoint = endpoint
            self.projectID = projectID
            self.profile = profile
            self.local = local
        }

        /// The service `client` talks to, as a plan records it (never credentials).
        public init(client: any WorkflowService, profile: String?, local: Bool) {
            self.init(
                kind: client is DWRWorkflowClient ? ServiceKind.dwr.rawValue : ServiceKind.obs.rawValue,
                endpoint: client.identity.endpoint.description, projectID: client.identity.project, profile: profile, local: local)
        }
    }

    /// The resume's options, as `resume` took them.
    public struct Options: Sendable, Equatable {
        public var concurrency: Int
        public var requestsPerSecond: Int?
        public var maxErrors: Int?
        public var canaryCount: Int?
        public var maxRefailPercent: Double?
        public var canaryTimeoutMilliseconds: Int?
        /// The journal apply writes; nil: one named after the plan's digest in the state folder.
        public var journal: String?

        public init(_ options: BulkResume.Options, journal: String?) {
            concurrency = options.concurrency
            requestsPerSecond = options.requestsPerSecond
            maxErrors = options.maxErrors
            canaryCount = options.canary?.count
            maxRefailPercent = options.canary?.maxRefailPercent
            canaryTimeoutMilliseconds = options.canary.map { $0.timeout.wholeMilliseconds }
            self.journal = journal
        }

        /// The options a bulk resume takes.
        public var resumeOptions: BulkResume.Options {
            let canary = canaryCount.map { count in
                BulkResume.Canary(
                    count: count, maxRefailPercent: maxRefailPercent ?? 50,
                    timeout: .milliseconds(canaryTimeoutMilliseconds ?? 15 * 60_000))
            }
            return BulkResume.Options(
                concurrency: concurrency, requestsPerSecond: requestsPerSecond, maxErrors: maxErrors, canary: canary)
        }

        /// `concurrency 8, canary 10 (max refail 50%, timeout 15m)`.
        public var summary: String {
            var parts = ["concurrency \(concurrency)"]
            if let requestsPerSecond { parts.append("at most \(requestsPerSecond) resumes a second") }
            if let maxErrors { parts.append("stop after \(maxErrors) failures") }
            if let canaryCount {
                let refail = maxRefailPercent.map { Self.percent($0) } ?? "50%"
                let timeout = Duration.milliseconds(canaryTimeoutMilliseconds ?? 15 * 60_000).formattedSeconds
                parts.append("canary \(canaryCount) (max refail \(refail), timeout \(timeout))")
            }
            parts.append("journal " + (journal ?? "(one for this plan in the state folder)"))
            return parts.joined(separator: ", ")
        }

        /// As the plan file and `--plan-format json` write them.
        var json: JSONObject {
            var object: JSONObject = ["concurrency": .int(concurrency)]
            object["rps"] = JSONValue(requestsPerSecond)
            object["max_errors"] = JSONValue(maxErrors)
            object["canary"] = JSONValue(canaryCount)
            object["max_refail_percent"] = maxRefailPercent.map(JSONValue.double) ?? .null
            object["canary_timeout_ms"] = JSONValue(canaryTimeoutMilliseconds)
            object["journal"] = JSONValue(journal)
            return object
        }

        static func percent(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))%" : "\(value)%"
        }
    }

    public var service: Service
    public var graph: String
    public var author: Person
    public var createdAt: Int
    public var options: Options
    public var notPlanned: [NotPlanned]
    public var targets: [Target]
    public var approvals: [Approval] = []

    public init(
        service: Service, graph: String, author: Person, createdAt: Int, options: Options, notPlanned: [NotPlanned],
        targets: [Target]
    ) {
        self.service = service
        self.graph = graph
        self.author = author
        self.createdAt = createdAt
        self.options = options
        self.notPlanned = notPlanned
        self.targets = targets
    }

    // MARK: Digest

    /// `sha256:` and the hex SHA-256 of the `plan` member as written.
    public var digest: String { Self.digest(of: planBytes()) }

    /// The first 12 hex digits: enough to tell plans apart in a ticket or a report.
    public var shortDigest: String { String(digest.dropFirst("sha256:".count).prefix(12)) }

    static func digest(of bytes: [UInt8]) -> String {
        "sha256:" + SHA256.hash(data: bytes).map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    /// An approval's own digest: over the plan's digest and the approval's fields, so an
    /// approval edited by hand, or copied from another plan, does not count.
    func approvalDigest(_ approval: Approval) -> String {
        Self.digest(of: Array(
            [digest, approval.by.user, approval.by.host, WireDate.iso8601(epochMilliseconds: approval.at), String(approval.selfApproved)]
                .joined(separator: "\n").utf8))
    }

    // MARK: Writing

    /// The file, exactly as obsw writes it: the only layout `read` accepts.
    public func fileBytes() -> [UInt8] {
        let plan = planBytes()
        var out = Array("{\"obsw_plan\":1,\n\"digest\":\"\(Self.digest(of: plan))\",\n\"approvals\":[".utf8)
        for (index, approval) in approvals.enumerated() {
            out.append(contentsOf: (index == 0 ? "\n" : ",\n").utf8)
            let member: JSONObject = [
                "user": .string(approval.by.user), "host": .string(approval.by.host),
                "at": .string(WireDate.iso8601(epochMilliseconds: approval.at)), "self_approved": .bool(approval.selfApproved),
                "digest": .string(approvalDigest(approval)),
            ]
            JSONValue.object(member).write(to: &out)
        }
        out.append(contentsOf: (approvals.isEmpty ? "],\n\"plan\":" : "\n],\n\"plan\":").utf8)
        out.append(contentsOf: plan)
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    /// The `plan` member: one line for the plan's settings, one per execution.
    func planBytes() -> [UInt8] {
        let head: JSONObject = [
            "service": .string(service.kind), "endpoint": .string(service.endpoint), "project_id": JSONValue(service.projectID),
            "profile": JSONValue(service.profile), "local": .bool(service.local), "graph": .string(graph),
            "author": ["user": .string(author.user), "host": .string(author.host)],
            "created_at": .string(WireDate.iso8601(epochMilliseconds: createdAt)), "options": .object(options.json),
        ]
        var out = JSONValue.object(head).jsonBytes
        out.removeLast()  // the closing brace: the lists follow
        out.append(contentsOf: ",\n\"not_planned\":[".utf8)
        for (index, item) in notPlanned.enumerated() {
            out.append(contentsOf: (index == 0 ? "\n" : ",\n").utf8)
            JSONValue.object(["execution_name": .string(item.name), "reason": .string(item.reason)]).write(to: &out)
        }
        out.append(contentsOf: (notPlanned.isEmpty ? "],\n\"targets\":[" : "\n],\n\"targets\":[").utf8)
        for (index, target) in targets.enumerated() {
            out.append(contentsOf: (index == 0 ? "\n" : ",\n").utf8)
            let f = target.fingerprint
            JSONValue.object([
                "execution_name": .string(target.name), "state": .string(f.state), "failed_state": JSONValue(f.failedState),
                "error": JSONValue(f.error), "stopped_at": JSONValue(f.stoppedAt),
            ]).write(to: &out)
        }
        out.append(contentsOf: (targets.isEmpty ? "]}" : "\n]}").utf8)
        return out
    }
}

// MARK: Reading

extension ResumePlan {
    /// Why a plan file is not taken: each names the rule it breaks.
    public enum ReadError: Error, Sendable, CustomStringConvertible, Equatable {
        case notJSON(String)
        case notAPlan(String)
        case digestMismatch(stored: String, computed: String)
        case notAsWritten
        case approvalAltered(Person)

        public var description: String {
            switch self {
            case .notJSON(let why): "not a plan: \(why)"
            case .notAPlan(let why): "not a plan obsw wrote: \(why)"
            case .digestMismatch(let stored, let computed):
                "the plan was changed after it was made: its digest is \(stored), its content's is \(computed)"
            case .notAsWritten: "the file is not as obsw wrote it (changed by hand?): only the layout obsw writes is accepted"
            case .approvalAltered(let person):
                "the approval by \(person) does not match the plan (changed by hand, or copied from another plan)"
            }
        }
    }

    /// A plan from its file's bytes, refused unless it is exactly as obsw wrote it.
    public static func read(_ bytes: [UInt8]) throws(ReadError) -> ResumePlan {
        let document: JSONObject
        do {
            guard let object = try JSONParser.parse(bytes).objectValue else { throw ReadError.notAPlan("not a JSON object") }
            document = object
        } catch let error as ReadError {
            throw error
        } catch {
            throw .notJSON("\(error)")
        }
        guard document.int("obsw_plan") == 1 else { throw .notAPlan("no \"obsw_plan\": 1 (a plan of another version, or another file)") }
        guard let stored = document.string("digest") else { throw .notAPlan("no digest") }
        guard let body = document.object("plan") else { throw .notAPlan("no \"plan\" object") }
        var plan = try decode(body)
        let computed = plan.digest
        guard stored == computed else { throw .digestMismatch(stored: stored, computed: computed) }
        for item in document.array("approvals") ?? [] {
            guard let member = item.objectValue, let user = member.string("user"), let host = member.string("host"),
                let at = member.string("at").flatMap(WireDate.parseISO8601), let selfApproved = member.bool("self_approved")
            else { throw .notAPlan("an approval without user, host, at and self_approved") }
            let approval = Approval(by: Person(user: user, host: host), at: at, selfApproved: selfApproved)
            guard member.string("digest") == plan.approvalDigest(approval) else { throw .approvalAltered(approval.by) }
            plan.approvals.append(approval)
        }
        guard plan.fileBytes() == bytes else { throw .notAsWritten }
        return plan
    }

    static func decode(_ body: JSONObject) throws(ReadError) -> ResumePlan {
        func text(_ object: JSONObject, _ key: String, _ place: String) throws(ReadError) -> String {
            guard let value = object.string(key) else { throw .notAPlan("\(place)\(key) is missing or not a string") }
            return value
        }
        guard let authorObject = body.object("author"), let optionsObject = body.object("options") else {
            throw .notAPlan("no author or options")
        }
        guard let createdAt = body.string("created_at").flatMap(WireDate.parseISO8601) else {
            throw .notAPlan("created_at is not a time")
        }
        guard let concurrency = optionsObject.int("concurrency") else { throw .notAPlan("options.concurrency is not a number") }
        var options = Options(BulkResume.Options(concurrency: concurrency), journal: optionsObject.string("journal"))
        options.requestsPerSecond = optionsObject.int("rps")
        options.maxErrors = optionsObject.int("max_errors")
        options.canaryCount = optionsObject.int("canary")
        options.maxRefailPercent = optionsObject["max_refail_percent"]?.doubleValue
        options.canaryTimeoutMilliseconds = optionsObject.int("canary_timeout_ms")
        var notPlanned: [NotPlanned] = []
        for item in body.objects("not_planned") {
            notPlanned.append(NotPlanned(name: try text(item, "execution_name", "not_planned[]."), reason: try text(item, "reason", "not_planned[].")))
        }
        var targets: [Target] = []
        for item in body.objects("targets") {
            targets.append(Target(
                name: try text(item, "execution_name", "targets[]."),
                fingerprint: Fingerprint(
                    state: try text(item, "state", "targets[]."), failedState: item.string("failed_state"), error: item.string("error"),
                    stoppedAt: item.string("stopped_at"))))
        }
        return ResumePlan(
            service: Service(
                kind: try text(body, "service", ""), endpoint: try text(body, "endpoint", ""), projectID: body.string("project_id"),
                profile: body.string("profile"), local: body.bool("local") ?? false),
            graph: try text(body, "graph", ""),
            author: Person(user: try text(authorObject, "user", "author."), host: try text(authorObject, "host", "author.")),
            createdAt: createdAt, options: options, notPlanned: notPlanned, targets: targets)
    }
}
