@testable import OBSWorkflow
import ObswJSON
@testable import ObswOperations
import Foundation
import Testing

/// The plan file (written in one layout, read back only as written), the rules `apply`
/// holds a plan to, and what apply does with targets that changed — against the fake service.
@Suite(.timeLimit(.minutes(5))) struct ResumePlanTests {
    static let alice = ResumePlan.Person(user: "alice", host: "ops-1")
    static let bob = ResumePlan.Person(user: "bob", host: "ops-2")

    static func plan(targets: [String] = ["e1", "e2"], service: ResumePlan.Service? = nil, createdAt: Int = 1_800_000_000_000) -> ResumePlan {
        var options = ResumePlan.Options(
            BulkResume.Options(concurrency: 4, requestsPerSecond: 30, canary: .init(count: 2, maxRefailPercent: 12.5, timeout: .seconds(90))),
            journal: "/var/tmp/j.jsonl")
        options.maxErrors = 3
        return ResumePlan(
            service: service ?? .init(kind: "dwr", endpoint: "https://dwr.example:443", projectID: "p1", profile: "prod", local: false),
            graph: "thumbnails", author: alice, createdAt: createdAt, options: options,
            notPlanned: [.init(name: "e9", reason: "execution is RUNNING, not FAILED")],
            targets: targets.map { .init(name: $0, fingerprint: .init(state: "FAILED", failedState: "publish", error: "boom \"\($0)\"\n", stoppedAt: "2027-01-15T08:00:00.000Z")) })
    }

    @Test func aPlanReadsBackAsWritten() throws {
        var plan = Self.plan()
        plan.approvals = [.init(by: Self.bob, at: 1_800_000_060_000, selfApproved: false)]
        let bytes = plan.fileBytes()
        let read = try ResumePlan.read(bytes)
        #expect(read == plan)
        #expect(read.fileBytes() == bytes)
        #expect(read.options.resumeOptions.canary?.timeout == .seconds(90))
        // An approval does not change the plan's digest: approving is not changing.
        var unapproved = plan
        unapproved.approvals = []
        #expect(unapproved.digest == plan.digest)
        // One line per target: a diff of two plans reads as a diff of targets.
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("{\"execution_name\":\"e") }.count == 3)
    }

    @Test func anyChangeToTheFileIsRefused() throws {
        var plan = Self.plan()
        plan.approvals = [.init(by: Self.bob, at: 1_800_000_060_000, selfApproved: false)]
        let text = String(decoding: plan.fileBytes(), as: UTF8.self)
        func reading(_ edited: String) -> ResumePlan.ReadError? {
            do { _ = try ResumePlan.read(Array(edited.utf8)); return nil } catch { return error }
        }
        // Every single-byte change to a digit, a letter or a quote of the file.
        var refused = 0, tried = 0
        for (offset, byte) in text.utf8.enumerated() where (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A) {
            var bytes = Array(text.utf8)
            bytes[offset] = byte == 0x31 ? 0x32 : (byte == 0x7A ? 0x79 : byte &+ 1)
            tried += 1
            if reading(String(decoding: bytes, as: UTF8.self)) != nil { refused += 1 }
        }
        #expect(tried > 500 && refused == tried, "\(refused) of \(tried)")
        guard case .digestMismatch? = reading(text.replacing("\"graph\":\"thumbnails\"", with: "\"graph\":\"thumbnail\"")) else {
            Issue.record("a changed graph must be a digest mismatch")
            return
        }
        #expect(reading(text.replacing("\"user\":\"bob\"", with: "\"user\":\"eve\"")) == .approvalAltered(.init(user: "eve", host: "ops-2")))
        #expect(reading(text.replacing(",\n\"plan\":", with: ", \"plan\":")) == .notAsWritten)
        #expect(reading(text + "\n") == .notAsWritten)
        #expect(reading(String(text.prefix(100))).map { "\($0)" }?.hasPrefix("not a plan: ") == true)
        #expect(reading("{\"obsw_plan\":2}") == .notAPlan("no \"obsw_plan\": 1 (a plan of another version, or another file)"))
        // An approval copied from another plan does not count.
        let other = Self.plan(targets: ["e3"])
        var copied = other
        copied.approvals = plan.approvals
        let forged = String(decoding: copied.fileBytes(), as: UTF8.self)
            .replacing(copied.approvalDigest(copied.approvals[0]), with: plan.approvalDigest(plan.approvals[0]))
        #expect(reading(forged) == .approvalAltered(Self.bob))
    }

    @Test func theRulesNameWhatIsWrong() {
        let service = ResumePlan.Service(kind: "obs", endpoint: "http://127.0.0.1:8080", projectID: nil, profile: nil, local: false)
        let now = 1_800_000_000_000
        var plan = Self.plan(service: service, createdAt: now - 3_600_000)
        func refusal(_ change: (inout ResumePlan.Rules) -> Void = { _ in }) -> String? {
            var rules = ResumePlan.Rules(requiredApprovals: 0, maxAge: .seconds(86_400), service: service, now: now)
            change(&rules)
            return plan.refusal(under: rules)
        }
        #expect(refusal() == nil)
        // The same service spelt another way is the same service.
        #expect(refusal { $0.service.endpoint = "http://localhost:8080" } == nil)
        #expect(refusal { $0.service.endpoint = "http://127.0.0.1:8081" }?.contains("the plan is for http://127.0.0.1:8080, and http://127.0.0.1:8081 is in force") == true)
        #expect(refusal { $0.service.kind = "dwr" }?.hasPrefix("the plan is for the obs service, and dwr is in force") == true)
        #expect(refusal { $0.service.local = true }?.contains("--local is the embedded emulator") == true)
        #expect(refusal { $0.maxAge = .seconds(60) } == "the plan is 1h00m00s old, older than --max-age 1m: make a new one")
        #expect(refusal { $0.now = now - 3_600_000 - 10 * 60_000 }?.contains("in the future of this machine's clock") == true)
        #expect(refusal { $0.requiredApprovals = 1 }?.contains("requires 1 approval (require_approvals), and the plan has 0 (none)") == true)
        // The author's own approval counts only when self-approved; a person counts once.
        plan.approvals = [.init(by: Self.alice, at: now, selfApproved: false), .init(by: Self.bob, at: now, selfApproved: false),
                          .init(by: Self.bob, at: now + 1, selfApproved: false)]
        #expect(plan.approvers == [Self.bob])
        #expect(refusal { $0.requiredApprovals = 2 }?.contains("and the plan has 1 (bob@ops-2)") == true)
        plan.approvals.append(.init(by: Self.alice, at: now, selfApproved: true))
        #expect(refusal { $0.requiredApprovals = 2 } == nil)
        // DWR: the project is part of the service.
        let dwr = Self.plan()
        var rules = ResumePlan.Rules(requiredApprovals: 0, maxAge: .seconds(1_000_000_000), service: dwr.service, now: now)
        #expect(dwr.refusal(under: rules) == nil)
        rules.service.projectID = "p2"
        #expect(dwr.refusal(under: rules) == "the plan is for project p1, and p2 is in force")
    }

    /// Apply against the fake: one target read fails (not a decision: reported failed, read
    /// again by the next apply), one was resumed meanwhile, one failed again; the rest resume.
    @Test func applyReadsAgainWhatItCouldNotCheck() async throws {
        let names = (1...6).map { "e\($0)" }
        let service = FakeService(failed: names)
        let made = try await ResumePlan.make(
            client: service, graph: "g", targets: names + ["missing"], options: .init(concurrency: 2), journal: nil,
            service: .init(kind: "obs", endpoint: "http://127.0.0.1:18999", projectID: nil, profile: nil, local: false), author: Self.alice)
        #expect(made.targets.map(\.name) == names)
        #expect(made.notPlanned == [.init(name: "missing", reason: "execution missing not found")])

        service.update("e1") { $0.runsForReads = 100 }
        _ = try await service.restoreExecution(graph: "g", name: "e1")
        service.update("e2") { record in
            record.stoppedAt! += 60_000
            record.failsIn = ("make-thumbnail", "new")
        }
        service.store.faults.withLock { $0.readErrors["e3"] = .service(ServiceError(status: 500, code: "InternalError", message: "try later", operation: "read e3")) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("obsw-plan-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let journalPath = folder + "/j.jsonl"
        func apply() async throws -> [String: ResumeResult] {
            let journal = try Journal(path: journalPath, endpoint: service.endpointDescription, isLocal: false, plan: PlanStamp(made, file: "p"))
            let results = try await PlanApplication(plan: made, client: service, journal: journal).run()
            #expect(results.map(\.execution) == names, "in the plan's order")
            return Dictionary(uniqueKeysWithValues: results.map { ($0.execution, $0) })
        }
        let first = try await apply()
        #expect(first["e1"]?.outcome == .skipped && first["e1"]?.reason?.hasPrefix("stale: now RUNNING since ") == true, "\(first["e1"]!)")
        #expect(first["e2"]?.reason == "stale: failed again at \(WireDate.iso8601(epochMilliseconds: 1_799_999_900_001 + 60_000)), differently: make-thumbnail: new")
        #expect(first["e3"]?.outcome == .failed && first["e3"]?.reason?.contains("could not be read to check it is as planned") == true)
        #expect(["e4", "e5", "e6"].allSatisfy { first[$0]?.outcome == .resumed })
        #expect(service.counts.restoresApplied == ["e1": 1, "e4": 1, "e5": 1, "e6": 1])

        service.store.faults.withLock { $0.readErrors = [:] }
        let second = try await apply()
        #expect(second["e3"]?.outcome == .resumed, "read again, found as planned, resumed")
        #expect(second["e1"]?.reason?.hasPrefix("already applied: not resumed (stale: now RUNNING") == true, "\(second["e1"]!)")
        #expect(second["e4"]?.reason?.hasPrefix("already applied: resumed by this plan") == true)
        #expect(service.counts.restoresApplied == ["e1": 1, "e3": 1, "e4": 1, "e5": 1, "e6": 1])

        let history = try JournalHistory.read(journalPath)
        #expect(history.plans == [PlanStamp(made, file: "p")], "two applies, one plan")
    }
}
