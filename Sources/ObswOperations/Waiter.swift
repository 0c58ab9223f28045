import ObswJSON
import OBSWorkflow

/// Waits for many executions at once. Polls adaptively — quickly at first, backing off to
/// `interval` — and with few targets reads each, with many lists the RUNNING ones (one
/// request a page, not one per execution a tick) and reads only those that finished.
///
/// A service whose listing searches only a recent window (DWR: three days) is listed from
/// the earliest start among the targets — a resumed execution may have started weeks ago —
/// taken from the records given, or from one read of each target on the first tick.
public struct Waiter: Sendable {
    public struct Options: Sendable {
        public var untilSuccess: Bool
        public var timeout: Duration
        /// The longest pause between polls; never under `shortestInterval`.
        public var interval: Duration

        /// A pause shorter than this would only spend the service's quota.
        public static let shortestInterval = Duration.milliseconds(50)

        public init(untilSuccess: Bool, timeout: Duration, interval: Duration) {
            self.untilSuccess = untilSuccess
            self.timeout = timeout
            self.interval = max(Self.shortestInterval, interval)
        }
    }

    let client: any WorkflowService
    let graph: String
    let options: Options
    let progress: any OperationProgress

    public init(client: any WorkflowService, graph: String, options: Options, progress: any OperationProgress = .silent) {
        // Polling slows to what the service allows when it throttles reads.
        self.client = client.forManyReads(Pacing())
        self.graph = graph
        self.options = options
        self.progress = progress
    }

    static let individualLimit = 20

    /// Where RUNNING executions are listed from: the service's whole listing, a window from
    /// the earliest start of the targets (a service that lists only recent ones), or not
    /// yet (a target's start is still unknown: the first round reads each one).
    enum RunningListing: Equatable {
        case everything
        case window(TimeWindow)
        case notYet
    }

    /// The final record of each target, in target order (values are made by the command).
    /// `startedAt`: start times known from the records given as targets.
    public func run(_ targets: [String], startedAt known: [String: Int] = [:]) async throws(OperationError) -> [Execution] {
        let distinct = targets.distinctInOrder()
        var starts = known
        let windowed = if case .serviceDefault = client.listingWindow { true } else { false }
        func runningListing() -> RunningListing {
            guard windowed else { return .everything }
            var earliest = Int.max
            for name in distinct {
                guard let start = starts[name] else { return .notYet }
                earliest = min(earliest, start)
            }
            return .window(TimeWindow(since: earliest - 1000))
        }
        let start = ContinuousClock.now
        let deadline = start + options.timeout
        var finished: [String: ExecutionInfo] = [:]
        var delay = min(Duration.milliseconds(250), options.interval)
        while true {
            var pending = distinct.filter { finished[$0] == nil }
            // Only when there are many to read: finding the window walks every target.
            if pending.count > Self.individualLimit, case let listing = runningListing(), listing != .notYet {
                let window: TimeWindow? = if case .window(let window) = listing { window } else { nil }
                // Those not RUNNING any more have finished: read just them.
                var running: Set<String> = []
                do {
                    for try await e in client.executions(graph: graph, state: .running, window: window) {
                        if let name = e.executionName { running.insert(name) }
                    }
                } catch {
                    throw .service(error)
                }
                pending = pending.filter { !running.contains($0) }
            }
            let client = self.client, graph = self.graph
            let infos: [ExecutionInfo]
            do {
                infos = try await Concurrently.map(pending, limit: ReadOptions.defaultConcurrency, cancelled: OBSWorkflowError.cancelled) {
                    name async throws(OBSWorkflowError) in try await client.execution(graph: graph, name: name)
                }
            } catch {
                progress.finish(nil)
                if case .cancelled = error { throw .interrupted("interrupted while waiting for \(pending.count) executions") }
                throw .service(error)
            }
            let read = zip(pending, infos)
            for (name, info) in read {
                if let start = info.startedAt.flatMap(WireDate.parseISO8601) { starts[name] = start }
            }
            for (name, info) in read where info.state?.isTerminal == true {
                finished[name] = info
                if options.untilSuccess, info.state == .failed {
                    progress.finish(nil)
                    throw .executionFailed(graph: graph, execution: name)
                }
            }
            let remaining = distinct.filter { finished[$0] == nil }
            let elapsed = ContinuousClock.now - start
            progress.update("wait \(graph): \(distinct.count - remaining.count)/\(distinct.count) finished, \(remaining.count) pending, \(elapsed.elapsedText)")
            if remaining.isEmpty {
                progress.finish(summary(distinct.map { finished[$0]! }, elapsed: ContinuousClock.now - start))
                return distinct.map { finished[$0]!.summary }
            }
            let now = ContinuousClock.now
            guard now < deadline else {
                progress.finish(nil)
                throw .timedOut(graph: graph, after: options.timeout, pending: remaining)
            }
            let pause = min(delay, deadline - now)
            do { try await Task.sleep(for: pause) } catch {
                progress.finish(nil)
                throw .interrupted("interrupted while waiting for \(remaining.count) executions")
            }
            delay = min(delay * 2, options.interval)
        }
    }

    /// `wait thumbnails: 40 SUCCESS, 4 FAILED in 12.3s`, as `resume` ends.
    func summary(_ executions: [ExecutionInfo], elapsed: Duration) -> String {
        var counts: [String: Int] = [:]
        for e in executions { counts[e.state?.rawValue ?? "unknown", default: 0] += 1 }
        let order = ["SUCCESS", "FAILED"] + counts.keys.filter { $0 != "SUCCESS" && $0 != "FAILED" }.sorted()
        let parts = order.compactMap { key in counts[key].map { "\($0) \(key)" } }
        return "wait \(graph): \(parts.joined(separator: ", ")) in \(elapsed.elapsedText)"
    }
}
