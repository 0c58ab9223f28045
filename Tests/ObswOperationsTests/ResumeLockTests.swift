import ObswLang
import OBSWorkflow
import OBSWTestSupport
@testable import ObswRuntime
import Testing

/// The resume lock is keyed by the service's identity, not the endpoint's spelling: two
/// spellings of one service once resumed side by side (253 executions restored twice).
/// Locks are `flock`s on separately opened files, so a second take in this process conflicts
/// exactly as a second process would.
@Suite(.timeLimit(.minutes(1))) final class ResumeLockTests {
    let dir = TemporaryDirectory()
    deinit { dir.remove() }

    func take(_ endpoint: String, project: String? = nil, graph: String = "g") throws(ScriptError) -> ResumeLock? {
        let identity = ServiceIdentity(endpoint: try! Endpoint(parsing: endpoint), project: project)
        return try ResumeLock.acquire(
            identity: identity, graph: graph, wait: false, interrupt: InterruptFlag(), progress: .silent,
            environment: ["XDG_STATE_HOME": dir.path])
    }

    func refused(_ endpoint: String, project: String? = nil, graph: String = "g") -> Bool {
        do { return try take(endpoint, project: project, graph: graph) == nil } catch {
            return error.message.contains("is running")
        }
    }

    @Test func spellingsOfOneServiceShareTheLock() throws {
        var held = try take("http://127.0.0.1:18704")
        #expect(held != nil)
        #expect(refused("http://localhost:18704"))
        #expect(refused("http://127.0.0.1:18704/"))
        #expect(refused("HTTP://LOCALHOST:18704"))
        #expect(refused("http://127.0.0.2:18704"), "all of loopback is this machine")
        // Another port, another graph, another scheme: other services or other work.
        #expect(!refused("http://127.0.0.1:18705"))
        #expect(!refused("http://localhost:18704", graph: "other"))
        #expect(!refused("https://127.0.0.1:18704"))
        held = nil
        // Released with the lock object, however it was spelt.
        #expect(!refused("http://localhost:18704"))
    }

    @Test func theDefaultPortIsThePortStated() throws {
        let held = try #require(try take("https://obs.cn-north-4.myhuaweicloud.com"))
        #expect(refused("https://obs.cn-north-4.myhuaweicloud.com:443"))
        #expect(refused("obs.cn-north-4.myhuaweicloud.com"))
        withExtendedLifetime(held) {}
    }

    @Test func dwrProjectsAreServicesOfTheirOwn() throws {
        let held = try #require(try take("http://127.0.0.1:18704", project: "p1"))
        #expect(refused("http://localhost:18704", project: "p1"))
        #expect(!refused("http://localhost:18704", project: "p2"))
        withExtendedLifetime(held) {}
    }

    @Test func namesCoverTheHostAndItsAddresses() throws {
        let names = ServiceIdentity(endpoint: try Endpoint(parsing: "http://localhost:9000")).names()
        #expect(names == ["http_loopback_9000"])
        let dwr = ServiceIdentity(endpoint: try Endpoint(parsing: "https://[::1]:9000"), project: "abc").names()
        #expect(dwr == ["https_loopback_9000_abc"])
    }
}
