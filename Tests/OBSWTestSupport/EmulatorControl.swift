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

    private static func read(_ url: String) async throws -> JSONValue {
        let (data, _) = try await URLSession.shared.data(from: URL(string: url)!)
        return try JSONParser.parse(Array(data))
    }
}
