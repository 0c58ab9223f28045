import ObswJSON
import OBSWorkflow

/// Writes a scenario that reproduces a graph's executions as the service shows them (`obsw
/// snapshot`): the graph's definition, and each execution's name, type, state, times, input
/// and per-state records with the failed state's error text as the service wrote it.
/// Nothing of the operator's — credentials, signatures, request ids — is read into it.
///
/// It streams: a page of the listing is read in detail and written before the next page is
/// fetched, so 100,000 executions cost one page of memory.
public enum Snapshot {
    public struct Options: Sendable {
        public var graph: String
        /// Execution names; none: every execution the listing gives.
        public var targets: [String]
        public var state: ExecutionState?
        public var window: TimeWindow?
        public var redaction: Redaction
        /// How the command was asked, for the file's `source.query`.
        public var query: String
        /// How the executions are read in detail (at once, a ceiling on the pace).
        public var reads: ReadOptions

        public init(
            graph: String, targets: [String] = [], state: ExecutionState? = nil, window: TimeWindow? = nil,
            redaction: Redaction = Redaction(), query: String = "", reads: ReadOptions = ReadOptions()
        ) {
            self.graph = graph
            self.targets = targets
            self.state = state
            self.window = window
            self.redaction = redaction
            self.query = query
            self.reads = reads
        }
    }

    /// What was written.
    public struct Written: Sendable {
        public var executions: Int
        /// Pieces of text `--redact` masked.
        public var redactions: Int
    }

    /// Reads the graph and its executions and hands the scenario to `write` in pieces.
    /// The graph is read before anything is written, so a graph that does not exist
    /// writes nothing.
    public static func take(
        client: any WorkflowService, options: Options, service: String, begin: () throws(OperationError) -> Void,
        write: (String) throws(OperationError) -> Void, progress: any OperationProgress = .silent,
        stopped: @Sendable () -> Bool = { false }
    ) async throws(OperationError) -> Written {
        let started = ContinuousClock.now
        let client = client.forManyReads(Pacing(readCeiling: options.reads.requestsPerSecond))
        let graph = options.graph
        var redaction = options.redaction
        let detail: WorkflowDetail
        do { detail = try await client.workflow(named: graph) } catch { throw Self.failure(error) }
        let stateNames = detail.stateOrder
        for name in [graph] + stateNames {
            if let pattern = redaction.firstMatching(name) {
                throw .invalid("--redact '\(pattern)' matches '\(name)', a name the replay needs (the graph or one of its states); narrow the expression")
            }
        }
        try begin()
        var header: JSONObject = [
            "format": "obsw-scenario/1",
            "taken_at": .string(WireDate.iso8601(epochMilliseconds: WallClock.nowMilliseconds())),
        ]
        var source: JSONObject = ["service": .string(service)]
        if !options.query.isEmpty { source["query"] = .string(redaction.apply(options.query)) }
        header["source"] = .object(source)
        var graphHead: JSONObject = ["name": .string(graph)]
        if let description = detail.description, !description.isEmpty { graphHead["description"] = .string(redaction.apply(description)) }
        graphHead["definition"] = .object(redaction.definition(detail.definition ?? [:]))
        try write(String(header.jsonText.dropLast()) + ",\n\"graphs\": [\n" + String(graphHead.jsonText.dropLast()) + ",\n\"executions\": [\n")

        var count = 0
        func writePage(_ names: [String]) async throws(OperationError) {
            // Ctrl-C: a page at most is read in vain, and nothing is left written.
            if stopped() { throw .interrupted("interrupted") }
            let details: [ExecutionInfo]
            do {
                details = try await Concurrently.map(names, limit: options.reads.concurrency, cancelled: OBSWorkflowError.cancelled) {
                    name async throws(OBSWorkflowError) in try await client.execution(graph: graph, name: name)
                }
            } catch { throw Self.failure(error) }
            for (name, info) in zip(names, details) {
                if let pattern = redaction.firstMatching(name) {
                    throw .invalid("--redact '\(pattern)' matches the execution name '\(name)', which the replay needs; narrow the expression")
                }
                let record = Self.record(name: name, info: info, states: stateNames, redaction: &redaction)
                try write((count == 0 ? "" : ",\n") + record.jsonText)
                count += 1
            }
            if progress.isLive { progress.update("snapshot \(graph): \(count) execution\(count == 1 ? "" : "s") read") }
        }
        if !options.targets.isEmpty {
            var seen = Set<String>()
            let names = options.targets.filter { seen.insert($0).inserted }
            for start in stride(from: 0, to: names.count, by: 100) {
                try await writePage(Array(names[start..<min(names.count, start + 100)]))
            }
        } else {
            var pages = client.executions(graph: graph, type: nil, state: options.state, window: options.window, pageSize: 100)
                .pages.makeAsyncIterator()
            while true {
                let page: [Execution]?
                do { page = try await pages.next() } catch { throw Self.failure(error) }
                guard let page else { break }
                try await writePage(page.compactMap(\.executionName))
            }
        }
        if stopped() { throw .interrupted("interrupted") }
        try write("\n]\n}\n]\n}\n")
        let masked = redaction.count
        var summary = "snapshot \(graph): \(count) execution\(count == 1 ? "" : "s")"
        if !redaction.isEmpty { summary += ", \(masked) piece\(masked == 1 ? "" : "s") of text redacted" }
        progress.finish(summary + " in \((ContinuousClock.now - started).elapsedText)")
        return Written(executions: count, redactions: masked)
    }

