import OBSWorkflow

/// A workflow as the emulator runs it: its states in execution order.
struct Graph: Sendable {
    struct Step: Sendable {
        var name: String
        /// `OPERATION`, `DELAY`, `END`, ... as in the definition.
        var type: String
        /// Simulated run time at speed 1, before the `slow` factor.
        var baseMilliseconds: Int
    }

    var name: String
    var urn: String
    var createdAt: Int
    var description: String
    /// The definition as `GET /v2/workflows/{name}` shows it (states and inputs as maps).
    var definition: JSONObject
    var steps: [Step]
    var lastModified: Int

    /// Where `fail-*` executions fail: the last OPERATION state.
    var failureStep: Int? { steps.lastIndex(where: { $0.type == "OPERATION" }) }

    /// Where an execution of `object` fails: the state its key names with `-in-STATE`
    /// (`photos/1-fail-once-in-make-thumbnail.jpg`), else the last OPERATION state.
    func failureStep(forObject object: String) -> Int? {
        steps.indices.first { object.contains("-in-" + steps[$0].name) } ?? failureStep
    }

    /// Default simulated time of an OPERATION state.
    static let operationMilliseconds = 400
    /// The longest DELAY state the emulator simulates.
    static let maximumDelaySeconds = 365 * 86_400

    /// Builds the run order from a create body's `states` array (or the stored map): from the
    /// state with `start: true` along `next_state` (an OPERATION's next state may also sit in
    /// its action's results). States the chain never reaches are appended in given order, so
    /// a definition with gaps still runs every state once.
    static func steps(fromStates states: [JSONObject]) throws(DefinitionError) -> [Step] {
        guard !states.isEmpty else { throw DefinitionError("a workflow needs at least one state") }
        var byName: [String: JSONObject] = [:]
        for state in states {
            guard let name = state.string("state_name"), !name.isEmpty else {
                throw DefinitionError("every state needs a state_name")
            }
            guard byName[name] == nil else { throw DefinitionError("state '\(name)' is defined twice") }
            byName[name] = state
        }
        let starts = states.filter { $0.bool("start") == true }
        guard starts.count <= 1 else { throw DefinitionError("exactly one state may have start: true") }
        let chain = StateChain.order(of: states)
        var steps: [Step] = []
        for name in chain {
            let state = byName[name]!
            let type = (state.string("type") ?? "OPERATION").uppercased()
            let milliseconds: Int
            switch type {
            case "OPERATION": milliseconds = operationMilliseconds
            case "DELAY":
                // From a client: refuse what the simulated clock cannot hold, never overflow.
                let given = state["time_delay"].flatMap { $0.isNull ? nil : $0 }
                guard let seconds = given.map(\.intValue) ?? 1, (0...Self.maximumDelaySeconds).contains(seconds) else {
                    throw DefinitionError("state '\(name)': time_delay must be 0 to \(Self.maximumDelaySeconds) seconds (a year), not \(given?.jsonText ?? "")")
                }
                milliseconds = seconds * 1000
            default: milliseconds = 0
            }
            steps.append(Step(name: name, type: type, baseMilliseconds: milliseconds))
        }
        return steps
    }
}

struct DefinitionError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
