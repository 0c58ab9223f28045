import Synchronization

/// The pace of one bulk call's requests, shared by all its workers: one `Pacer` for resumes
/// and one for everything else (reads), because services quota them separately.
public final class Pacing: Sendable {
    public let resumes: Pacer
    public let reads: Pacer

    /// - Parameters:
    ///   - resumeCeiling: resumes a second never to exceed (`resume --rps`), or nil.
    ///   - readCeiling: reads a second never to exceed (`triage --rps`), or nil.
    public init(resumeCeiling: Int? = nil, readCeiling: Int? = nil) {
        resumes = Pacer(ceiling: resumeCeiling)
        reads = Pacer(ceiling: readCeiling)
    }

    func pacer(for request: WorkflowRequest) -> Pacer {
        request.replay == .restore ? resumes : reads
    }
}

/// Finds and keeps the rate a service sustains. Unpaced (or at the ceiling) until the
/// service first refuses with 429 or 503; then a slow start (see `Phase`) finds the
/// neighbourhood of the quota; from then on each refusal lowers the pace to what the
/// service was found to accept, less `decrease`, and between refusals the pace climbs back
/// along CUBIC's curve (RFC 9438): quickly to that rate (in `recovery`), flat near it, then
/// faster and faster above it — so a low estimate is outgrown in seconds, and near the
/// quota it probes about once every two or three seconds.
///
/// What the service accepts is the pace in force times the share of its recent answers
/// that were accepted: over a quota, a service accepts exactly its quota, so at a pace of
/// 2.5·R two answers in five are accepted. Shares, unlike counts, hold when the workers
/// send less than the pace allows (all asleep in a `Retry-After`). A decision waits for
/// `evidence` answers at the pace in force; refusals of requests paced before the last
/// decrease belong to the congestion already answered (each request carries its pace's
/// `epoch`) and do not lower it again.
///
/// A refusal that states the quota (the API gateway's `APIG.0308`: `limit:30,time:1 second`)
/// skips the search: the pace goes to just under it at once and never climbs above it.
///
/// Before the first refusal, requests in flight are limited to a window that starts at
/// `firstWindow` and grows by one with each accepted answer (TCP's slow start: it doubles
/// every round trip, so against a fast service it is out of the way within a few
/// milliseconds). Without it the first burst is all of `--concurrency` at once, and into a
/// quota of 30 a second that holds 3 most of them are refused.
///
/// Measured through `obsw emulator --rate-limit` in BENCHMARKS.md, row 6.
public final class Pacer: Sendable {
    /// The share of the accepted rate given up on a refusal (CUBIC's β is 0.3; a quota is
    /// a hard line, not a shared queue, so a smaller step wastes less).
    static let decrease = 0.1
    /// Time to climb back to the accepted rate after a decrease (CUBIC's K), seconds.
    static let recovery = 1.0
    static let slowest = 1.0
    /// Requests in flight before the service first refuses, at first.
    static let firstWindow = 2
    /// Answers at a pace before a refusal may change it, and how many recent ones the
    /// accepted share is taken over.
    static let evidence = 8
    static let slowStartEvidence = 5
    static let recent = 32
    /// One decision never cuts the pace by more than this (a share from few answers is noisy).
    static let smallestShare = 0.25

    /// What `acquire` hands out and `record` takes back: the pace the request was sent at.
    public struct Ticket: Sendable {
        let epoch: Int
    }

    /// The pace now, for progress lines and summaries.
    public struct Status: Sendable, Equatable {
        /// Requests a second; nil while unpaced.
        public var rate: Double?
        /// The rate the service was last found to accept (at the last refusal that lowered
        /// the pace); nil before one did. What a summary names: the pace in force at the
        /// end may have climbed far above it while nothing was refused (the last few
        /// requests, a pause), which says nothing about the service.
        public var found: Double?
        /// Answers 429 or 503 that were absorbed (retried after `Retry-After`).
        public var refused: Int
        public var sent: Int

        public init(rate: Double?, found: Double? = nil, refused: Int, sent: Int) {
            self.rate = rate
            self.found = found
            self.refused = refused
            self.sent = sent
        }
    }

    enum Phase {
        /// As fast as the workers go (or at the ceiling): the service has not refused.
        case unpaced
        /// After the first refusal: from the answers the first burst got, a second, each
        /// accepted answer raising the rate by `1 / doubling` — doubling every `doubling`
        /// while the workers use it (TCP's slow start, which grows on acknowledgements, not
        /// on time: the workers may all be asleep in a `Retry-After`) — until refused again.
        /// The first burst says little about a rate: it was sent all at once, into whatever
        /// the quota had saved.
        case slowStart(rate: Double)
        /// Along the curve around `peak`.
        case paced
    }

    /// How fast slow start doubles, seconds.
    static let doubling = 0.1

