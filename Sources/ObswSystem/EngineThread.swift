import Dispatch

/// Where the engine runs: a thread of its own with a large stack, never a Swift concurrency
/// thread. The engine blocks its thread on service calls (and the shell on libedit), and
/// recurses once per level of a (capped, but deep) expression or value.
public enum EngineThread {
    public static let stackSize = 512 << 20

    /// Runs `body` on a new engine thread and returns its result once it is done.
    public static func run<T>(_ body: @escaping () -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: T?
        nonisolated(unsafe) let work = body
        OSThread.start(stackSize: stackSize) {
            result = work()
            done.signal()
        }
        done.wait()
        return result!
    }
}
