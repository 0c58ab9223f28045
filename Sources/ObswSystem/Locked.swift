import Synchronization

/// State shared between threads or tasks, behind a lock, that can be passed around (a
/// `Mutex` itself cannot be copied into a closure that outlives its scope).
public final class Locked<State: Sendable>: Sendable {
    private let mutex: Mutex<State>
    public init(_ value: State) { mutex = Mutex(value) }
    public func withLock<R: Sendable>(_ body: (inout State) -> R) -> R { mutex.withLock { body(&$0) } }
}