    private struct State {
        var phase = Phase.unpaced
        var acceptedUnpaced = 0
        var epoch = 0
        var epochStart: ContinuousClock.Instant?
        /// The rate the service was found to accept at the last decrease.
        var peak = 0.0
        var nextSlot = ContinuousClock.now
        /// Bookings of an older generation are void; `bookedRate`: the rate when it began.
        var generation = 0
        var bookedRate = 0.0
        /// The last `recent` answers at this pace: true when accepted (a ring).
        var answers: [Bool] = []
        var nextAnswer = 0
        var epochAnswers = 0
        var refused = 0
        var sent = 0
        /// The quota the service stated in a refusal (requests a second), if it did.
        var stated: Double?
        /// Requests acquired and not yet recorded, and how many may be while unpaced.
        var inFlight = 0
        var window = Pacer.firstWindow
    }

    private let state = Mutex(State())
    let ceiling: Double?

    public init(ceiling: Int? = nil) {
        self.ceiling = ceiling.map { Double(max(1, $0)) }
    }

    /// Waits for this request's turn. Turns are booked ahead (one worker after another),
    /// and a booking is void when the pace changes (`generation`): a worker wakes at least
    /// every `nap` to check, so turns booked at a slow pace do not hold it once faster, and
    /// turns booked at a fast pace do not go out after the service said it was too fast.
    public func acquire() async -> Ticket {
        var booking: (slot: ContinuousClock.Instant, generation: Int)?
        var counted = false
        // Held back by the window: look again soon, then less and less often (a service that
        // takes seconds to answer must not keep the waiting workers spinning).
        var windowWait = Self.windowNap
        while true {
            let now = ContinuousClock.now
            let turn: Result<Ticket, Booking> = state.withLock { s in
                if !counted, case .unpaced = s.phase, s.inFlight >= s.window {
                    defer { windowWait = min(windowWait * 2, Self.nap) }
                    return .failure(Booking((now + windowWait, -1)))
                }
                if !counted {
                    s.sent += 1
                    s.inFlight += 1
                    counted = true
                }
                if let booking, booking.generation == s.generation {
                    return now >= booking.slot ? .success(Ticket(epoch: s.epoch)) : .failure(Booking(booking))
                }
                guard let rate = rate(s, at: now) else { return .success(Ticket(epoch: s.epoch)) }
                let slot = max(s.nextSlot, now)
                s.nextSlot = slot + .nanoseconds(Int64(1e9 / rate))
                return slot > now ? .failure(Booking((slot, s.generation))) : .success(Ticket(epoch: s.epoch))
            }
            switch turn {
            case .success(let ticket): return ticket
            case .failure(let wait):
                booking = wait.value
                do {
                    try await Task.sleep(until: min(wait.value.slot, now + Self.nap), clock: .continuous)
                } catch {
                    return state.withLock { s in Ticket(epoch: s.epoch) }  // cancelled: the attempt says so
                }
            }
        }
    }

    /// A turn booked for later (an `Error` only to travel in `Result`).
    private struct Booking: Error {
        let value: (slot: ContinuousClock.Instant, generation: Int)
        init(_ value: (slot: ContinuousClock.Instant, generation: Int)) { self.value = value }
    }

    /// How long a waiting worker sleeps at most before checking its turn again.
    static let nap = Duration.milliseconds(50)
    /// How soon a worker held back by the window first looks again (only in the first
    /// moments of a call, until the window is wider than the workers); each look after
    /// that waits twice as long, up to `nap`.
    static let windowNap = Duration.milliseconds(1)

    /// What the request of `ticket` got: a 429 or 503 lowers the pace; any other answer
    /// counts as accepted. A request that got no answer says nothing about the quota.
    public func record(_ outcome: AttemptOutcome, _ ticket: Ticket) {
        guard case .answered(let answer) = outcome else {
            state.withLock { s in s.inFlight = max(0, s.inFlight - 1) }
            return
        }
        let accepted = answer.status != 429 && answer.status != 503
        let now = ContinuousClock.now
        let stated = accepted ? nil : Self.statedQuota(in: answer.body)
        state.withLock { s in
            s.inFlight = max(0, s.inFlight - 1)
            if !accepted { s.refused += 1 }
            if let stated {
                // The service said its quota: pace to it at once (and never above it), rather
                // than finding it by more refusals. Refusals still lower the pace under it —
                // other clients may share the quota.
                let known = s.stated != nil
                s.stated = stated
                if !known || s.peak > stated * Self.statedShare {
                    s.peak = stated * Self.statedShare
                    s.phase = .paced
                    newEpoch(&s, at: now)
                    // Start at the quota, not below it on the recovery curve.
                    s.epochStart = now - .milliseconds(Int64(Self.recovery * 1000))
                    return
                }
            }
            // Sent at a pace already lowered from: the same congestion.
            guard ticket.epoch == s.epoch else { return }
            if case .unpaced = s.phase {
                if accepted {
                    s.acceptedUnpaced += 1
                    s.window += 1
                    return
                }
                s.phase = .slowStart(rate: max(Self.slowest, Double(s.acceptedUnpaced)))
                newEpoch(&s, at: now)
                return
            }
            if s.answers.count < Self.recent {
                s.answers.append(accepted)
            } else {
                s.answers[s.nextAnswer] = accepted
                s.nextAnswer = (s.nextAnswer + 1) % Self.recent
            }
            s.epochAnswers += 1
            if accepted, case .slowStart(let rate) = s.phase {
                s.phase = .slowStart(rate: rate + 1 / Self.doubling)
                // Turns booked at a quarter less are void.
                if rate + 1 / Self.doubling >= s.bookedRate * 1.25 { newGeneration(&s, at: now) }
            }
            // Slow start ends at its first refusal with a little evidence (TCP leaves it on
            // the first loss): it climbs a tenth of a second's worth with each answer, and at a
            // low quota 8 answers more are 80 a second too fast.
            let slowStarting = if case .slowStart = s.phase { true } else { false }
            guard !accepted, s.epochAnswers >= (slowStarting ? Self.slowStartEvidence : Self.evidence) else { return }
            let share = max(Self.smallestShare, Double(s.answers.count { $0 }) / Double(s.answers.count))
            let pace = rate(s, at: now) ?? Self.slowest
            s.peak = max(Self.slowest, pace * share)
            s.phase = .paced
            newEpoch(&s, at: now)
        }
    }

