import Foundation
import OBSWorkflow
import OBSWTestSupport
import ObswLang
import ObswRuntime
import ObswTerminal
import ObswText
import Testing

@Suite(.timeLimit(.minutes(5))) struct DisplayTests {
    @Test func listOfRecordsIsAnAlignedTable() {
        let value: Value = [
            ["execution_name": "exec-0001", "execution_state": "FAILED", "stopped_at": ""],
            ["execution_name": "exec-0012", "execution_state": "SUCCESS", "extra": 3],
        ]
        #expect(Display.render(value) == """
            execution_name  execution_state  stopped_at  extra
            --------------  ---------------  ----------  -----
            exec-0001       FAILED           ""          -
            exec-0012       SUCCESS          -           3
            (2 rows)
            """)
        // Narrow terminals keep the most useful columns and say what they left out.
        #expect(Display.render(value, width: 32) == """
            execution_name  execution_state
            --------------  ---------------
            exec-0001       FAILED
            exec-0012       SUCCESS
            (2 rows; not shown: stopped_at, extra)
            """)
    }

    @Test func longCellsAreCut() {
        let urn = String(repeating: "x", count: 100)
        let text = Display.render([["urn": .string(urn)]])
        #expect(text.split(separator: "\n")[2].count == Display.maximumCellWidth)
        #expect(text.contains("…"))
    }

    @Test func recordIsKeyValueLinesWithNestedRecordsIndented() {
        let value: Value = [
            "execution_name": "exec-0001",
            "state_map": ["publish": ["status": "FAILED", "started_at": "t"]],
            "restored_at": nil,
        ]
        #expect(Display.render(value) == """
            execution_name  exec-0001
            state_map:
              publish:
                status      FAILED
                started_at  t
            restored_at     -
            """)
    }

    @Test func otherValuesInLiteralForm() {
        #expect(Display.render("plain text") == "plain text")
        #expect(Display.render([1, "a"]) == #"[1, "a"]"#)
        #expect(Display.render(.list([])) == "[]")
        #expect(Display.render(.map([:])) == "{}")
        #expect(Display.render(.duration(90_000)) == "1m30s")
    }
}

@Suite(.timeLimit(.minutes(5))) struct PresentationTests {
    @Test func elapsedTimeReadsTheSameEverywhere() {
        #expect(Duration.milliseconds(40).elapsedText == "0.0s")
        #expect(Duration.milliseconds(1849).elapsedText == "1.8s")
        #expect(Duration.milliseconds(59_999).elapsedText == "59.9s")
        #expect(Duration.seconds(62).elapsedText == "1m02s")
        #expect(Duration.seconds(3600 + 5 * 60).elapsedText == "1h05m00s")
        #expect(Duration.seconds(-3).elapsedText == "0.0s")
    }

    @Test func groupsAreATableOfKeyAndCount() {
        let rows: [Value] = [["s": "FAILED"], ["s": "SUCCESS"], ["s": "FAILED"]].map { .map($0) }
        let grouped: Value = .map(["FAILED": .list([rows[0], rows[2]]), "SUCCESS": .list([rows[1]])])
        #expect(Display.render(grouped) == "key      count\n-------  -----\nFAILED   2\nSUCCESS  1\n(2 rows)")
    }

    @Test func anExecutionShowsItsStateFirstAndStatesAreColoured() {
        let record: Value = .map(["execution_name": "e1", "execution_type": "APICALL", "execution_state": "FAILED"])
        #expect(Display.render(record).hasPrefix("execution_state  FAILED\n"))
        let coloured = Display.render(.list([record]), palette: Palette(enabled: true))
        #expect(coloured.contains("\u{1B}[31mFAILED\u{1B}[0m"))
        // Columns stay aligned: padding is counted without the colour codes.
        let plain = Display.render(.list([record]))
        #expect(coloured.replacing("\u{1B}[31m", with: "").replacing("\u{1B}[0m", with: "") == plain)
    }

    /// Tab never waits more than 300 ms for names: a slow service fills the cache for the
    /// next Tab instead of holding the prompt.
    @Test func aSlowServiceNeverHoldsTheCompletion() async throws {
        let server = try await TestHTTPServer.start { _, _ in
            .delayed(.seconds(15), .json(200, #"{"count": 1, "graphs": [{"name": "slow-graph"}]}"#))
        }
        let client = try OBSWorkflowClient(
            settings: TransportSettings(
                endpoint: try Endpoint(parsing: server.endpoint), credentials: Credentials(accessKeyID: "AK", secretAccessKey: Secret("SK")),
                // No retries, and time enough on a machine loaded by the other tests (a CI run
                // once saw a 3-s answer come after the 20 s allowed, and a retry sent a
                // second request): what is counted below is fetches, not the transport's attempts.
                retry: .never, requestTimeout: .seconds(120), connectTimeout: .seconds(120)))
        let host = ServiceHost(client: client)
        let (first, took) = await onThreadOfItsOwn { () -> ([String], Duration) in
            let started = ContinuousClock.now
            let names = host.graphNamesForCompletion()
            return (names, ContinuousClock.now - started)
        }
        #expect(first.isEmpty)
        // The answer takes 15 s, so a held prompt is told from a starved thread (which can
        // lose seconds on a loaded 2-core machine) without a tight bound.
        #expect(took < .seconds(10), "held \(took) (the bound is 300 ms; the service takes 15 s)")
        // The fetch went on; once it is in, Tab has the names — from one request.
        var names: [String] = []
        _ = await eventually(within: .seconds(120), every: .milliseconds(100)) {
            names = await onThreadOfItsOwn { host.graphNamesForCompletion() }
            return !names.isEmpty
        }
        #expect(names == ["slow-graph"])
        #expect(server.requests.count == 1, "a second fetch started while the first was running: \(server.requests.map(\.target))")
        await client.shutdown()
        await server.stop()
    }
}
