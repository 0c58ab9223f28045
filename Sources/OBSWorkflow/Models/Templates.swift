/// A workflow template (`GET /v2/workflowtemplates/{name}`, and the items of the list call).
public struct WorkflowTemplate: APIRecord {
    public var json: JSONObject
    public init(json: JSONObject) { self.json = json }

    public init(
        name: String, description: String?, states: JSONValue, inputs: JSONValue, tags: JSONValue, createTime: String,
        lastModifyTime: String
    ) {
        json = [:]
        json.set("template_name", name)
        json.set("description", description)
        json["states"] = states
        json["inputs"] = inputs
        json["tags"] = tags
        json.set("create_time", createTime)
        json.set("last_modify_time", lastModifyTime)
    }

    public var name: String? { json.string("template_name") }
    public var description: String? { json.string("description") }
    public var states: JSONValue? { json["states"] }
    public var inputs: JSONValue? { json["inputs"] }
    public var tags: JSONValue? { json["tags"] }
    public var createTime: String? { json.string("create_time") }
    public var lastModifyTime: String? { json.string("last_modify_time") }
}

/// Answer of `POST /v2/workflowtemplates/{name}`.
public struct CreatedTemplate: APIRecord {
    public var json: JSONObject
    public init(json: JSONObject) { self.json = json }
    public init(name: String) { json = ["template_name": .string(name)] }
    public var name: String? { json.string("template_name") }
}

/// One rule of a bucket's trigger policy.
public struct TriggerRule: APIRecord {
    public var json: JSONObject
    public init(json: JSONObject) { self.json = json }

    public init(id: String, graphURN: String, events: [String], prefix: String? = nil, suffix: String? = nil) {
        json = ["id": .string(id), "graph_urn": .string(graphURN), "events": .array(events.map(JSONValue.string))]
        if let prefix { json["prefix"] = .string(prefix) }
        if let suffix { json["suffix"] = .string(suffix) }
    }

    public var id: String? { json.string("id") }
    public var graphURN: String? { json.string("graph_urn") }
    public var events: [String] { json.array("events")?.compactMap(\.stringValue) ?? [] }
    public var prefix: String? { json.string("prefix") }
    public var suffix: String? { json.string("suffix") }
}
