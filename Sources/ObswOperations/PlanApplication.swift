#if canImport(Glibc)
import Glibc
#endif
import ObswJSON
import ObswSystem
import ObswText
import OBSWorkflow

// MARK: Making a plan

extension ResumePlan {
    /// A plan for resuming `targets` of `graph`: each is read in detail, and the FAILED ones
    /// become targets with the fingerprint of how they failed; the rest are listed as not
    /// planned, with why. Nothing is sent but reads.
    public static func make(
        client: any WorkflowService, graph: String, targets: [String], options: BulkResume.Options, journal: String?,
        service: Service, author: Person, progress: any OperationProgress = .silent
    ) async throws(OperationError) -> ResumePlan {
        let names = targets.distinctInOrder()
        progress.update("resume \(graph): reading \(names.count) executions for the plan")
        let reads = try await read(names, client: client, graph: graph, concurrency: options.concurrency)
        var planned: [Target] = []
        var notPlanned: [NotPlanned] = []
        for (name, read) in zip(names, reads) {
            switch read {
            case .found(let info) where info.state == .failed:
                planned.append(Target(name: name, fingerprint: Fingerprint(info)))
            case .found(let info):
                notPlanned.append(NotPlanned(name: name, reason: "execution is \(info.state?.rawValue ?? "UNKNOWN"), not FAILED"))
            case .gone:
                notPlanned.append(NotPlanned(name: name, reason: "execution \(name) not found"))
            case .unreadable(let why):
                notPlanned.append(NotPlanned(name: name, reason: "could not be read: \(why)"))
            }
        }
        progress.finish(nil)
        return ResumePlan(
            service: service, graph: graph, author: author, createdAt: WallClock.nowMilliseconds(),
            options: Options(options, journal: journal), notPlanned: notPlanned, targets: planned)
    }

    enum Read: Sendable {
        case found(ExecutionInfo)
        case gone
        case unreadable(String)
    }

    /// Each execution in detail, `concurrency` at once; credentials refused stop it all.
    static func read(_ names: [String], client: any WorkflowService, graph: String, concurrency: Int)
        async throws(OperationError) -> [Read]
    {
        do {
            return try await Concurrently.map(names, limit: max(1, concurrency), cancelled: OBSWorkflowError.cancelled) {
                name async throws(OBSWorkflowError) -> Read in
                do throws(OBSWorkflowError) {
                    return .found(try await client.execution(graph: graph, name: name))
                } catch {
                    if error.isAuthenticationFailure { throw error }
                    if error.serviceError?.status == 404 { return .gone }
                    return .unreadable(error.description)
                }
            }
        } catch {
            if case .cancelled = error { throw .interrupted("interrupted while reading executions for the plan") }
            throw .service(error)
        }
    }
}

extension ResumePlan.Person {
    /// Who runs this process: the login name as `LOGNAME`, `USER` or the password database
    /// give it (as Python's getpass does), and the host name.
    public static func current(environment: [String: String]) -> Self {
        var user = environment["LOGNAME"] ?? environment["USER"]
        if user?.isEmpty ?? true, let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
            user = String(cString: name)
        }
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count - 1) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown-host"
        return Self(user: user.flatMap { $0.isEmpty ? nil : $0 } ?? "uid-\(geteuid())", host: host.isEmpty ? "unknown-host" : host)
    }
}

// MARK: What a plan says, for a ticket

extension ResumePlan {
    /// The targets by failure cause as `triage` groups them (failed state, masked error),
    /// largest first.
    public var causes: [(state: String, error: String, count: Int)] {
        var counts: [String: (state: String, error: String, count: Int)] = [:]
        var order: [String] = []
        for target in targets {
            let state = target.fingerprint.failedState ?? "(unknown state)"
            let error = FailureCause.pattern(of: target.fingerprint.error ?? "(no error text)")
            let key = state + "\u{0}" + error
            if counts[key] == nil { order.append(key) }
            counts[key, default: (state, error, 0)].count += 1
        }
        return order.enumerated().sorted { a, b in
            let (x, y) = (counts[a.element]!.count, counts[b.element]!.count)
            return x != y ? x > y : a.offset < b.offset
        }.map { counts[$0.element]! }
    }

