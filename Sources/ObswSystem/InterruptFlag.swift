import Synchronization

/// Set from a signal handler or another thread (Ctrl-C, SIGTERM, the memory limit): the
/// language's engine polls it at loop iterations, calls and in `sleep`; bulk operations
/// stop starting new work when it is raised.
public final class InterruptFlag: Sendable {
    private let raised = Atomic<Bool>(false)
    /// Set with the flag when the reason is the memory limit (`MemoryWatch`): the process's
    /// resident bytes at the time.
    private let memory = Atomic<Int>(0)
    public init() {}
    public func raise() { raised.store(true, ordering: .relaxed) }
    public func raise(memory bytes: Int) {
        memory.store(bytes, ordering: .relaxed)
        raised.store(true, ordering: .relaxed)
    }
    public func clear() {
        raised.store(false, ordering: .relaxed)
        memory.store(0, ordering: .relaxed)
    }
    public var isRaised: Bool { raised.load(ordering: .relaxed) }
    /// Resident bytes when the memory limit raised the flag; 0 for Ctrl-C.
    public var memoryBytes: Int { memory.load(ordering: .relaxed) }
}
