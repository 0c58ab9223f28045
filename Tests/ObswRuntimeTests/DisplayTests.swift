import ObswLang
import ObswRuntime
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
