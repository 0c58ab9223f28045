import OBSWorkflow
import OBSWorkflowEmulator
import Testing

/// Numbers that come from a client — headers and bodies — are checked, never trusted to fit:
/// each of these requests once killed the emulator (SIGILL on an arithmetic overflow).
@Suite(.timeLimit(.minutes(5))) struct OutsideNumbersTests {
    @Test func aDateWithAHugeYearIsRefusedNotACrash() async throws {
        try await withEmulator(EmulatorConfiguration(scenario: .demo)) { emulator, client in
            for date in ["Thu, 01 Mar 300000000000 00:00:00 GMT", "Thu, 01 Mar 9223372036854775807 00:00:00 GMT",
                "Thu, 01 Mar -9223372036854775807 00:00:00 GMT", "Thu, 01 Mar 0 00:00:00 GMT"]
            {
                let answer = try await rawRequest(
                    emulator, "GET", "/v2/workflows/?x-workflow-prefix", omitDate: true, extraHeaders: [("Date", date)])
                #expect(answer.status == 403, "\(date): \(answer.status)")
                #expect(answer.code == "AccessDenied", "\(date)")
            }
            // Still serving.
            #expect(try await client.executions(graph: "thumbnails").collect().count == 320)
        }
    }

    @Test func aDelayTooLongForTheClockIsRefused() async throws {
        try await withEmulator(EmulatorConfiguration(scenario: .demo)) { emulator, client in
            for delay in ["1e16", "10000000000000000", "9223372036854775807", "-1", "31536001", "1.5", "\"soon\""] {
                let body = #"{"states":[{"state_name":"wait","type":"DELAY","time_delay":"# + delay + "}]}"
                let answer = try await rawRequest(emulator, "POST", "/v2/workflows/delayed?x-workflow-create", body: Array(body.utf8))
                #expect(answer.status == 400, "time_delay \(delay): \(answer.status)")
                #expect(answer.json?.string("message")?.contains("time_delay must be 0 to 31536000 seconds") == true, "\(delay)")
            }
            let year = #"{"states":[{"state_name":"wait","type":"DELAY","time_delay":31536000}]}"#
            #expect(try await rawRequest(emulator, "POST", "/v2/workflows/yearly?x-workflow-create", body: Array(year.utf8)).status == 201)
            #expect(try await client.executions(graph: "thumbnails").collect().count == 320)
        }
    }

    @Test func anExtremeSpeedOrClockOffsetStaysWithinTheClock() async throws {
        try await withEmulator(EmulatorConfiguration(speed: 1e-300, scenario: .demo)) { _, client in
            #expect(try await client.executions(graph: "thumbnails").collect().count == 320)
            let started = try await client.startExecution(graph: "thumbnails", bucket: "b", object: "photos/x.jpg")
            #expect(try await client.execution(graph: "thumbnails", name: started.executionName ?? "").summary.state == .running)
        }
        var skewed = EmulatorConfiguration(scenario: .demo)
        skewed.clockOffsetMilliseconds = Int.max
        try await withEmulator(skewed) { emulator, _ in
            // A century ahead at most: the request is refused as skewed, and answered.
            let answer = try await rawRequest(emulator, "GET", "/v2/workflows/?x-workflow-prefix")
            #expect(answer.status == 403 && answer.code == "RequestTimeTooSkewed")
        }
    }
}
