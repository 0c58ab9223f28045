import OBSWorkflow
@testable import OBSWorkflowEmulator
import Testing

/// The execution engine alone: time is a parameter, so every case is exact.
@Suite(.timeLimit(.minutes(5))) struct ExecutionRunTests {
    func run(_ object: String, durations: [Int] = [100, 100, 100], failureStep: Int? = 2) -> ExecutionRun {
        ExecutionRun(
            name: "e", type: .apiCall, bucket: "b", object: object, inputs: nil, durations: durations, failureStep: failureStep,
            start: 1000)
    }

    @Test func runsThroughItsStates() {
        let e = run("ok.jpg")
        let early = e.snapshot(at: 1050)
        #expect(early.state == .running)
        #expect(early.steps.map(\.status) == [.running, .notRunning, .notRunning])
        let middle = e.snapshot(at: 1150)
        #expect(middle.steps.map(\.status) == [.success, .running, .notRunning])
        #expect(middle.steps[1].startedAt == 1100)
        let done = e.snapshot(at: 5000)
        #expect(done.state == .success && done.stoppedAt == 1300)
        #expect(done.steps.map(\.status) == [.success, .success, .success])
    }

    @Test func failOnceResumesFromTheFailedStateWithoutRerunningTheOthers() {
        var e = run("photos/fail-once-1.jpg")
        let failed = e.snapshot(at: 2000)
        #expect(failed.state == .failed && failed.failedStep == 2 && failed.stoppedAt == 1300)
        #expect(failed.steps.map(\.status) == [.success, .success, .failed])
        e.restore(at: 3000, failed: e.snapshot(at: 3000), stateName: "c")
        let resuming = e.snapshot(at: 3050)
        #expect(resuming.state == .running)
        #expect(resuming.steps[0].startedAt == 1000 && resuming.steps[1].startedAt == 1100)
        #expect(resuming.steps[2].startedAt == 3000 && resuming.steps[2].status == .running)
        let done = e.snapshot(at: 4000)
        #expect(done.state == .success && done.stoppedAt == 3100)
        #expect(done.steps[0].startedAt == 1000)  // unchanged
        #expect(e.restores == 1 && e.restoredAt == 3000)
    }

    @Test func failTwiceAndFailAlways() {
        var twice = run("fail-twice.mp4")
        twice.restore(at: 2000, failed: twice.snapshot(at: 2000), stateName: "c")
        #expect(twice.snapshot(at: 2500).state == .failed)
        twice.restore(at: 3000, failed: twice.snapshot(at: 3000), stateName: "c")
        #expect(twice.snapshot(at: 3500).state == .success)

        var always = run("x-fail-always")
        for t in [2000, 3000, 4000] {
            always.restore(at: t, failed: always.snapshot(at: t), stateName: "c")
            let s = always.snapshot(at: t + 500)
            #expect(s.state == .failed && s.failedStep == 2)
            #expect(s.steps[2].startedAt == t)
        }
        #expect(always.restores == 3)
    }

    @Test func failureModesFromObjectKeys() {
        #expect(FailureMode(objectKey: "a/fail-once-3.jpg") == .once)
        #expect(FailureMode(objectKey: "fail-twice") == .twice)
        #expect(FailureMode(objectKey: "fail-always-and-fail-once") == .always)
        #expect(FailureMode(objectKey: "fine.jpg") == .never)
    }

    @Test func definitionOrderFollowsNextState() throws {
        let states: [JSONObject] = [
            ["state_name": "end", "type": "END"],
            ["state_name": "b", "type": "OPERATION", "actions": [["results": [["next_state": "end"]]]]],
            ["state_name": "a", "type": "OPERATION", "start": true, "next_state": "b"],
            ["state_name": "wait", "type": "DELAY", "time_delay": 3],
        ]
        let steps = try Graph.steps(fromStates: states)
        #expect(steps.map(\.name) == ["a", "b", "end", "wait"])
        #expect(steps.map(\.baseMilliseconds) == [400, 400, 0, 3000])
        #expect(throws: DefinitionError.self) { try Graph.steps(fromStates: []) }
        #expect(throws: DefinitionError.self) {
            try Graph.steps(fromStates: [["state_name": "a", "start": true], ["state_name": "b", "start": true]])
        }
        #expect(throws: DefinitionError.self) { try Graph.steps(fromStates: [["type": "END"]]) }
    }

    @Test func faultSpecParsing() throws {
        let spec = try FaultSpec(parsing: "500=0.2,503=0.05,429=0.05,drop=0.02,restore-drop=0.02,retry-after=2,seed=7")
        #expect(spec.internalError == 0.2 && spec.throttled == 0.05 && spec.restoreDrop == 0.02 && spec.retryAfterSeconds == 2)
        #expect(try FaultSpec(parsing: spec.description) == spec)
        #expect(try FaultSpec(parsing: "") == .none)
        for bad in ["500", "500=2", "boom=0.1", "500=0.6,503=0.6", "slow-ms=-1"] {
            #expect(throws: FaultSpecError.self) { try FaultSpec(parsing: bad) }
        }
    }

    @Test func bucketFromVirtualHost() {
        #expect(Dispatcher.bucket(fromHost: "demo-bucket.obs.cn-north-4.myhuaweicloud.com") == "demo-bucket")
        #expect(Dispatcher.bucket(fromHost: "demo-bucket.127.0.0.1:9000") == "demo-bucket")
        #expect(Dispatcher.bucket(fromHost: "127.0.0.1:9000") == nil)
        #expect(Dispatcher.bucket(fromHost: "localhost:9000") == nil)
    }
}

