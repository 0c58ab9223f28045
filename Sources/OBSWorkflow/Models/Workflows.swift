/// A workflow (graph) as the list call returns it.
public struct Workflow: APIRecord {
    public var json: JSONObject
    public init(json: JSONObject) { self.json = json }

    public init(name: String, createdAt: String, graphURN: String) {
        json = [:]
        json.set("name", name)
        json.set("created_at", createdAt)
        json.set("graph_urn", graphURN)
    }

    public var name: String? { json.string("name") }
    /// The documented sample misspells this `create_at`; both are read.
    public var createdAt: String? { json.string("created_at") ?? json.string("create_at") }
    public var graphURN: String? { json.string("graph_urn") }
}

/// One page of an offset-paginated list (workflows or templates).
public struct OffsetPage<Item: APIRecord>: APIRecord {
    public var json: JSONObject
    public init(json: JSONObject) { self.json = json }

    /// - Parameter itemsKey: `graphs` for workflows, `templates` for templates.
    public init(itemsKey: String, items: [Item], nextStart: Int?) {
        json = ["count": .int(items.count), itemsKey: .array(items.map { .object($0.json) })]
        json["next_start"] = nextStart.map(JSONValue.int) ?? .null
        json["is_truncated"] = .bool(nextStart != nil)
    }

    public func items(_ key: String) -> [Item] { json.objects(key).map(Item.init(json:)) }
    public var count: Int? { json.int("count") }
    public var nextStart: Int? { json.int("next_start") }
    public var isTruncated: Bool { json.bool("is_truncated") ?? false }
}

/// `GET /v2/workflows/{name}`: a workflow with its stored definition.
public struct WorkflowDetail: APIRecord {
    public var json: JSONObject
    public init(json: JSONObject) { self.json = json }

    public init(name: String, createdAt: String, definition: JSONObject, graphURN: String, description: String?) {
        json = [:]
        json.set("name", name)
        json.set("created_at", createdAt)
        json["definition"] = .object(definition)
        json.set("graph_urn", graphURN)
        json.set("description", description ?? "")
    }

    public var name: String? { json.string("name") }
    public var createdAt: String? { json.string("created_at") }
    public var graphURN: String? { json.string("graph_urn") }
    public var description: String? { json.string("description") }
    public var definition: JSONObject? { json.object("definition") }
}

extension WorkflowDetail {
    /// The state names in run order (see `StateChain`), from `definition.states` — a list
    /// (DWR, and create bodies) or a map by name (Data+ v2's stored form).
    public var stateOrder: [String] {
        guard let states = definition?["states"] else { return [] }
        let list = states.arrayValue?.compactMap(\.objectValue)
            ?? states.objectValue.map { map in map.keys.compactMap { map[$0]?.objectValue } } ?? []
        return StateChain.order(of: list)
    }
}

/// The order a workflow runs its states: from the one with `start: true` (else the first)
/// along `next_state` — an OPERATION's next state may also sit in its action's results —
/// then any state the chain never reaches, in the given order.
public enum StateChain {
    public static func order(of states: [JSONObject]) -> [String] {
        var byName: [String: JSONObject] = [:]
        var given: [String] = []
        for state in states {
            guard let name = state.string("state_name"), !name.isEmpty, byName[name] == nil else { continue }
            byName[name] = state
            given.append(name)
        }
        guard let first = states.first(where: { $0.bool("start") == true })?.string("state_name") ?? given.first else {
            return []
        }
        var chain: [String] = []
        var current = first
        while let state = byName[current], !chain.contains(current) {
            chain.append(current)
            guard let next = nextState(of: state) else { break }
            current = next
        }
        for name in given where !chain.contains(name) { chain.append(name) }
        return chain
    }

    static func nextState(of state: JSONObject) -> String? {
        if let next = state.string("next_state"), !next.isEmpty { return next }
        for action in state.objects("actions") {
            for result in action.objects("results") {
                if let next = result.string("next_state"), !next.isEmpty { return next }
            }
        }
        return nil
    }
}

/// Answer of creating a workflow (either form).
public struct CreatedWorkflow: APIRecord {
    public var json: JSONObject
    public init(json: JSONObject) { self.json = json }

    public init(graphName: String, graphURN: String, createdAt: String) {
        json = [:]
        json.set("graph_name", graphName)
        json.set("graph_urn", graphURN)
        json.set("created_at", createdAt)
    }

    public var graphName: String? { json.string("graph_name") }
    public var graphURN: String? { json.string("graph_urn") }
    public var createdAt: String? { json.string("created_at") }
}

/// Answer of `PUT /v2/workflows/{name}`.
public struct UpdatedWorkflow: APIRecord {
    public var json: JSONObject
    public init(json: JSONObject) { self.json = json }

    public init(graphName: String, graphURN: String, lastModified: String) {
        json = [:]
        json.set("graph_name", graphName)
        json.set("graph_urn", graphURN)
        json.set("last_modified", lastModified)
    }

    public var graphName: String? { json.string("graph_name") }
    public var graphURN: String? { json.string("graph_urn") }
    public var lastModified: String? { json.string("last_modified") }
}
