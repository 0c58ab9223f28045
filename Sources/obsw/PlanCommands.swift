import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import OBSWorkflow
import OBSWorkflowEmulator
import ObswJSON
import ObswOperations
import ObswSystem
import ObswTerminal
import ObswText

/// `obsw plan show|approve FILE`: a saved resume (`resume … --plan FILE`), read back only as
/// obsw wrote it, and approved by a second person before `obsw apply FILE` carries it out.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Show or approve a resume plan written by 'resume ... --plan FILE'.",
        discussion: """
            A plan is what a resume would do, saved for review: the service, the graph, each FAILED \
            execution with how it failed, the options, who made it and when, and a digest over all of \
            it. 'obsw plan show' verifies the digest and prints it for a ticket; 'obsw plan approve' \
            records an approval; 'obsw apply' carries it out.
            """,
        subcommands: [PlanShowCommand.self, PlanApproveCommand.self])
}

/// The output of `plan show` and `apply`.
enum PlanFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

struct PlanShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Verify a plan's digest and print what it would resume.",
        discussion: "Exits 2 when the file is not a plan as obsw wrote it (changed by hand, cut short, or not a plan).")

    // Not -o: that is the value format of commands that run code, and the root command reads it.
    @Option(help: "text: for people and tickets; json: one object for tools.")
    var format: PlanFormat = .text

    @Option(help: "The configuration profile whose require_approvals to show (default: OBSW_PROFILE, else default).")
    var profile: String?

    @Argument(help: "The plan file.", completion: .file()) var file: String

    func run() throws {
        let plan = try readPlan(file)
        switch format {
        case .json: writeOut(JSONValue.object(plan.summaryJSON(file: file)).jsonText + "\n")
        case .text:
            // Shown, not enforced here: a missing or unreadable config file only hides the line.
            let required = try? ConfigurationResolver.requiredApprovals(
                options: ConfigurationOptions(profile: profile), environment: currentEnvironment(),
                homeDirectory: getenv("HOME").map { String(cString: $0) }
            ).count
            writeOut(plan.summaryText(file: file, requiredApprovals: required) + "\n")
        }
    }
}

struct PlanApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Record your approval in a plan.",
        discussion: """
            Adds who approves (login name and host) and when, after verifying the plan's digest. \
            The plan's author may not approve it unless --self-approve is given; approving twice \
            changes nothing. The file is rewritten whole (atomically, keeping its mode). How many \
            approvals 'obsw apply' requires is the profile's require_approvals (default 0).
            """)

    @Flag(help: "Approve a plan you made yourself (for teams where one person may).")
    var selfApprove = false

    @Argument(help: "The plan file.", completion: .file()) var file: String

    func run() throws {
        var plan = try readPlan(file)
        let me = ResumePlan.Person.current(environment: currentEnvironment())
        if me == plan.author, !selfApprove {
            printError("you (\(me)) made this plan: a second person approves it; if your team allows one person, --self-approve")
            throw ExitCode(.usage)
        }
        if let earlier = plan.approvals.first(where: { $0.by == me }) {
            writeOut(Escape.terminal("\(file): already approved by \(me) at \(WireDate.iso8601(epochMilliseconds: earlier.at)); unchanged") + "\n")
            return
        }
        let output = try prepareOutput(file, option: "the plan file")
        plan.approvals.append(ResumePlan.Approval(by: me, at: WallClock.nowMilliseconds(), selfApproved: me == plan.author))
        do { try output.write(plan.fileBytes()) } catch {
            printError("\(error)")
            throw ExitCode(.runtime)
        }
        let count = plan.approvers.count
        writeOut(Escape.terminal("approved plan \(plan.digest) by \(me); it has \(count) approval\(count == 1 ? "" : "s")") + "\n")
    }
}