    /// The plan as people read it in a ticket.
    public func summaryText(file: String, requiredApprovals: Int? = nil) -> String {
        var lines = ["Resume plan \(digest)", "  file:     \(file)"]
        let project = service.projectID.map { ", project \($0)" } ?? ""
        let profile = service.profile.map { ", profile \($0)" } ?? ""
        lines.append("  service:  \(service.kind) \(service.endpoint)\(project)\(profile)\(service.local ? " (the embedded emulator)" : "")")
        lines.append("  graph:    \(graph)")
        lines.append("  made by:  \(author) at \(WireDate.iso8601(epochMilliseconds: createdAt))")
        lines.append("  resumes:  \(targets.count) FAILED execution\(targets.count == 1 ? "" : "s")")
        if !notPlanned.isEmpty {
            lines.append("  not planned: \(notPlanned.count) (\(notPlannedCounts))")
        }
        lines.append("  options:  \(options.summary)")
        if !targets.isEmpty {
            lines.append("  by cause (failed state: error):")
            for cause in causes {
                lines.append("    " + Self.padded(cause.count, width: 7) + "  \(cause.state): \(cause.error)")
            }
        }
        if approvals.isEmpty {
            lines.append("  approvals: none" + (requiredApprovals.map { $0 > 0 ? " (\($0) required here)" : "" } ?? ""))
        } else {
            lines.append("  approvals:")
            for approval in approvals {
                lines.append("    \(approval.by) at \(WireDate.iso8601(epochMilliseconds: approval.at))\(approval.selfApproved ? " (self-approved)" : "")")
            }
        }
        return lines.map(Escape.terminal).joined(separator: "\n")
    }

    /// `2 RUNNING, 1 not found`.
    var notPlannedCounts: String {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for item in notPlanned {
            let key: String
            if item.reason.hasPrefix("execution is "), let word = item.reason.dropFirst("execution is ".count).split(separator: ",").first {
                key = String(word)
            } else if item.reason.hasSuffix("not found") {
                key = "not found"
            } else {
                key = "unreadable"
            }
            if counts[key] == nil { order.append(key) }
            counts[key, default: 0] += 1
        }
        return order.map { "\(counts[$0]!) \($0)" }.joined(separator: ", ")
    }

    static func padded(_ number: Int, width: Int) -> String {
        let text = String(number)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }

    /// The same, as one JSON object (`--plan-format json`, `obsw plan show -o json`).
    public func summaryJSON(file: String) -> JSONObject {
        [
            "digest": .string(digest), "file": .string(file), "service": .string(service.kind), "endpoint": .string(service.endpoint),
            "project_id": JSONValue(service.projectID), "profile": JSONValue(service.profile), "local": .bool(service.local),
            "graph": .string(graph), "author": .string(author.description),
            "created_at": .string(WireDate.iso8601(epochMilliseconds: createdAt)), "targets": .int(targets.count),
            "not_planned": .array(notPlanned.map { ["execution_name": .string($0.name), "reason": .string($0.reason)] }),
            "causes": .array(causes.map { ["failed_state": .string($0.state), "error": .string($0.error), "count": .int($0.count)] }),
            "options": .object(options.json),
            "approvals": .array(approvals.map {
                ["by": .string($0.by.description), "at": .string(WireDate.iso8601(epochMilliseconds: $0.at)), "self_approved": .bool($0.selfApproved)]
            }),
        ]
    }
}

// MARK: The rules a plan must meet before anything is sent

extension ResumePlan {
    /// What `obsw apply` holds a plan to, besides its digest: the approvals the profile
    /// requires, its age, and the service in force.
    public struct Rules: Sendable {
        public var requiredApprovals: Int
        public var maxAge: Duration
        public var service: Service
        public var now: Int

        public init(requiredApprovals: Int, maxAge: Duration, service: Service, now: Int = WallClock.nowMilliseconds()) {
            self.requiredApprovals = requiredApprovals
            self.maxAge = maxAge
            self.service = service
            self.now = now
        }
    }

    /// Distinct people who approved: the author only when self-approved.
    public var approvers: [Person] {
        var seen: [Person] = []
        for approval in approvals where !seen.contains(approval.by) && (approval.by != author || approval.selfApproved) {
            seen.append(approval.by)
        }
        return seen
    }

    /// One service however its address is spelt (`localhost` and `127.0.0.1`), as the
    /// resume lock decides it.
    static func sameEndpoint(_ a: Service, _ b: Service) -> Bool {
        if a.endpoint == b.endpoint { return true }
        guard let x = try? Endpoint(parsing: a.endpoint), let y = try? Endpoint(parsing: b.endpoint) else { return false }
        return !Set(ServiceIdentity(endpoint: x).names()).isDisjoint(with: ServiceIdentity(endpoint: y).names())
    }

