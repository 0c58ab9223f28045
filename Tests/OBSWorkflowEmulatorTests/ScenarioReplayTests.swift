import Foundation
import OBSWorkflow
import OBSWorkflowEmulator
import OBSWTestSupport
import Testing

/// Scenario files with recorded executions: checked against the schema with every mistake
/// named by its place, served as recorded, and resumed as their rules say.
@Suite(.timeLimit(.minutes(5))) struct ScenarioReplayTests {
    static func scenario(_ text: String) throws -> Scenario {
        try Scenario.parse(try JSONParser.parse(text), file: "s.json")
    }

    static func problem(_ text: String) -> String {
        do {
            _ = try scenario(text)
            return "accepted"
        } catch let error as ScenarioError { return error.description } catch { return "\(error)" }
    }

    static let graph = """
        {"name": "thumbnails", "states": ["make-thumbnail", "publish"], "executions": [EXECUTIONS]RULES}
        """

    static func document(_ executions: [String], rules: String = "") -> String {
        let rules = rules.isEmpty ? "" : ", \"on_resume\": [\(rules)]"
        return "{\"graphs\": [" + graph.replacing("EXECUTIONS", with: executions.joined(separator: ",")).replacing("RULES", with: rules) + "]}"
    }

    static func failed(_ name: String, in state: String = "publish", error: String, extra: String = "") -> String {
        let first = state == "publish" ? "\"make-thumbnail\": {\"status\": \"SUCCESS\", \"started_at\": \"2026-12-07T01:00:00.100Z\", \"stopped_at\": \"2026-12-07T01:00:00.500Z\"}, " : ""
        return """
            {"name": "\(name)", "type": "TRIGGERCAL", "state": "FAILED", "started_at": "2026-12-07T01:00:00.100Z",
             "stopped_at": "2026-12-07T01:00:00.900Z", "input": "{\\"bucket\\":\\"b\\",\\"object\\":\\"k/\(name).jpg\\"}",
             "state_map": {\(first)"\(state)": {"status": "FAILED", "started_at": "2026-12-07T01:00:00.500Z",
             "stopped_at": "2026-12-07T01:00:00.900Z", "error": "\(error)"}}\(extra)}
            """
    }

    @Test func theSchemaIsTheOneDocumented() throws {
        let documented = try String(contentsOf: SDKPython.packageRoot.appendingPathComponent("docs/scenario.schema.json"), encoding: .utf8)
        #expect(documented == ScenarioSchema.text, "regenerate docs/scenario.schema.json: obsw emulator --scenario-schema > docs/scenario.schema.json")
    }

    @Test func mistakesNameTheirPlace() {
        let good = Self.failed("e1", error: "boom")
        #expect(Self.problem(Self.document([good])) == "accepted")
        let cases: [(String, String)] = [
            (Self.document([good, good.replacing("\"state_map\": {", with: "\"state_map\": \"x\", \"other\": {")]),
             "graphs[0].executions[1].state_map: must be an object, not the string \"x\""),
            (Self.document([good.replacing("\"publish\": {\"status\"", with: "\"publsh\": {\"status\"")]),
             "graphs[0].executions[0].state_map.publsh: is not a state of graph thumbnails (its states: make-thumbnail, publish)"),
            (Self.document([good.replacing("\"FAILED\", \"started_at\": \"2026-12-07T01:00:00.100Z\"", with: "\"FAILED\", \"started_at\": \"noon\"")]),
             "graphs[0].executions[0].started_at: \"noon\" is not a time in ISO 8601"),
            (Self.document([good.replacing("\"state\": \"FAILED\"", with: "\"state\": \"DONE\"")]),
             "graphs[0].executions[0].state: must be one of \"RUNNING\", \"SUCCESS\", \"FAILED\""),
            (Self.document([good.replacing("\"type\": \"TRIGGERCAL\",", with: "\"colour\": 1,")]),
             "graphs[0].executions[0].colour: is not a field here"),
            (Self.document([good, Self.failed("e1", error: "again")]),
             "graphs[0].executions[1].name: execution e1 is also graphs[0].executions[0]"),
            (Self.document([good.replacing("\"status\": \"FAILED\"", with: "\"status\": \"SUCCESS\"")]),
             "graphs[0].executions[0].state_map: a FAILED execution needs a state whose status is FAILED"),
            (Self.document([good], rules: "{\"when\": {\"state\": \"publsh\"}, \"then\": \"succeed\"}"),
             "graphs[0].on_resume[0].when.state: 'publsh' is not a state of graph thumbnails"),
            (Self.document([good], rules: "{\"when\": {\"error_matches\": \"(unclosed\"}}"),
             "graphs[0].on_resume[0].when.error_matches: is not a regular expression"),
            (Self.document([good], rules: "{\"then\": \"fail_again\", \"fail_again_probability\": 0.5}"),
             "graphs[0].on_resume[0].fail_again_probability: and 'then' both say what happens"),
            (Self.document([good], rules: "{\"fail_again_probability\": 1.5}"),
             "graphs[0].on_resume[0].fail_again_probability: must be at most 1, not 1.5"),
            (Self.document([good], rules: "{\"run_for\": \"soon\"}"),
             "graphs[0].on_resume[0].run_for: \"soon\" is not a duration like 500ms"),
            ("{\"graphs\": [{\"name\": \"g\"}]}", "graphs[0]: needs 'states' (state names in run order) or 'definition'"),
            ("{\"graphs\": [{\"name\": \"g\", \"states\": []}]}", "graphs[0].states: must have at least 1 item"),
            ("{\"graphs\": [], \"executions\": [{\"graph\": \"nope\", \"object\": \"k\"}]}", "executions[0].graph: no graph 'nope' in this scenario"),
            ("[]", "must be an object, not an array"),
        ]
        for (text, expected) in cases {
            let said = Self.problem(text)
            #expect(said.contains(expected), "\(expected)\n-- said --\n\(said)")
            #expect(said.hasPrefix("s.json: not a valid scenario:"), "\(said)")
        }
    }

    /// The reference validator (python-jsonschema, Draft 2020-12) accepts the schema, and
    /// finds problems in the same places as obsw's own checker — in the shipped example (none)
    /// and in documents with one or several mistakes.
    @Test func theReferenceValidatorAgrees() async throws {
        let python = try #require(SDKPython.path, "jsonschema is not installed: run scripts/setup-sdk (scripts/test does)")
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let good = Self.failed("e1", error: "boom")
        let documents = [
            try String(contentsOf: SDKPython.packageRoot.appendingPathComponent("examples/demo-incident.json"), encoding: .utf8),
            Self.document([good]),
            Self.document([good, good.replacing("\"state_map\": {", with: "\"state_map\": \"x\", \"other\": {")]),
            Self.document([good.replacing("\"started_at\": \"2026-12-07T01:00:00.100Z\", \"stopped_at\"", with: "\"started_at\": \"noon\", \"stopped_at\"")
                .replacing("\"type\": \"TRIGGERCAL\"", with: "\"type\": \"CRON\", \"colour\": 1")]),
            Self.document([good], rules: "{\"when\": {\"state\": \"\", \"odd key\": 1}, \"then\": \"maybe\", \"fail_again_probability\": 2}"),
            "{\"graphs\": [{\"name\": \"g\", \"states\": [], \"seed\": {\"count\": -1, \"over\": \"later\"}}], \"executions\": [{\"graph\": \"g\"}]}",
            "{\"graphs\": [{\"name\": \"g\", \"definition\": {\"states\": {\"a\": {\"type\": \"OPERATION\"}}}}]}",
        ]
        var files: [String] = []
        var ours: [String] = []
        for (index, text) in documents.enumerated() {
            files.append(dir.write("\(index).json", text))
            let problems = Scenario.schema.problems(in: try JSONParser.parse(text), limit: 100)
            ours.append(problems.isEmpty ? "valid" : Set(problems.map(\.path)).sorted().joined(separator: " "))
        }
        let script = SDKPython.packageRoot.appendingPathComponent("Tests/Conformance/scenario_schema.py").path
        let schema = SDKPython.packageRoot.appendingPathComponent("docs/scenario.schema.json").path
        let run = try await runProgramInBackground(URL(fileURLWithPath: python), [script, schema] + files)
        #expect(run.status == 0, "\(run.stderr)")
        let theirs = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        // Where none of a value's alternatives (anyOf) fits, the reference validator names the
        // value and obsw the deepest place inside it that the nearest alternative found wrong.
        func same(_ a: String, _ b: String) -> Bool {
            let (x, y) = (a.split(separator: " ").map(String.init), b.split(separator: " ").map(String.init))
            return x.allSatisfy { p in y.contains { $0 == p || $0.hasPrefix(p + ".") || $0.hasPrefix(p + "[") } }
                && y.allSatisfy { p in x.contains { p == $0 || p.hasPrefix($0 + ".") || p.hasPrefix($0 + "[") } }
        }
        #expect(theirs.count == ours.count && zip(theirs, ours).allSatisfy(same),
            "python-jsonschema:\n\(theirs.joined(separator: "\n"))\nobsw:\n\(ours.joined(separator: "\n"))")
        #expect(ours[0] == "valid" && ours[1] == "valid" && ours[2] != "valid")
    }

    @Test func aFileCutShortSaysWhereItEnds() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let text = Self.document([Self.failed("e1", error: "boom")])
        let path = dir.path + "/half.json"
        try String(text.prefix(text.count / 2)).write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try Scenario.load(path: path)
            Issue.record("a half-written file was accepted")
        } catch {
            #expect(error.description.hasPrefix("\(path):"), "\(error)")
            #expect(error.description.contains(try Regex(#"half\.json:\d+:\d+: not valid JSON: "#)), "\(error)")
            #expect(error.description.contains("was it written completely?"), "\(error)")
        }
        do {
            _ = try Scenario.load(path: dir.path)
            Issue.record("a folder was accepted")
        } catch {
            #expect(error.description == "cannot read scenario file \(dir.path)", "\(error)")
        }
    }

    /// Served as recorded on both faces, then resumed as the rules say: the 403s fail again
    /// with their own error, the timeouts succeed after run_for, one execution's own rule
    /// wins over the graph's, and a RUNNING one ends after its run_for.
    @Test func replaysAndResumesAsTheRulesSay() async throws {
        let document = Self.document(
            [
                Self.failed("e-403", error: "AccessDenied: 403 Forbidden for k/e-403.jpg"),
                Self.failed("e-timeout", in: "make-thumbnail", error: "States.Timeout: timed out after 30012 ms"),
                Self.failed("e-own", error: "AccessDenied: 403 Forbidden", extra: ", \"on_resume\": {\"then\": \"succeed\"}"),
                Self.failed("e-new", error: "boom", extra: ", \"on_resume\": {\"then\": \"fail_again\", \"error\": \"new boom\"}"),
                Self.failed("e-group", error: "States.Timeout: publish timed out after 30999 ms on host-7"),
                """
                {"name": "e-running", "state": "RUNNING", "started_at": "2026-12-07T01:00:00Z", "run_for": "300ms",
                 "state_map": {"make-thumbnail": {"status": "RUNNING", "started_at": "2026-12-07T01:00:00.200Z"}}}
                """,
            ],
            rules: """
                {"when": {"error_group": "States.Timeout: publish timed out after <n> ms on host-<n>"}, "then": "fail_again", "error": "grouped"},
                {"when": {"error_contains": "403"}, "then": "fail_again", "run_for": "100ms"},
                {"when": {"error_matches": "timed out after [0-9]+ ms", "state": "make-thumbnail"}, "then": "succeed", "run_for": "100ms"}
                """)
        let scenario = try Self.scenario(document)
        try await withEmulator(EmulatorConfiguration(scenario: scenario)) { emulator, client in
            let recorded = try await client.execution(graph: "thumbnails", name: "e-403")
            #expect(recorded.json.string("started_at") == "2026-12-07T01:00:00.100Z")
            #expect(recorded.json.string("stopped_at") == "2026-12-07T01:00:00.900Z")
            #expect(recorded.json.string("execution_type") == "TRIGGERCAL")
            #expect(recorded.input == "{\"bucket\":\"b\",\"object\":\"k/e-403.jpg\"}")
            #expect(recorded.withFailedStates.failedStates.map(\.error) == ["AccessDenied: 403 Forbidden for k/e-403.jpg"])
            #expect(recorded.stateMap["make-thumbnail"]?.status == .success)

            for name in ["e-403", "e-timeout", "e-own", "e-new", "e-group"] { _ = try await client.restoreExecution(graph: "thumbnails", name: name) }
            var finals: [String: ExecutionInfo] = [:]
            let done = try await eventually {
                for name in ["e-403", "e-timeout", "e-own", "e-new", "e-group", "e-running"] {
                    finals[name] = try await client.execution(graph: "thumbnails", name: name)
                }
                return finals.values.allSatisfy { $0.state != .running }
            }
            #expect(done, "every execution finished")
            #expect(finals["e-403"]?.state == .failed)
            #expect(finals["e-403"]?.withFailedStates.failedStates.map(\.error) == ["AccessDenied: 403 Forbidden for k/e-403.jpg"])
            #expect(finals["e-403"]?.restoredAt != nil)
            #expect(finals["e-timeout"]?.state == .success)
            #expect(finals["e-own"]?.state == .success, "the execution's own rule comes before the graph's")
            #expect(finals["e-new"]?.withFailedStates.failedStates.map(\.error) == ["new boom"])
            #expect(finals["e-running"]?.state == .success)
            #expect(finals["e-group"]?.withFailedStates.failedStates.map(\.error) == ["grouped"], "a cause as triage shows it")
            #expect(emulator.restoreCounts().map(\.execution) == ["e-403", "e-group", "e-new", "e-own", "e-timeout"])

            // A RUNNING or SUCCESS execution cannot be resumed, as on the service.
            do {
                _ = try await client.restoreExecution(graph: "thumbnails", name: "e-timeout")
                Issue.record("a SUCCESS execution was resumed")
            } catch {
                #expect("\(error)".contains("not FAILED"), "\(error)")
            }
        }
    }

    /// fail_again_probability decides per execution and restore, so two replays agree, and
    /// about the share asked for fails again.
    @Test func aProbabilityIsTheSameEveryTime() async throws {
        let names = (0..<200).map { "e\($0)" }
        let document = Self.document(names.map { Self.failed($0, error: "flaky") }, rules: "{\"fail_again_probability\": 0.3}")
        var runs: [[String]] = []
        for _ in 0..<2 {
            let scenario = try Self.scenario(document)
            let failedAgain = try await withEmulator(EmulatorConfiguration(speed: 100, scenario: scenario)) { _, client in
                for name in names { _ = try await client.restoreExecution(graph: "thumbnails", name: name) }
                var states: [String: ExecutionState] = [:]
                _ = try await eventually {
                    for name in names where states[name] == nil || states[name] == .running {
                        states[name] = try await client.execution(graph: "thumbnails", name: name).state
                    }
                    return states.values.allSatisfy { $0 != .running }
                }
                return names.filter { states[$0] == .failed }
            }
            runs.append(failedAgain)
        }
        #expect(runs[0] == runs[1])
        #expect((40...80).contains(runs[0].count), "\(runs[0].count) of 200 failed again at 0.3")
    }
}
