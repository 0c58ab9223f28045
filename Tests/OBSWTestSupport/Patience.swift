import Foundation

/// Runs `body` on a thread of its own (with a large stack) and returns what it returns.
/// Work that holds a CPU for seconds — a 70 MB journal, a fuzz corpus, a blocking call —
/// must not hold one of the concurrency pool's threads (one per core), which the in-process
/// servers and clients of every other test need.
public func onThreadOfItsOwn<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { (done: CheckedContinuation<T, Never>) in
        let thread = Thread { done.resume(returning: body()) }
        thread.stackSize = 64 << 20
        thread.start()
    }
}

/// Waiting for a condition instead of a fixed time.
///
/// The limit counts only time this task was awake to look: tests share a concurrency pool of
/// one thread per core, and when other tests hold it for half a minute a wall-clock deadline
/// would run out before the thing awaited (a request the client has not had a thread to
/// send yet) could happen. A sleep that overran by more than a poll's worth is counted as
/// one poll, so a starved wait is not a failed wait; a condition that never comes still
/// fails after `limit` of real looking.
public func eventually(
    within limit: Duration = .seconds(30), every interval: Duration = .milliseconds(10),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    var looked = Duration.zero
    while true {
        if try await condition() { return true }
        if looked >= limit || Task.isCancelled { return false }
        let before = ContinuousClock.now
        try? await Task.sleep(for: interval)
        looked += min(ContinuousClock.now - before, interval * 2)
    }
}

/// Runs `body`, then `teardown` whether it returned or threw — awaited, never left to a
/// task of its own (a server still closing would leak into the next test).
public func afterwards<T>(_ body: () async throws -> T, teardown: () async -> Void) async throws -> T {
    do {
        let result = try await body()
        await teardown()
        return result
    } catch {
        await teardown()
        throw error
    }
}
