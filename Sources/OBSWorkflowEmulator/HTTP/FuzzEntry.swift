import Dispatch
import OBSWorkflow
import Synchronization

/// What the fuzzer drives (`scripts/fuzz emulator`): arbitrary bytes as one request to a
/// small emulator, answered without a socket. After a first flag byte, the bytes read as
///
///     METHOD TARGET
///     Header: value
///     ...
///     (blank line)
///     BODY
///
/// When the flag byte is odd (`1`), the request is also signed with the demo key — the OBS
/// way (`Date`, `Authorization`), or for a `/v3/` target the DWR way (`X-Sdk-Date`,
/// `X-Project-Id`, SDK-HMAC-SHA256 over the body too) — so inputs reach the routes and
/// bodies behind the signature check, not only the check itself. Any trap or hang is a bug; an error answer
/// is the expected outcome for garbage.
///
/// `handle` blocks its thread until the answer is ready: call it from a thread of its own
/// (libFuzzer's), never from a Swift concurrency thread, whose pool it would starve.
public enum EmulatorFuzzEntry {
    public static func handle(_ input: [UInt8]) { _ = status(input) }

    /// The status of the answer to `input` (nil when the connection was dropped), for tests
    /// that check a seed reaches what it is meant to.
    @discardableResult
    public static func status(_ input: [UInt8]) -> Int? {
        let sign = input.first.map { $0 & 1 == 1 } ?? false
        let (head, body) = split(Array(input.dropFirst()))
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let requestLine = lines.first?.split(separator: " ", maxSplits: 1) ?? []
        let method = requestLine.first.map(String.init) ?? "GET"
        let target = requestLine.count > 1 ? String(requestLine[1]) : "/"
        var headers: [(String, String)] = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingASCIIBlanks())
        }
        let host = headers.first { $0.0.lowercased() == "host" }?.1 ?? "127.0.0.1:9000"
        let now = WallClock.nowMilliseconds() / 1000
        if sign, target.hasPrefix(DWRFace.prefix), let (path, query) = SignatureCheck.splitTarget(target) {
            if !headers.contains(where: { $0.0.lowercased() == "host" }) { headers.append(("Host", host)) }
            headers.append(("X-Project-Id", EmulatorConfiguration.demoProjectID))
            headers.append(("X-Sdk-Date", WireDate.sdkDate(epochSeconds: now)))
            if let authorization = DWRSigner.authorization(
                method: method, wirePath: path, query: query, headers: headers, body: body,
                credentials: EmulatorConfiguration.demoCredentials)
            {
                headers.append(("Authorization", authorization))
            }
        } else if sign, let (path, query) = SignatureCheck.splitTarget(target) {
            headers.append(("Date", WireDate.rfc1123(epochSeconds: now)))
            let text = OBSSigner.stringToSign(method: method, path: path, query: query, headers: headers)
            headers.append(("Authorization", OBSSigner.authorization(stringToSign: text, credentials: EmulatorConfiguration.demoCredentials)))
        }
        let request = IncomingRequest(
            method: method, target: target, host: host, headers: headers,
            readBody: {
                guard body.count <= 64 * 1024 else { throw EmulatorError(400, "EntityTooLarge", "too large") }
                return body
            },
            drop: { throw ConnectionDropped() })

        let dispatcher = makeDispatcher()
        let done = DispatchSemaphore(value: 0)
        let status = Mutex<Int?>(nil)
        Task {
            if let answer = try? await dispatcher.answer(request) {
                let response = answer.response(requestID: "0", face: target.hasPrefix(DWRFace.prefix) ? .dwr : .obs)
                status.withLock { $0 = Int(response.status.code) }
            }
            done.signal()
        }
        done.wait()
        return status.withLock { $0 }
    }

    /// A fresh emulator per input (one graph, a few executions in each state), so inputs
    /// do not pile up state; faults off.
    static func makeDispatcher() -> Dispatcher {
        let store = EmulatorStore(speed: 1)
        let now = WallClock.nowMilliseconds()
        let scenario = Scenario(graphs: [
            .init(name: "g", states: ["fetch", "store"], seed: .init(count: 6, failed: 0.5, failAlways: 0.3, running: 0.2))
        ])
        try? scenario.seed(into: store, now: now)
        return Dispatcher(
            store: store, authenticator: Authenticator(credentials: [EmulatorConfiguration.demoCredentials]),
            faults: FaultInjector(spec: .none), maxBodyBytes: 64 * 1024, clock: { WallClock.nowMilliseconds() },
            projectID: EmulatorConfiguration.demoProjectID, quota: nil)
    }

    static func split(_ bytes: [UInt8]) -> (head: ArraySlice<UInt8>, body: [UInt8]) {
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == 10, bytes[i + 1] == 10 { return (bytes[..<i], Array(bytes[(i + 2)...])) }
            i += 1
        }
        return (bytes[...], [])
    }
}

extension StringProtocol {
    fileprivate func trimmingASCIIBlanks() -> String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
