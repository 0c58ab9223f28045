import Hummingbird
import OBSWorkflow

/// The control endpoint under `/-/emulator`, for tests and operators; not part of the API
/// and not signed (the emulator listens on loopback).
///
/// - `GET /-/emulator` — speed, faults in force, faults injected so far, and with
///   `--rate-limit` the restore quota with the restores it granted and refused
/// - `GET|PUT /-/emulator/faults` — read or replace the fault spec (`{"spec": "500=0.2,..."}`)
/// - `GET|DELETE /-/emulator/restores` — per-execution counts of restores that took effect
/// - `GET|DELETE /-/emulator/dwr-requests` — signed v3 requests answered, by operation
struct Control {
    static let prefix = "/-/emulator"

    let store: EmulatorStore
    let faults: FaultInjector
    let dwrRequests: RequestCounter
    let quota: Quota?

    func handle(method: String, path: String, body: [UInt8]) throws -> Answer {
        switch (path, method) {
        case (Self.prefix, "GET"):
            var state: JSONObject = [
                "speed": .double(store.speed), "faults": .string(faults.spec.description), "injected": injected(),
            ]
            if let quota {
                let counts = quota.counts
                state["quota"] = [
                    "restores_per_second": .int(quota.perSecond), "granted": .int(counts.granted), "refused": .int(counts.refused),
                    "granted_per_second": .double((counts.grantedPerSecond * 10).rounded() / 10),
                ]
            }
            return .ok(state)
        case (Self.prefix + "/faults", "GET"):
            return .ok(["spec": .string(faults.spec.description), "injected": injected()])
        case (Self.prefix + "/faults", "PUT"):
            let value = try? JSONParser.parse(body)
            guard let text = value?["spec"]?.stringValue else {
                throw EmulatorError.badRequest("send {\"spec\": \"500=0.1,drop=0.02,...\"}")
            }
            do { faults.set(try FaultSpec(parsing: text)) } catch { throw EmulatorError.badRequest(error.description) }
            return .ok(["spec": .string(faults.spec.description)])
        case (Self.prefix + "/restores", "GET"):
            let counts = store.restoreCounts()
            return .ok([
                "total": .int(counts.reduce(0) { $0 + $1.count }),
                "executions": .array(counts.map {
                    ["graph": .string($0.graph), "execution_name": .string($0.execution), "restores": .int($0.count)]
                }),
            ])
        case (Self.prefix + "/restores", "DELETE"):
            store.resetRestoreCounts()
            return .noContent
        case (Self.prefix + "/dwr-requests", "GET"):
            let counts = dwrRequests.snapshot
            return .ok(JSONObject(uniqueKeysWithValues: counts.keys.sorted().map { ($0, JSONValue.int(counts[$0]!)) }))
        case (Self.prefix + "/dwr-requests", "DELETE"):
            dwrRequests.reset()
            return .noContent
        default:
            throw EmulatorError(404, "NoSuchResource", "no control endpoint \(method) \(path)")
        }
    }

    private func injected() -> JSONValue {
        .object(JSONObject(uniqueKeysWithValues: faults.injected.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.int($0.value)) }))
    }
}