    /// Why the plan may not be applied here and now — naming the rule — or nil.
    public func refusal(under rules: Rules) -> String? {
        if service.kind != rules.service.kind {
            return "the plan is for the \(service.kind) service, and \(rules.service.kind) is in force (--service)"
        }
        if service.local != rules.service.local {
            return service.local
                ? "the plan was made against the embedded emulator (--local); apply it with --local"
                : "the plan is for \(service.endpoint); --local is the embedded emulator"
        }
        // The embedded emulator has a new address each start; it is the same service.
        if !service.local, !Self.sameEndpoint(service, rules.service) {
            return "the plan is for \(service.endpoint), and \(rules.service.endpoint) is in force (choose it with --endpoint or --profile)"
        }
        if !service.local, service.kind == "dwr", service.projectID != rules.service.projectID {
            return "the plan is for project \(service.projectID ?? "(none)"), and \(rules.service.projectID ?? "(none)") is in force"
        }
        let age = rules.now - createdAt
        // A plan from the future: a clock set wrong, or a file made up.
        if age < -5 * 60_000 {
            return "the plan was made at \(WireDate.iso8601(epochMilliseconds: createdAt)), in the future of this machine's clock"
        }
        if age > rules.maxAge.wholeMilliseconds {
            return "the plan is \(Duration.milliseconds(age).elapsedText) old, older than --max-age \(rules.maxAge.formattedSeconds): make a new one"
        }
        let approvers = self.approvers
        if approvers.count < rules.requiredApprovals {
            let have = approvers.isEmpty ? "none" : approvers.map(\.description).joined(separator: ", ")
            return "the profile requires \(rules.requiredApprovals) approval\(rules.requiredApprovals == 1 ? "" : "s") "
                + "(require_approvals), and the plan has \(approvers.count) (\(have)); approving it is 'obsw plan approve'"
        }
        return nil
    }
}

// MARK: Applying

/// `obsw apply`: the plan's targets that still look as they were planned are resumed with
/// its options; the others are skipped with the reason (`stale: now RUNNING since …`). Every
/// target ends recorded in the journal as applied or stale, so a second apply sends nothing.
public struct PlanApplication: Sendable {
    let plan: ResumePlan
    let client: any WorkflowService
    let journal: Journal
    let progress: any OperationProgress
    let interrupt: InterruptFlag?

    public init(
        plan: ResumePlan, client: any WorkflowService, journal: Journal, progress: any OperationProgress = .silent,
        interrupt: InterruptFlag? = nil
    ) {
        self.plan = plan
        self.client = client
        self.journal = journal
        self.progress = progress
        self.interrupt = interrupt
    }

    /// One result per target, in the plan's order: `resumed`, `skipped` (applied before, or
    /// stale), `failed`, `notAttempted`. A resume that stops early throws `.resumeStopped`
    /// with every result so far, as `resume` does.
    public func run() async throws(OperationError) -> ResumeResults {
        let graph = plan.graph
        let contents = journal.contents(graph: graph)
        if let mismatch = journal.mismatch(contents) { throw .journal("apply \(graph): \(mismatch)") }
        var results: [String: ResumeResult] = [:]
        var toCheck: [String] = []
        var toResume: [String] = []
        for target in plan.targets {
            if contents.resumed.contains(target.name) {
                results[target.name] = ResumeResult(target.name, .skipped, reason: "already applied: resumed by this plan (journal \(journal.path))")
            } else if let reason = contents.skipped[target.name], contents.unsettled[target.name] == nil {
                results[target.name] = ResumeResult(target.name, .skipped, reason: "already applied: not resumed (\(reason))")
            } else if contents.unsettled[target.name] != nil {
                toResume.append(target.name)  // its resume may have been sent: the resume settles it by reading
            } else {
                toCheck.append(target.name)
            }
        }
        let (fresh, stale, unchecked) = try await freshness(toCheck)
        for (name, reason) in stale {
            results[name] = ResumeResult(name, .skipped, reason: reason)
            journal.record(graph: graph, results[name]!)
        }
        // Not a decision: a later apply reads these again.
        for (name, reason) in unchecked {
            results[name] = ResumeResult(name, .failed, reason: reason)
            journal.record(graph: graph, results[name]!)
        }
        toResume += fresh
        var resumed = ResumeResults()
        if !toResume.isEmpty {
            do {
                resumed = try await BulkResume(
                    client: client, graph: graph, options: plan.options.resumeOptions, progress: progress, interrupt: interrupt,
                    journal: journal
                ).run(toResume)
            } catch {
                if case .resumeStopped(let stop, let partial, let summary) = error {
                    for result in partial { results[result.execution] = result }
                    throw .resumeStopped(stop, results: ordered(results), summary: summary)
                }
                throw error
            }
        } else if let problem = journal.flush() {
            throw .journal("apply \(graph): the journal \(journal.path) cannot be written: \(problem)")
        }
        for result in resumed { results[result.execution] = result }
        return ordered(results)
    }

