import ObswSystem

/// The one way obsw does many calls at once: `work` for each item, at most `limit` at a
/// time, each worker taking the next item when it is free. Before an item starts, `stop`
/// is asked: once it says so no new item starts, and what is in flight finishes
/// (`.finishInFlight`: a resume whose answer was abandoned is exactly what must not be
/// left unknown) or is cancelled (`.cancelInFlight`: reads, which lose nothing). Cancelling
/// the calling task stops the same way. Returns the items' indices that were started.
///
/// Used by the bulk resume's workers, the reads of many executions (`concurrentMap`:
/// eligibility, settling a journal, triage, wait, the report's final read).
public enum Concurrently {
    public enum OnStop: Sendable { case finishInFlight, cancelInFlight }

    @discardableResult
    public static func forEach<Item: Sendable>(
        _ items: [Item], limit: Int, onStop: OnStop = .finishInFlight, stop: @escaping @Sendable () -> Bool = { false },
        _ work: @escaping @Sendable (_ index: Int, _ item: Item) async -> Void
    ) async -> Int {
        guard !items.isEmpty else { return 0 }
        let next = Locked(0)
        let workers = min(max(1, limit), items.count)
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    while true {
                        if Task.isCancelled || stop() { return true }
                        let index: Int? = next.withLock { n in
                            guard n < items.count else { return nil }
                            defer { n += 1 }
                            return n
                        }
                        guard let index else { return true }
                        await work(index, items[index])
                    }
                }
            }
            guard onStop == .cancelInFlight else { return }
            // A watcher cancels what is in flight once the stop comes; it ends with the workers.
            group.addTask {
                while !Task.isCancelled, !stop() { try? await Task.sleep(for: .milliseconds(20)) }
                return false
            }
            var running = workers
            while let isWorker = await group.next() {
                if isWorker {
                    running -= 1
                    if running == 0 { group.cancelAll() }  // only the watcher is left
                } else {
                    group.cancelAll()  // the stop came: cancel the calls in flight
                }
            }
        }
        return next.withLock { min($0, items.count) }
    }

    /// `transform` of each item, at most `limit` at once; the first error stops new items
    /// from starting, cancels those in flight and is thrown (`cancelled` when the calling
    /// task was cancelled first). Results in the items' order.
    public static func map<Item: Sendable, Output: Sendable, Failure: Error>(
        _ items: [Item], limit: Int, cancelled: @autoclosure () -> Failure,
        _ transform: @escaping @Sendable (Item) async throws(Failure) -> Output
    ) async throws(Failure) -> [Output] {
        let outputs = Locked<[Output?]>(Array(repeating: nil, count: items.count))
        let failure = Locked<Failure?>(nil)
        await forEach(items, limit: limit, onStop: .cancelInFlight, stop: { failure.withLock { $0 != nil } }) { index, item in
            do throws(Failure) {
                let output = try await transform(item)
                outputs.withLock { $0[index] = output }
            } catch {
                failure.withLock { if $0 == nil { $0 = error } }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        let done = outputs.withLock { $0.compactMap { $0 } }
        guard done.count == items.count else { throw cancelled() }
        return done
    }
}