    private static func failure(_ error: OBSWorkflowError) -> OperationError {
        if case .cancelled = error { return .interrupted("interrupted") }
        return .service(error)
    }

    /// One execution as the scenario records it: only the fields a replay serves.
    static func record(name: String, info: ExecutionInfo, states: [String], redaction: inout Redaction) -> JSONObject {
        var record: JSONObject = ["name": .string(name)]
        let type = info.json.string("execution_type") ?? ExecutionType.apiCall.rawValue
        record["type"] = .string(ExecutionType.known.contains(ExecutionType(rawValue: type)) ? type : ExecutionType.apiCall.rawValue)
        record["state"] = .string(info.json.string("execution_state") ?? "")
        record["started_at"] = .string(time(info.json.string("started_at")) ?? "")
        record["stopped_at"] = .string(time(info.json.string("stopped_at")) ?? "")
        if let restored = time(info.restoredAt) { record["restored_at"] = .string(restored) }
        if let input = info.json["input"], !input.isNull { record["input"] = redaction.value(input) }
        var stateMap = JSONObject()
        let recorded = info.json.object("state_map") ?? [:]
        let order = states.isEmpty ? Array(recorded.keys) : states
        for stateName in order {
            guard let state = recorded.object(stateName) else { continue }
            var entry: JSONObject = ["status": .string(state.string("status") ?? StateStatus.notRunning.rawValue)]
            if let started = time(state.string("started_at")) { entry["started_at"] = .string(started) }
            if let stopped = time(state.string("stopped_at")) { entry["stopped_at"] = .string(stopped) }
            if let error = state.string("error") { entry["error"] = .string(redaction.apply(error)) }
            stateMap[stateName] = .object(entry)
        }
        if recorded.isEmpty {
            // A detail without per-state records (DWR when the states could not be paired):
            // its failed states still say where it failed and why.
            for failed in info.failedStates {
                var entry: JSONObject = ["status": .string(StateStatus.failed.rawValue)]
                if let error = failed.error { entry["error"] = .string(redaction.apply(error)) }
                stateMap[failed.name] = .object(entry)
            }
        }
        record["state_map"] = .object(stateMap)
        return record
    }

    /// A service's time as the scenario writes it (ISO 8601 in UTC, milliseconds); nil for
    /// "not yet" (empty).
    static func time(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        if let ms = WireDate.parseISO8601(text) { return WireDate.iso8601(epochMilliseconds: ms) }
        if let ms = Int(text) { return WireDate.iso8601(epochMilliseconds: ms) }
        return text
    }
}

/// `--redact REGEX`: text matching any of the expressions is masked as `[redacted]` — in
/// inputs (keys and values), error texts, descriptions and the definition's free text.
public struct Redaction: Sendable {
    private var patterns: [TextPattern] = []
    /// Pieces masked so far.
    public private(set) var count = 0

    public static let mask = "[redacted]"

    public init() {}

    /// Compiles the expressions; the error names the one that is not an expression.
    public init(_ expressions: [String]) throws(OperationError) {
        for text in expressions {
            guard !text.isEmpty else { throw .invalid("--redact is empty; give a regular expression") }
            do { patterns.append(try TextPattern(text)) } catch {
                throw .invalid("--redact '\(text)' is not a regular expression: \(error)")
            }
            if (try? patterns.last!.regex.wholeMatch(in: "")) != nil {
                throw .invalid("--redact '\(text)' matches empty text; it would mask nothing useful and everything in between")
            }
        }
    }

    public var isEmpty: Bool { patterns.isEmpty }

    /// The first expression that finds something in `text`.
    func firstMatching(_ text: String) -> String? {
        patterns.first { $0.matches(text) }?.text
    }

    /// `text` with every match masked.
    mutating func apply(_ text: String) -> String {
        var result = text
        for pattern in patterns {
            let found = result.matches(of: pattern.regex).count
            guard found > 0 else { continue }
            count += found
            result = result.replacing(pattern.regex, with: Self.mask)
        }
        return result
    }

    /// Every string and key of a value, masked.
    mutating func value(_ value: JSONValue) -> JSONValue {
        guard !patterns.isEmpty else { return value }
        switch value {
        case .string(let text): return .string(apply(text))
        case .array(let items): return .array(items.map { self.value($0) })
        case .object(let members):
            var result = JSONObject()
            for (key, member) in members { result[apply(key)] = self.value(member) }
            return .object(result)
        default: return value
        }
    }

    /// A definition with its free text masked; the names a replay runs by (states, their
    /// order and types) are kept — `take` refuses an expression that matches one.
    mutating func definition(_ definition: JSONObject) -> JSONObject {
        guard !patterns.isEmpty else { return definition }
        let structural: Set<String> = ["state_name", "next_state", "type", "start"]
        func state(_ object: JSONObject) -> JSONObject {
            var result = JSONObject()
            for (key, member) in object { result[key] = structural.contains(key) ? member : value(member) }
            return result
        }
        var result = JSONObject()
        for (key, member) in definition {
            if key == "states" {
                if let list = member.arrayValue {
                    result[key] = .array(list.map { $0.objectValue.map { .object(state($0)) } ?? value($0) })
                } else if let map = member.objectValue {
                    result[key] = .object(JSONObject(uniqueKeysWithValues: map.map { ($0.key, $0.value.objectValue.map { .object(state($0)) } ?? value($0.value)) }))
                } else {
                    result[key] = member
                }
            } else {
                result[key] = value(member)
            }
        }
        return result
    }
}
