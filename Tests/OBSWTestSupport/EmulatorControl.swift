import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ObswJSON

/// What an emulator's control endpoint (`/-/emulator`) says, for tests that check a run
/// against the service's own record of it.
public enum EmulatorControl {
    /// Restores that took effect: the total, and per execution name.
    public static func restores(_ endpoint: String) async throws -> (total: Int, counts: [String: Int]) {
        let json = try await read(endpoint + "/-/emulator/restores")
        var counts: [String: Int] = [:]
        for item in json["executions"]?.arrayValue ?? [] {
            counts[item["execution_name"]?.stringValue ?? "", default: 0] += item["restores"]?.intValue ?? 0
        }
        return (json["total"]?.intValue ?? -1, counts)
    }

    /// Faults injected so far, by kind (`500`, `429`, `drop`, `restore-drop`, ...).
    public static func injected(_ endpoint: String) async throws -> [String: Int] {
        let json = try await read(endpoint + "/-/emulator/faults")
        var counts: [String: Int] = [:]
        for (key, value) in json["injected"]?.objectValue ?? [:] { counts[key] = value.intValue }
        return counts
    }

    /// Blocks the calling thread until the emulator has counted at least `count` restores
    /// that took effect, or `limit` has passed; returns the last total read. For threads of
    /// their own that act on a condition (such as "a restore has happened") rather than after
    /// a fixed time.
    @discardableResult
    public static func waitForRestores(_ endpoint: String, atLeast count: Int, within limit: TimeInterval = 30) -> Int {
        let deadline = Date().addingTimeInterval(limit)
        var total = -1
        while Date() < deadline {
            let done = DispatchSemaphore(value: 0)
            let box = LockedTotal()
            URLSession.shared.dataTask(with: URL(string: endpoint + "/-/emulator/restores")!) { data, _, _ in
                if let data, let json = try? JSONParser.parse(Array(data)) { box.set(json["total"]?.intValue ?? -1) }
                done.signal()
            }.resume()
            done.wait()
            total = box.get()
            if total >= count { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return total
    }

    /// `waitForRestores` on a thread of its own, for async tests: blocking a thread of the
    /// concurrency pool would starve what else runs there (an in-process emulator answers
    /// on that pool).
    public static func restoresReached(_ endpoint: String, atLeast count: Int, within limit: TimeInterval = 30) async -> Int {
        await withCheckedContinuation { (done: CheckedContinuation<Int, Never>) in
            Thread { done.resume(returning: waitForRestores(endpoint, atLeast: count, within: limit)) }.start()
        }
    }

    private final class LockedTotal: @unchecked Sendable {
        private let lock = NSLock()
        private var total = -1
        func set(_ value: Int) { lock.withLock { total = value } }
        func get() -> Int { lock.withLock { total } }
    }

    private static func read(_ url: String) async throws -> JSONValue {
        let (data, _) = try await URLSession.shared.data(from: URL(string: url)!)
        return try JSONParser.parse(Array(data))
    }
}
