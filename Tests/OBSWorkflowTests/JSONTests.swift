import OBSWorkflow
import Testing

@Suite(.timeLimit(.minutes(5))) struct JSONTests {
    @Test func keepsOrderUnknownFieldsAndNulls() throws {
        let text = #"{"z":1,"a":null,"m":[true,false,1.5,-2,"s\n\"q\"\u00e9\ud83d\ude00"],"nested":{"b":{}}}"#
        let value = try JSONParser.parse(text)
        #expect(value.objectValue?.keys.elements == ["z", "a", "m", "nested"])
        #expect(value["a"] == .null)
        #expect(value["m"]?.arrayValue?[4] == .string("s\n\"q\"é😀"))
        #expect(try JSONParser.parse(value.jsonText) == value)
    }

    @Test func modelsTolerateNullsAndWrongTypes() throws {
        let body = try JSONParser.parse(
            #"{"execution_name":null,"execution_state":7,"started_at":"2020","stopped_at":"","brand_new":[1]}"#)
        let execution = try Execution(body: body)
        #expect(execution.executionName == nil)
        #expect(execution.state == nil)
        #expect(execution.startedAt == "2020")
        #expect(execution.stoppedAt == nil)
        #expect(execution.json["brand_new"] == [1])
        #expect(throws: ResponseShapeError.self) { try Execution(body: .array([])) }
    }

    @Test func modelsBuiltForAnswersUseTheAPIsFieldNames() {
        let execution = Execution(
            executionName: "e", executionURN: "urn:e", graphURN: "urn:g", state: .running, type: .apiCall,
            startedAt: "t", stoppedAt: nil)
        #expect(execution.json.keys.elements == [
            "graph_urn", "execution_urn", "started_at", "execution_type", "stopped_at", "execution_state", "execution_name",
        ])
        #expect(execution.json["stopped_at"] == "")
        let page = ExecutionPage(executions: [execution], nextMarker: "APICALLe")
        #expect(page.isTruncated && page.nextMarker == "APICALLe" && page.count == 1)
        #expect(page.executions == [execution])
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "\"\\x\"", "\"\u{01}\"", "[1] 2", "tru", "\"\\ud800\"",
        "{\"a\":1,}", "nul", "1e", "\"abc", "[" + String(repeating: "[", count: 600) + String(repeating: "]", count: 601),
    ])
    func rejectsMalformedInput(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func numbers() throws {
        #expect(try JSONParser.parse("9223372036854775807") == .int(Int.max))
        #expect(try JSONParser.parse("9223372036854775808") == .double(9223372036854775808))
        #expect(try JSONParser.parse("1e3").intValue == 1000)
        #expect(try JSONParser.parse("-0.25") == .double(-0.25))
        #expect(throws: JSONParseError.self) { try JSONParser.parse("1e999") }
    }
}

/// One duration grammar and one formatter for the language, options, the command line and
/// the emulator.
@Suite(.timeLimit(.minutes(5))) struct DurationTextTests {
    @Test func grammar() {
        let cases: [(String, Int?)] = [
            ("250ms", 250), ("2s", 2000), ("1h30m", 5_400_000), ("1.5s", 1500), ("-20m", -1_200_000), ("1_000ms", 1000),
            (" 15m ", 900_000), ("2d", 172_800_000), ("0s", 0),
            ("", nil), ("15", nil), ("m", nil), ("1x", nil), ("1.s", nil), ("--1s", nil), ("1s 2s", nil), ("9999999999999999999h", nil),
        ]
        for (text, expected) in cases { #expect(DurationText.parse(text) == expected, "\(text)") }
    }

    @Test func formatsReadBack() {
        for ms in [0, 1, 999, 1000, 61_001, 5_400_000, -1_200_000, 172_800_000 + 1, 8_999_999_999_999_999] {
            let text = DurationText.format(milliseconds: ms)
            #expect(DurationText.parse(text) == ms, "\(ms) → \(text)")
        }
        #expect(DurationText.format(milliseconds: 5_400_500) == "1h30m500ms")
        #expect(DurationText.format(milliseconds: 1849, .elapsed) == "1.8s")
        #expect(DurationText.format(milliseconds: 62_000, .elapsed) == "1m02s")
        #expect(Duration.milliseconds(500).formattedSeconds == "500ms")
    }
}
