import ObswJSON
import OBSWorkflow

/// Groups FAILED executions by cause: the state that failed and its error text with the
/// parts that differ from run to run masked — times, ids, numbers — so "timed out after
/// 30012 ms on host-17" and "timed out after 30001 ms on host-3" are one cause. The
/// largest group comes first.
public enum Triage {
    /// One cause and the executions that share it.
    public struct Group: Sendable, Equatable {
        public var state: String
        /// The error text with times, ids and numbers masked (`<time>`, `<id>`, `<n>`).
        public var error: String
        public var executions: [String]
        /// One execution's error as the service wrote it.
        public var sample: String
    }

    /// What `triage` found: the groups, largest first, the targets that were not FAILED
    /// (left out), and how many were read.
    public struct Found: Sendable {
        public var groups: [Group]
        public var notFailed: [String]
        public var read: Int
    }

    /// Reads each target — or, with none, every FAILED execution of the graph (started within
    /// `window`) — as `reads` says, and groups them by cause; the summary line goes to `progress`.
    public static func run(
        client: any WorkflowService, graph: String, targets: [String], window: TimeWindow?, reads: ReadOptions = ReadOptions(),
        progress: any OperationProgress = .silent
    ) async throws(OperationError) -> Found {
        let started = ContinuousClock.now
        let pacing = Pacing(readCeiling: reads.requestsPerSecond)
        let client = client.forManyReads(pacing)
        var names = targets.distinctInOrder()
        do {
            if names.isEmpty {
                names = try await client.executions(graph: graph, state: .failed, window: window).collect().compactMap(\.executionName)
            }
            let details = try await Concurrently.map(names, limit: reads.concurrency, cancelled: OBSWorkflowError.cancelled) {
                name async throws(OBSWorkflowError) in try await client.execution(graph: graph, name: name)
            }
            let (groups, notFailed) = group(Array(zip(names, details)).map { (name: $0.0, info: $0.1) })
            let failed = names.count - notFailed.count
            var summary = "triage \(graph): \(failed) FAILED execution\(failed == 1 ? "" : "s") in \(groups.count) group\(groups.count == 1 ? "" : "s")"
            if !notFailed.isEmpty { summary += "; \(notFailed.count) not FAILED left out" }
            progress.finish(summary + " in \((ContinuousClock.now - started).elapsedText)" + BulkResume.throttleText(pacing.reads.status))
            return Found(groups: groups, notFailed: notFailed, read: names.count)
        } catch {
            if case .cancelled = error { throw .interrupted("interrupted") }
            throw .service(error)
        }
    }

    /// Groups executions' details; those not FAILED are left out (their names returned).
    public static func group(_ details: [(name: String, info: ExecutionInfo)]) -> (groups: [Group], notFailed: [String]) {
        var groups: [String: Group] = [:]
        var order: [String] = []
        var notFailed: [String] = []
        for (name, info) in details {
            guard info.state == .failed else {
                notFailed.append(name)
                continue
            }
            // An execution whose service names no failed state still has a cause to show.
            let failed = info.failedStates.first ?? (name: "(unknown state)", error: nil)
            let raw = failed.error ?? "(no error text)"
            let pattern = FailureCause.pattern(of: raw)
            let key = failed.name + "\u{0}" + pattern
            if groups[key] == nil {
                order.append(key)
                groups[key] = Group(state: failed.name, error: pattern, executions: [], sample: raw)
            }
            groups[key]!.executions.append(name)
        }
        // Largest first; ties in the order they were first seen (stable).
        let sorted = order.enumerated().sorted { a, b in
            let (x, y) = (groups[a.element]!.executions.count, groups[b.element]!.executions.count)
            return x != y ? x > y : a.offset < b.offset
        }
        return (sorted.map { groups[$0.element]! }, notFailed)
    }
}
