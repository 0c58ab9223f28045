import ObswText
import Synchronization

/// Which failures to inject, as rates between 0 and 1.
///
/// Written as `500=0.2,503=0.05,429=0.05,drop=0.02,restore-drop=0.02,slow=0.01`, with
/// `retry-after=SECONDS` (for 429 and 503, default 1), `slow-ms=MILLISECONDS` (default 2000)
/// and `seed=N` (repeatable draws). An empty spec injects nothing.
public struct FaultSpec: Sendable, Equatable, CustomStringConvertible {
    public var internalError = 0.0  // 500
    public var unavailable = 0.0  // 503
    public var throttled = 0.0  // 429
    public var drop = 0.0  // close the connection without answering
    public var slow = 0.0  // answer after slowMilliseconds
    /// Restores only: apply the restore, then close the connection without answering.
    public var restoreDrop = 0.0
    public var retryAfterSeconds = 1
    public var slowMilliseconds = 2000
    public var seed: UInt64?

    public init() {}

    public static let none = FaultSpec()

    public init(parsing text: String) throws(FaultSpecError) {
        self.init()
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(\.trimmingBlanks)
            guard pair.count == 2 else { throw FaultSpecError("'\(part)' is not NAME=VALUE") }
            let (name, value) = (pair[0], pair[1])
            func rate() throws(FaultSpecError) -> Double {
                guard let r = Double(value), r >= 0, r <= 1 else {
                    throw FaultSpecError("\(name) must be a rate between 0 and 1, not '\(value)'")
                }
                return r
            }
            func whole() throws(FaultSpecError) -> Int {
                guard let n = Int(value), n >= 0 else { throw FaultSpecError("\(name) must be a whole number, not '\(value)'") }
                return n
            }
            switch name {
            case "500": internalError = try rate()
            case "503": unavailable = try rate()
            case "429": throttled = try rate()
            case "drop": drop = try rate()
            case "slow": slow = try rate()
            case "restore-drop": restoreDrop = try rate()
            case "retry-after": retryAfterSeconds = try whole()
            case "slow-ms": slowMilliseconds = try whole()
            case "seed": seed = UInt64(try whole())
            default:
                throw FaultSpecError(
                    "unknown fault '\(name)' (known: 500, 503, 429, drop, slow, restore-drop, retry-after, slow-ms, seed)")
            }
        }
        guard internalError + unavailable + throttled + drop + slow <= 1 else {
            throw FaultSpecError("the rates of 500, 503, 429, drop and slow add up to more than 1")
        }
    }

    public var description: String {
        var parts: [String] = []
        for (name, rate) in [("500", internalError), ("503", unavailable), ("429", throttled), ("drop", drop),
            ("slow", slow), ("restore-drop", restoreDrop)] where rate > 0
        {
            parts.append("\(name)=\(rate)")
        }
        if throttled > 0 || unavailable > 0 { parts.append("retry-after=\(retryAfterSeconds)") }
        if slow > 0 { parts.append("slow-ms=\(slowMilliseconds)") }
        if let seed { parts.append("seed=\(seed)") }
        return parts.joined(separator: ",")
    }
}

public struct FaultSpecError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Draws faults by the current spec and counts what it injected.
///
/// A draw depends only on the seed, the request (method and target) and how many times that
/// same request was seen before — not on the order in which concurrent requests arrive. With
/// `seed=N`, a run therefore meets the same faults on the same requests every time, however
/// its workers interleave: a test that passes with a seed passes always. Without a seed, a
/// random one is chosen when the spec is set.
final class FaultInjector: Sendable {
    enum Fault: String, Sendable {
        case internalError = "500", unavailable = "503", throttled = "429", drop, slow
        case restoreDrop = "restore-drop"
    }

    private struct State {
        var spec: FaultSpec
        var seed: UInt64
        /// How many draws each (purpose, request) key has had.
        var seen: [String: UInt64] = [:]
        var injected: [String: Int] = [:]
        static let rememberedRequests = 1_000_000

        init(spec: FaultSpec) {
            self.spec = spec
            seed = spec.seed ?? UInt64.random(in: .min ... .max)
        }

        /// The next uniform number in [0, 1) for `key`.
        mutating func nextUnit(_ key: String) -> Double {
            // Bounded: an emulator that serves endless distinct targets forgets, and those
            // requests draw as if new.
            if seen.count >= Self.rememberedRequests { seen.removeAll(keepingCapacity: true) }
            let n = seen[key, default: 0]
            seen[key] = n &+ 1
            var random = SplitMix(seed: seed ^ SplitMix.hash(key) ^ (n &* 0xD6E8_FEB8_6659_FD93))
            return random.nextUnit()
        }
    }

    private let state: Mutex<State>

    init(spec: FaultSpec) {
        state = Mutex(State(spec: spec))
    }

    var spec: FaultSpec {
        get { state.withLock { $0.spec } }
    }

    /// A new spec starts a new sequence of draws; what was injected stays counted.
    func set(_ spec: FaultSpec) {
        state.withLock { s in
            let injected = s.injected
            s = State(spec: spec)
            s.injected = injected
        }
    }

    var injected: [String: Int] { state.withLock { $0.injected } }

    /// The fault for one API request (`method` and request target), if any.
    func draw(method: String, target: String) -> Fault? {
        state.withLock { s in
            guard s.spec.internalError + s.spec.unavailable + s.spec.throttled + s.spec.drop + s.spec.slow > 0 else {
                return nil
            }
            let r = s.nextUnit("\(method) \(target)")
            var edge = 0.0
            for (fault, rate) in [(Fault.internalError, s.spec.internalError), (.unavailable, s.spec.unavailable),
                (.throttled, s.spec.throttled), (.drop, s.spec.drop), (.slow, s.spec.slow)]
            {
                edge += rate
                if r < edge {
                    s.injected[fault.rawValue, default: 0] += 1
                    return fault
                }
            }
            return nil
        }
    }

    /// Whether to lose the answer of a restore of `target` that was applied.
    func drawRestoreDrop(target: String) -> Bool {
        state.withLock { s in
            guard s.spec.restoreDrop > 0, s.nextUnit("restore-drop \(target)") < s.spec.restoreDrop else { return false }
            s.injected[Fault.restoreDrop.rawValue, default: 0] += 1
            return true
        }
    }
}

/// A small fast generator whose sequence a seed fixes (tests draw their random moments from
/// it too).
public struct SplitMix: Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// FNV-1a of `text`, to mix a request into a seed.
    static func hash(_ text: String) -> UInt64 {
        text.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
    }
}