    func ordered(_ results: [String: ResumeResult]) -> ResumeResults {
        ResumeResults(plan.targets.lazy.compactMap { results[$0.name] })
    }

    /// Which of `names` still look as planned, and why each other one does not. Many are
    /// first found in one listing of FAILED executions (unchanged: FAILED and stopped at the
    /// same moment); the rest are read one by one.
    func freshness(_ names: [String]) async throws(OperationError)
        -> (fresh: [String], stale: [(String, String)], unchecked: [(String, String)])
    {
        guard !names.isEmpty else { return ([], [], []) }
        let planned = Dictionary(plan.targets.map { ($0.name, $0.fingerprint) }, uniquingKeysWith: { a, _ in a })
        var unchanged: Set<String> = []
        if names.count > BulkResume.individualCheckLimit {
            progress.update("apply \(plan.graph): checking which of \(names.count) executions are as planned")
            let wanted = Set(names)
            do {
                for try await execution in client.executions(graph: plan.graph, state: .failed) {
                    guard let name = execution.executionName, wanted.contains(name), let stoppedAt = execution.json.string("stopped_at")
                    else { continue }
                    if planned[name]?.stoppedAt == stoppedAt { unchanged.insert(name) }
                }
            } catch {
                throw .service(error)
            }
        }
        let unknown = names.filter { !unchanged.contains($0) }
        progress.update("apply \(plan.graph): reading \(unknown.count) executions")
        let reads = try await ResumePlan.read(unknown, client: client, graph: plan.graph, concurrency: plan.options.concurrency)
        var stale: [String: String] = [:]
        var unchecked: [String: String] = [:]
        for (name, read) in zip(unknown, reads) {
            guard let fingerprint = planned[name] else { continue }
            switch read {
            case .found(let info):
                if let reason = Self.staleness(planned: fingerprint, now: info) { stale[name] = reason } else { unchanged.insert(name) }
            case .gone: stale[name] = "stale: gone (execution \(name) not found)"
            case .unreadable(let why): unchecked[name] = "not resumed: it could not be read to check it is as planned: \(why)"
            }
        }
        progress.finish(nil)
        return (
            names.filter { unchanged.contains($0) }, names.compactMap { name in stale[name].map { (name, $0) } },
            names.compactMap { name in unchecked[name].map { (name, $0) } }
        )
    }

    /// Why an execution no longer looks as planned, or nil if it does.
    static func staleness(planned: ResumePlan.Fingerprint, now info: ExecutionInfo) -> String? {
        let current = ResumePlan.Fingerprint(info)
        guard current != planned else { return nil }
        let state = info.state ?? "UNKNOWN"
        switch state {
        case .running:
            let since = info.restoredAt ?? info.startedAt
            return "stale: now RUNNING" + (since.map { " since \($0)" } ?? "") + (info.restoredAt == nil ? "" : " (resumed by someone else)")
        case .success:
            return "stale: now SUCCESS" + (info.stoppedAt.map { " (stopped at \($0))" } ?? "")
        case .failed:
            let failure = "\(current.failedState ?? "(unknown state)"): \(FailureCause.cut(current.error ?? "(no error text)"))"
            if current.stoppedAt != planned.stoppedAt {
                let same = current.failedState == planned.failedState && current.error == planned.error
                return "stale: failed again at \(current.stoppedAt ?? "an unknown time")" + (same ? " with the same error" : ", differently: \(failure)")
            }
            return "stale: its failure is no longer the one planned (now \(failure))"
        default:
            return "stale: now \(state.rawValue)"
        }
    }
}
