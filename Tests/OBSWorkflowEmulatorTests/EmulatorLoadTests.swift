import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import OBSWTestSupport
import OBSWorkflow
import OBSWorkflowEmulator
import Synchronization
import Testing

/// `obsw emulator` in a process of its own under 64 concurrent clients sending a mix of valid
/// and invalid requests while faults are injected. Every answer must be the one the request
/// deserves or an injected fault — and the client-side tally of faults must equal the
/// emulator's own — and its memory must stay bounded.
///
/// Five seconds in CI; `OBSW_LOAD_SECONDS=60` for the long run (`scripts/reliability`).
@Suite(.timeLimit(.minutes(5))) struct EmulatorLoadTests {
    static let seconds = ProcessInfo.processInfo.environment["OBSW_LOAD_SECONDS"].flatMap(Int.init) ?? 5
    static let clients = 64
    static let minimumPerClient = 20

    /// One kind of request and the status it deserves when no fault is injected (faults are
    /// drawn before a request is looked at, as a failing front end would).
    struct Probe: Sendable {
        var name: String
        var method: String
        var target: String
        var body: String? = nil
        var credentials: Credentials? = EmulatorConfiguration.demoCredentials
        var dateOffsetSeconds = 0
        var expected: Int
    }

    static func probes(_ i: Int) -> Probe {
        let execution = String(format: "exec-%04d", 1 + i % 400)
        let wrongKey = Credentials(accessKeyID: "OBSWEMULATORDEMOKEY", secretAccessKey: Secret("not-the-secret"))
        switch i % 12 {
        case 0, 1, 2, 3:
            return Probe(name: "get execution", method: "GET", target: "/v2/workflowexecutions/\(execution)?x-workflow-graph-name=load", expected: 200)
        case 4:
            return Probe(name: "list executions", method: "GET", target: "/v2/workflowexecutions?x-workflow-graph-name=load&x-workflow-limit=50", expected: 200)
        case 5:
            return Probe(name: "get workflow", method: "GET", target: "/v2/workflows/load", expected: 200)
        case 6:
            return Probe(name: "unknown execution", method: "GET", target: "/v2/workflowexecutions/no-such-run?x-workflow-graph-name=load", expected: 404)
        case 7:
            return Probe(name: "wrong secret", method: "GET", target: "/v2/workflows/load", credentials: wrongKey, expected: 403)
        case 8:
            return Probe(name: "unsigned", method: "GET", target: "/v2/workflows/load", credentials: nil, expected: 403)
        case 9:
            return Probe(name: "skewed clock", method: "GET", target: "/v2/workflows/load", dateOffsetSeconds: 3600, expected: 403)
        case 10:
            return Probe(name: "malformed JSON", method: "POST", target: "/v2/workflows/broken", body: #"{"states": [ "#, expected: 400)
        default:
            return Probe(name: "unknown API", method: "GET", target: "/v2/nothing-here", expected: 404)
        }
    }

    struct Tally: Sendable {
        var requests = 0
        var expected = 0
        var faults: [Int: Int] = [:]
        var drops = 0
        var unexpected: [String] = []
    }

    @Test func sixtyFourClientsWithValidAndInvalidRequests() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let scenario = dir.write("load.json", """
            {"graphs": [{"name": "load", "states": ["work"],
                         "seed": {"count": 400, "failed": 0.2, "fail_always": 0.5, "running": 0.1}}]}
            """)
        let emulator = try await EmulatorProcess.start(["--scenario", scenario, "--faults", "500=0.02,503=0.01,429=0.02,drop=0.01,seed=11"])
        defer { emulator.stop() }
        let endpoint = emulator.endpoint
        try #require(!endpoint.isEmpty, "\(emulator.banner)")

        // Resident memory of the emulator, sampled on a thread of its own.
        let samples = Locked<[Int]>([])
        let stop = Locked(false)
        let pid = emulator.process.processIdentifier
        let sampler = Thread {
            while !stop.withLock({ $0 }) {
                if let kb = residentKilobytes(pid) { samples.withLock { $0.append(kb) } }
                Thread.sleep(forTimeInterval: 0.25)
            }
        }
        sampler.start()

        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: Self.clients)
        // Event loops of its own: 64 clients flat out must not queue ahead of the requests of
        // tests running alongside (four emulator tests ran out of time in one CI run with it).
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let http = HTTPClient(eventLoopGroup: loops, configuration: configuration)
        let tally = Locked(Tally())
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<Self.clients {
                group.addTask {
                    // Timed from the client's own start, and at least a few requests each: on a
                    // loaded machine other tests may hold the pool's threads for a while.
                    let deadline = ContinuousClock.now + .seconds(Self.seconds)
                    var i = client
                    while ContinuousClock.now < deadline || i < client + Self.clients * Self.minimumPerClient {
                        let probe = Self.probes(i)
                        i += Self.clients
                        let status = await send(probe, endpoint: endpoint, http: http)
                        tally.withLock { t in
                            t.requests += 1
                            switch status {
                            case probe.expected?: t.expected += 1
                            case let s? where [500, 503, 429].contains(s): t.faults[s, default: 0] += 1
                            case nil: t.drops += 1
                            default:
                                if t.unexpected.count < 10 { t.unexpected.append("\(probe.name): \(status.map(String.init) ?? "no answer")") }
                            }
                        }
                    }
                }
            }
        }
        try await http.shutdown()
        try await loops.shutdownGracefully()
        stop.withLock { $0 = true }
        while !sampler.isFinished { try await Task.sleep(for: .milliseconds(50)) }

        let t = tally.withLock { $0 }
        #expect(t.requests >= Self.clients * Self.minimumPerClient, "only \(t.requests) requests")
        #expect(t.unexpected.isEmpty, "\(t.unexpected)")
        // Every failure the clients saw was one the emulator injected, and vice versa.
        let injected = try await EmulatorControl.injected(endpoint)
        #expect(t.faults[500, default: 0] == injected["500", default: 0])
        #expect(t.faults[503, default: 0] == injected["503", default: 0])
        #expect(t.faults[429, default: 0] == injected["429", default: 0])
        #expect(t.drops == injected["drop", default: 0])

        // Bounded memory: a fixed data set must not grow with the number of requests served.
        let rss = samples.withLock { $0 }
        try #require(rss.count >= 4, "no memory samples")
        let peakMB = (rss.max() ?? 0) / 1024
        let settled = rss[rss.count / 4] / 1024, last = rss[rss.count - 1] / 1024
        print("emulator load: \(t.requests) requests in \(Self.seconds) s per client, faults \(t.faults) drops \(t.drops), RSS \(settled) MB after a quarter, \(last) MB at the end, peak \(peakMB) MB")
        #expect(peakMB < 256)
        #expect(last - settled < 48, "RSS grew from \(settled) MB to \(last) MB")
    }
}

/// Sends one probe; the status, or nil when no answer came.
private func send(_ probe: EmulatorLoadTests.Probe, endpoint: String, http: HTTPClient) async -> Int? {
    var headers: [(String, String)] = [
        ("Content-Type", "application/json"),
        ("Date", WireDate.rfc1123(epochSeconds: WallClock.nowMilliseconds() / 1000 + probe.dateOffsetSeconds)),
    ]
    if let credentials = probe.credentials, let (path, query) = SignatureCheck.splitTarget(probe.target) {
        let text = OBSSigner.stringToSign(method: probe.method, path: path, query: query, headers: headers)
        headers.append(("Authorization", OBSSigner.authorization(stringToSign: text, credentials: credentials)))
    }
    var request = HTTPClientRequest(url: endpoint + probe.target)
    request.method = .init(rawValue: probe.method)
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let body = probe.body { request.body = .bytes(ByteBuffer(string: body)) }
    do {
        let response = try await http.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 16 << 20)
        return Int(response.status.code)
    } catch {
        return nil
    }
}

/// VmRSS of a process, from /proc.
private func residentKilobytes(_ pid: Int32) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
    return nil
}

/// A value behind a lock that tasks and threads can share.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
