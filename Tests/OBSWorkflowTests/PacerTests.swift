import OBSWTestSupport
import Testing

@testable import OBSWorkflow

/// The pacer's decisions, answer by answer. Its clock is the real one, so these check what
/// does not depend on how fast the machine is; the rates it reaches against a real quota
/// are checked in PacingTests (through the emulator) and measured by scripts/bench.
@Suite(.timeLimit(.minutes(5))) struct PacerTests {
    static func answer(_ status: Int) -> AttemptOutcome { .answered(HTTPAnswer(status: status, headers: [], body: [])) }

    @Test func unpacedUntilTheServiceRefuses() async {
        let pacer = Pacer()
        for _ in 0..<20 {
            let ticket = await pacer.acquire()
            pacer.record(Self.answer(200), ticket)
        }
        // Not answering at all says nothing about a quota.
        pacer.record(.failed(TransportFailure(kind: .timedOut, reason: "no answer")), await pacer.acquire())
        #expect(pacer.status == Pacer.Status(rate: nil, found: nil, refused: 0, sent: 21))
    }

    static func gateway(_ limit: String) -> AttemptOutcome {
        let body = "{\"error_msg\": \"The throttling threshold has been reached: policy user over ratelimit,\(limit)\", \"error_code\": \"APIG.0308\"}"
        return .answered(HTTPAnswer(status: 429, headers: [], body: Array(body.utf8)))
    }

    /// Huawei's API gateway states its quota in the refusal: the pace goes to it at once,
    /// just under it, and never above it however long nothing is refused.
    @Test func aQuotaTheServiceStatesIsPacedToAtOnce() async throws {
        let pacer = Pacer()
        var tickets: [Pacer.Ticket] = []
        for _ in 0..<Pacer.firstWindow { tickets.append(await pacer.acquire()) }
        pacer.record(Self.answer(200), tickets[0])
        pacer.record(Self.gateway("limit:30,time:1 second"), tickets[1])
        #expect(pacer.status.rate == 30 * Pacer.statedShare)
        for ticket in tickets.dropFirst(2) { pacer.record(Self.gateway("limit:30,time:1 second"), ticket) }
        #expect(pacer.status.rate == 30 * Pacer.statedShare, "the rest of the burst changes nothing")
        let epoch = Pacer.Ticket(epoch: 1)
        for _ in 0..<200 { pacer.record(Self.answer(200), epoch) }
        try await Task.sleep(for: .milliseconds(1500))  // past the curve's flat part: it would climb
        #expect(pacer.status.rate == 30 * Pacer.statedShare, "never above the stated quota")
        // A ceiling below it still holds.
        let low = Pacer(ceiling: 10)
        low.record(Self.gateway("limit:30,time:1 second"), await low.acquire())
        #expect(low.status.rate == 10)
    }

    @Test func theStatedQuotaIsReadOrLeft() {
        func quota(_ text: String) -> Double? { Pacer.statedQuota(in: Array(text.utf8)) }
        #expect(quota("policy user over ratelimit,limit:30,time:1 second") == 30)
        #expect(quota("over ratelimit,limit:600,time:1 minute\"") == 10)
        #expect(quota("over ratelimit,limit:7200,time:2 hours") == 1)
        #expect(quota("over ratelimit,limit:5,time:second") == 5)
        for nothing in [
            "", "ratelimit,limit:", "ratelimit,limit:0,time:1 second", "ratelimit,limit:30,time:0 second",
            "ratelimit,limit:30,time:1 fortnight", "ratelimit,limit:9999999999999999999999,time:1 second",
            "ratelimit,limit:30,time:9999999999999 second", "ratelimit,limit:30", "ratelimit,limit:-3,time:1 second",
            "service busy",
        ] {
            #expect(quota(nothing) == nil, "\(nothing)")
        }
    }

    /// Before anything is known, a few requests go out, and more as answers come back: a
    /// quota of 30 a second holds 3, and 32 workers at once would be refused 29 times.
    @Test func theFirstRequestsGoOutAFewAtATimeAsAnswersComeBack() async throws {
        let pacer = Pacer()
        let first = Pacer.firstWindow
        var tickets: [Pacer.Ticket] = []
        for _ in 0..<first { tickets.append(await pacer.acquire()) }
        // Each accepted answer widens the window by one: now twice as many go out without
        // waiting (were the window not wider, these acquires would wait for ever and the time
        // limit fail).
        for ticket in tickets { pacer.record(Self.answer(200), ticket) }
        tickets = []
        for _ in 0..<2 * first { tickets.append(await pacer.acquire()) }
        let next = Task { await pacer.acquire() }
        for _ in 0..<100 { await Task.yield() }
        #expect(pacer.status.sent == 3 * first, "the next one waits for an answer")
        pacer.record(Self.answer(200), tickets[0])
        _ = await next.value
        #expect(pacer.status.sent == 3 * first + 1)
        #expect(pacer.status.rate == nil, "still unpaced: nothing was refused")
        // An attempt that got no answer gives its place back too.
        let another = Task { await pacer.acquire() }
        pacer.record(.failed(TransportFailure(kind: .timedOut, reason: "no answer")), tickets[1])
        _ = await another.value
        #expect(pacer.status.sent == 3 * first + 2)
    }

    /// After a cut the pace is back at the rate found after `recovery` whatever the rate:
    /// clients sharing a quota, cut alike, climb back alike.
    @Test func thePaceIsBackAtTheRateFoundAfterASecond() async throws {
        let pacer = Pacer(ceiling: 20)
        pacer.record(Self.answer(200), await pacer.acquire())
        pacer.record(Self.answer(503), await pacer.acquire())
        for _ in 0..<7 { pacer.record(Self.answer(200), Pacer.Ticket(epoch: 1)) }
        pacer.record(Self.answer(503), Pacer.Ticket(epoch: 1))
        let found = try #require(pacer.status.found)
        #expect(abs(try #require(pacer.rate(secondsIntoEpoch: 0)) - 0.9 * found) < 0.01)
        #expect(abs(try #require(pacer.rate(secondsIntoEpoch: Pacer.recovery)) - found) < 0.01)
        #expect(try #require(pacer.rate(secondsIntoEpoch: 2 * Pacer.recovery)) > found)
    }

    @Test func aCeilingHoldsFromTheStart() async {
        let pacer = Pacer(ceiling: 40)
        _ = await pacer.acquire()
        #expect(pacer.status.rate == 40)
    }

    @Test func theFirstRefusalStartsSlowFromWhatTheBurstGotAndOnlyOnce() async {
        let pacer = Pacer()
        // 5 accepted one after another (each widening the window), then 7 at once, refused.
        for _ in 0..<5 { pacer.record(Self.answer(200), await pacer.acquire()) }
        var tickets: [Pacer.Ticket] = []
        for _ in 0..<7 { tickets.append(await pacer.acquire()) }
        pacer.record(Self.answer(429), tickets.removeFirst())
        #expect(pacer.status.rate == 5, "slow start from the 5 the burst got, a second")
        // The rest of the burst was sent at the old pace: counted, but no further decrease.
        for ticket in tickets { pacer.record(Self.answer(503), ticket) }
        #expect(pacer.status == Pacer.Status(rate: 5, refused: 7, sent: 12))
        // Each answer accepted at the new pace adds 1/doubling (10) a second.
        for _ in 0..<3 {
            pacer.record(Self.answer(200), Pacer.Ticket(epoch: 1))
        }
        #expect(pacer.status.rate == 35)
    }

    @Test func aRefusalAtAPaceCutsItToTheShareTheServiceAccepted() async throws {
        let pacer = Pacer()
        pacer.record(Self.answer(200), await pacer.acquire())
        pacer.record(Self.answer(429), await pacer.acquire())  // slow start from 1 a second
        // Slow start to 1 + 15 × 10 = 151 a second; then refusals.
        for _ in 0..<15 { pacer.record(Self.answer(200), Pacer.Ticket(epoch: 1)) }
        #expect(pacer.status.rate == 151)
        for _ in 0..<4 { pacer.record(Self.answer(429), Pacer.Ticket(epoch: 1)) }
        // With `evidence` answers at the pace already in, the first refusal decides.
        let rate = try #require(pacer.status.rate)
        // 15 of 16 answers accepted at 151/s → peak ≈ 141.6; the curve restarts at 0.9 of it.
        #expect(abs(rate - 0.9 * 151 * 15 / 16) < 2, "\(rate)")
        // Refusals of requests sent at 151/s do not cut again.
        for _ in 0..<10 { pacer.record(Self.answer(429), Pacer.Ticket(epoch: 1)) }
        #expect(abs((pacer.status.rate ?? 0) - rate) < 2)
        #expect(pacer.status.refused == 15)
    }

    /// A summary names the rate the service was found to accept, not the pace in force at the
    /// end: with nothing refused the pace climbs (CUBIC's curve) — a CI run once reported
    /// "paced to 3005/s" through a 200/s quota, after the last requests went out unrefused.
    @Test func theRateFoundStaysWhileThePaceClimbs() async throws {
        let pacer = Pacer()
        pacer.record(Self.answer(200), await pacer.acquire())
        pacer.record(Self.answer(429), await pacer.acquire())
        #expect(pacer.status.found == nil, "slow start has found nothing yet")
        for _ in 0..<15 { pacer.record(Self.answer(200), Pacer.Ticket(epoch: 1)) }
        pacer.record(Self.answer(429), Pacer.Ticket(epoch: 1))
        let found = try #require(pacer.status.found)
        #expect(abs(found - 151 * 15 / 16) < 1, "\(found)")
        // Past `recovery`, the curve rises above the rate found; the rate found stays.
        #expect(await eventually(within: .seconds(10)) { (pacer.status.rate ?? 0) > found * 1.01 })
        #expect(pacer.status.found == found)
    }

    @Test func aCutNeverGoesBelowAQuarterOrOneASecond() async throws {
        let pacer = Pacer(ceiling: 8)
        pacer.record(Self.answer(429), await pacer.acquire())  // at the ceiling: slow start from 1
        for _ in 0..<8 { pacer.record(Self.answer(429), Pacer.Ticket(epoch: 1)) }
        let rate = try #require(pacer.status.rate)
        #expect(rate >= Pacer.slowest && rate <= 1, "\(rate)")
    }
}
