import OBSWorkflow
import Synchronization

/// `obsw emulator --rate-limit N`: the service's restore quota. Restores above N a second
/// are refused with 429 and `Retry-After`, as a throttled service refuses them; reads and
/// the rest are not limited. A token bucket refilled at N a second holds a tenth of a
/// second's worth, so a burst above the rate is refused within 100 ms rather than absorbed.
final class Quota: Sendable {
    let perSecond: Int
    private struct State {
        var tokens: Double
        var last: ContinuousClock.Instant
        var granted = 0
        var refused = 0
        var firstGrant: ContinuousClock.Instant?
        var lastGrant: ContinuousClock.Instant?
    }
    private let state: Mutex<State>
    private let capacity: Double

    init(perSecond: Int) {
        self.perSecond = max(1, perSecond)
        capacity = max(1, Double(self.perSecond) / 10)
        state = Mutex(State(tokens: capacity, last: ContinuousClock.now))
    }

    /// Takes one restore from the quota; false when it is spent (refuse with 429).
    func take() -> Bool {
        let now = ContinuousClock.now
        let perSecond = Double(self.perSecond), capacity = self.capacity
        return state.withLock { s in
            let elapsed = now - s.last
            s.last = now
            s.tokens = min(capacity, s.tokens + elapsed.secondsValue * perSecond)
            guard s.tokens >= 1 else {
                s.refused += 1
                return false
            }
            s.tokens -= 1
            s.granted += 1
            if s.firstGrant == nil { s.firstGrant = now }
            s.lastGrant = now
            return true
        }
    }

    /// Restores granted and refused, and the granted ones a second from the first to the
    /// last (what a client achieved through the quota).
    var counts: (granted: Int, refused: Int, grantedPerSecond: Double) {
        state.withLock { s in
            guard let first = s.firstGrant, let last = s.lastGrant, last > first else { return (s.granted, s.refused, 0) }
            return (s.granted, s.refused, Double(s.granted - 1) / (last - first).secondsValue)
        }
    }

    /// The refusal a throttled restore gets on the Data+ face (429, `Retry-After: 1`): the
    /// quota is not stated, so a client finds it from the refusals.
    var refusal: Answer {
        .error(EmulatorError(429, "SYS.0011", "restore quota exceeded: at most \(perSecond) restores a second"), retryAfter: 1)
    }

    /// The refusal on the DWR face, as Huawei Cloud's API gateway words it: `APIG.0308`,
    /// the quota stated in the message, no `Retry-After` (the gateway sends none).
    var gatewayRefusal: Answer {
        .error(EmulatorError(
            429, "APIG.0308", "The throttling threshold has been reached: policy user over ratelimit,limit:\(perSecond),time:1 second"))
    }
}