    private func newEpoch(_ s: inout State, at now: ContinuousClock.Instant) {
        s.epoch += 1
        s.epochStart = now
        newGeneration(&s, at: now)
        // The service just refused: what it had saved is spent, so the first turn at the new
        // pace is one interval away, not now.
        if let rate = rate(s, at: now) { s.nextSlot = now + .nanoseconds(Int64(1e9 / rate)) }
        s.answers.removeAll(keepingCapacity: true)
        s.nextAnswer = 0
        s.epochAnswers = 0
    }

    /// The turns booked so far are void; they are booked again from now.
    private func newGeneration(_ s: inout State, at now: ContinuousClock.Instant) {
        s.generation += 1
        s.nextSlot = now
        s.bookedRate = rate(s, at: now) ?? 0
    }

    public var status: Status {
        let now = ContinuousClock.now
        return state.withLock { s in
            let found: Double? = if case .paced = s.phase { s.peak } else { nil }
            return Status(rate: rate(s, at: now), found: found, refused: s.refused, sent: s.sent)
        }
    }

    /// The pace `seconds` after the last change of pace, as it stands (for tests: the curve
    /// without a clock).
    func rate(secondsIntoEpoch seconds: Double) -> Double? {
        state.withLock { s in
            let start = s.epochStart ?? ContinuousClock.now
            return rate(s, at: start + .milliseconds(Int64(seconds * 1000)))
        }
    }

    /// The pace at `now`: nil while unpaced.
    private func rate(_ s: State, at now: ContinuousClock.Instant) -> Double? {
        let t = (now - (s.epochStart ?? now)).secondsValue
        let rate: Double
        switch s.phase {
        case .unpaced: return ceiling
        case .slowStart(let slowRate): rate = slowRate
        case .paced:
            // rate(t) = peak · (1 + c·(t − K)³), c = decrease / K³: back at peak after K.
            let x = (t - Self.recovery) / Self.recovery
            rate = max(Self.slowest, s.peak * (1 + Self.decrease * x * x * x))
        }
        let capped = s.stated.map { min($0 * Self.statedShare, rate) } ?? rate
        return ceiling.map { min($0, capped) } ?? capped
    }

    /// The share of a stated quota paced to: just under it, so the jitter of a loaded
    /// machine does not push a request over.
    static let statedShare = 0.97

    /// The quota a refusal states, in requests a second: Huawei Cloud's API gateway answers
    /// 429 `APIG.0308` with `… policy user over ratelimit,limit:30,time:1 second` (or
    /// `time:1 minute`). Nil when the body says nothing of the kind; numbers beyond reason
    /// are not a quota (never a trap).
    static func statedQuota(in body: [UInt8]) -> Double? {
        let marker = Array("ratelimit,limit:".utf8)
        guard let found = body.firstRange(of: marker) else { return nil }
        var index = found.upperBound
        func number(maxDigits: Int) -> Int? {
            var value = 0, digits = 0
            while index < body.count, body[index] >= 0x30, body[index] <= 0x39 {
                digits += 1
                guard digits <= maxDigits else { return nil }
                value = value * 10 + Int(body[index] - 0x30)
                index += 1
            }
            return digits == 0 ? nil : value
        }
        guard let limit = number(maxDigits: 9), limit > 0 else { return nil }
        let timeMarker = Array(",time:".utf8)
        guard body.count - index >= timeMarker.count, Array(body[index..<index + timeMarker.count]) == timeMarker else { return nil }
        index += timeMarker.count
        let count = number(maxDigits: 6) ?? 1
        while index < body.count, body[index] == 0x20 { index += 1 }
        var word: [UInt8] = []
        while index < body.count, word.count < 8, (body[index] | 0x20) >= 0x61, (body[index] | 0x20) <= 0x7A {
            word.append(body[index] | 0x20)
            index += 1
        }
        let unit: Double
        switch String(decoding: word, as: UTF8.self) {
        case "second", "seconds", "sec", "s": unit = 1
        case "minute", "minutes", "min", "m": unit = 60
        case "hour", "hours", "h": unit = 3600
        default: return nil
        }
        guard count > 0 else { return nil }
        return Double(limit) / (Double(count) * unit)
    }
}