/// `obsw apply FILE`: the plan's targets that still look as planned are resumed with its
/// options; each other one is skipped with why. Refused before any request when the plan
/// was changed, is too old, lacks approvals, or is for another service.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Carry out a resume plan: resume the executions that are still as planned.",
        discussion: """
            Refused with exit 2, before any request, when the plan is not as obsw wrote it, is older \
            than --max-age, has fewer approvals than the profile's require_approvals, or is for \
            another service, endpoint or project than the one in force. Then each target is read: \
            one that no longer looks as planned (resumed by someone else, succeeded, failed again \
            differently, gone) is skipped with its reason; the rest are resumed with the plan's \
            options, journal, lock and pacing. The journal records the plan, so a second apply \
            resumes nothing, and 'obsw report' shows the plan, its author and approvers. \
            Exits 0 when nothing failed, 3 when a target failed or the resume stopped, 130 on Ctrl-C.
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Refuse a plan made longer ago than this (24h, 90m, 2d).")
    var maxAge = "24h"

    @Flag(help: "When another resume of the graph is running, wait for it instead of stopping.")
    var waitLock = false

    @Option(help: "text: a line per target not resumed, and a summary; json: every target's result.")
    var format: PlanFormat = .text

    @Argument(help: "The plan file.", completion: .file()) var file: String

    func validate() throws {
        guard let age = DurationText.parse(maxAge), age > 0 else {
            throw ValidationError("--max-age '\(maxAge)' is not a duration (24h, 90m, 2d)")
        }
    }

    func run() async throws {
        let plan = try readPlan(file)
        let required: Int
        do { required = try connection.requiredApprovals().count } catch {
            printError("\(error)")
            throw ExitCode(.usage)
        }
        let (_, emulator, client) = try await connection.connectOnce()
        let status = await apply(plan, client: client, local: emulator != nil, requiredApprovals: required)
        await client.shutdown()
        await emulator?.stop()
        throw ExitCode(status)
    }

    func apply(_ plan: ResumePlan, client: any WorkflowService, local: Bool, requiredApprovals: Int) async -> ExitStatus {
        let inForce = ResumePlan.Service(client: client, profile: nil, local: local)
        let rules = ResumePlan.Rules(
            requiredApprovals: requiredApprovals, maxAge: .milliseconds(DurationText.parse(maxAge) ?? 0), service: inForce)
        if let refusal = plan.refusal(under: rules) {
            printError("apply \(file): refused, nothing was sent: \(refusal)")
            return .usage
        }
        let environment = currentEnvironment()
        let journalPath = plan.options.journal
            ?? Journal.directory(environment: environment, isLocal: local) + "/plan-\(plan.shortDigest).jsonl"
        if plan.options.journal == nil, !LocalState.makeDirectories(Directory.folder(of: journalPath)) {
            printError("apply \(file): cannot create \(Directory.folder(of: journalPath)): \(String(cString: strerror(errno)))")
            return .runtime
        }
        Interrupts.installForScripts()
        let interrupt = InterruptFlag()
        let watcher = InterruptWatcher(flag: interrupt)
        defer { watcher.stop() }
        let progress = ProgressReporter.standardError()
        let results: ResumeResults
        var stopped: String?
        do throws(OperationError) {
            let journal = try Journal(
                path: journalPath, endpoint: client.endpointDescription, isLocal: local, plan: PlanStamp(plan, file: file))
            // Held until the last answer is in (released when `lock` goes).
            let lock = try ResumeLock.acquire(
                identity: client.identity, graph: plan.graph, wait: waitLock, interrupt: interrupt, progress: progress,
                environment: environment)
            defer { withExtendedLifetime(lock) {} }
            do throws(OperationError) {
                results = try await PlanApplication(plan: plan, client: client, journal: journal, progress: progress, interrupt: interrupt)
                    .run()
            } catch {
                guard case .resumeStopped(let stop, let partial, _) = error else { throw error }
                results = partial
                stopped = stop.description
            }
            report(results, plan: plan, journal: journalPath)
        } catch {
            printError("apply \(file): \(error.description)")
            if case .interrupted = error { return .interrupted }
            return .runtime
        }
        if let stopped { printError("apply \(file): \(stopped)") }
        if interrupt.isRaised { return .interrupted }
        return stopped != nil || results.contains { $0.outcome == .failed } ? .runtime : .success
    }

    /// Each target not resumed with why, and a summary; or every result as JSON.
    func report(_ results: ResumeResults, plan: ResumePlan, journal: String) {
        if format == .json {
            let items: [JSONValue] = results.map { result in
                var record: JSONObject = ["execution_name": .string(result.execution), "outcome": .string(result.outcome.rawValue)]
                record["restored_at"] = JSONValue(result.restoredAt.map { WireDate.iso8601(epochMilliseconds: $0) })
                record["reason"] = JSONValue(result.reason)
                return .object(record)
            }
            writeOut(JSONValue.array(items).jsonText + "\n")
            return
        }
        var lines: [String] = []
        var resumed = 0, stale = 0, failed = 0, other = 0, appliedResumed = 0, appliedSkipped = 0
        for result in results {
            let reason = result.reason ?? ""
            switch result.outcome {
            case .resumed: resumed += 1
            case .skipped where reason.hasPrefix("already applied: resumed"): appliedResumed += 1
            case .skipped where reason.hasPrefix("already applied"): appliedSkipped += 1
            case .skipped: stale += 1
            case .failed: failed += 1
            default: other += 1
            }
            if result.outcome != .resumed, !reason.hasPrefix("already applied") {
                lines.append("  \(result.execution): \(result.outcome.rawValue): \(reason)")
            }
        }
        var summary = "apply \(plan.graph) (plan \(plan.shortDigest)): \(resumed) resumed, \(stale) stale"
        if failed > 0 { summary += ", \(failed) failed" }
        if other > 0 { summary += ", \(other) not attempted" }
        if appliedResumed + appliedSkipped > 0 {
            summary += ", \(appliedResumed + appliedSkipped) already applied (\(appliedResumed) resumed, \(appliedSkipped) not resumed before)"
            if resumed == 0, failed == 0, other == 0 { summary += ": nothing left to resume" }
        }
        summary += "; journal \(journal)"
        writeOut(Escape.terminalLines((lines + [summary]).joined(separator: "\n")) + "\n")
    }
}

/// A plan file, or exit 2 with why it is not one obsw would apply.
func readPlan(_ path: String) throws -> ResumePlan {
    do {
        let bytes = try LineFile(path, what: "the plan").bytes(limit: 1 << 30)
        return try ResumePlan.read(bytes)
    } catch let error as FileError {
        printError(error.description)
        throw ExitCode(.usage)
    } catch let error as ResumePlan.ReadError {
        printError("\(path): \(error.description)")
        throw ExitCode(.usage)
    }
}
