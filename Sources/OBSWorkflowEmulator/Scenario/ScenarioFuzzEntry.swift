import OBSWorkflow

/// What the fuzzer drives (`scripts/fuzz scenario`): arbitrary bytes as a scenario file.
/// A file the checks accept must then seed an emulator's store, answer for every
/// execution, take a resume of each FAILED one and answer again an hour on — a scenario
/// that passes the checks and then traps is a bug; a refusal is the expected outcome for
/// garbage.
public enum ScenarioFuzzEntry {
    public static func handle(_ input: [UInt8]) {
        guard let value = try? JSONParser.parse(input), let scenario = try? Scenario.parse(value, file: "<fuzz>") else { return }
        // Demo data of a million executions is allowed, and slow: not what this looks for.
        guard scenario.graphs.reduce(0, { $0 + ($1.seed?.count ?? 0) }) <= 2000 else { return }
        let store = EmulatorStore(speed: 1)
        let now = 1_796_600_000_000
        guard (try? scenario.seed(into: store, now: now)) != nil else { return }
        for graph in store.graphs(prefix: "") {
            guard let (_, found) = try? store.executions(graph: graph.name, startedIn: Int.min...Int.max, state: nil, now: now) else { continue }
            for (run, snapshot) in found.prefix(200) {
                _ = try? store.execution(graph: graph.name, name: run.name, now: now)
                if snapshot.state == .failed { _ = try? store.restore(graph: graph.name, name: run.name, now: now) }
                _ = try? store.execution(graph: graph.name, name: run.name, now: now + 3_600_000)
            }
        }
    }
}
