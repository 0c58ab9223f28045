import ObswSystem
import OBSWorkflow
import OBSWTestSupport
@testable import ObswOperations
import Testing

/// The resume lock is keyed by the service's identity, not the endpoint's spelling: two
/// spellings of one service once resumed side by side (253 executions restored twice).
/// Locks are `flock`s on separately opened files, so a second take in this process conflicts
/// exactly as a second process would.
@Suite(.timeLimit(.minutes(5))) final class ResumeLockTests {
    let dir = TemporaryDirectory()
    deinit { dir.remove() }

    func take(_ endpoint: String, project: String? = nil, graph: String = "g") throws(OperationError) -> ResumeLock? {
        let identity = ServiceIdentity(endpoint: try! Endpoint(parsing: endpoint), project: project)
        return try ResumeLock.acquire(
            identity: identity, graph: graph, wait: false, interrupt: InterruptFlag(), progress: .silent,
            environment: ["XDG_STATE_HOME": dir.path])
    }

    func refused(_ endpoint: String, project: String? = nil, graph: String = "g") -> Bool {
        do { return try take(endpoint, project: project, graph: graph) == nil } catch {
            return error.description.contains("is running")
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

    /// `--wait-lock`: the second resume says it waits, and goes on the moment the first ends.
    @Test func aWaitingResumeTakesTheLockWhenItIsReleased() async throws {
        var held = try take("http://127.0.0.1:18706")
        #expect(held != nil)
        let progress = RecordedProgress(), state = dir.path
        let waiting = Task {
            await onThreadOfItsOwn {
                let identity = ServiceIdentity(endpoint: try! Endpoint(parsing: "http://localhost:18706"))
                let lock = try? ResumeLock.acquire(
                    identity: identity, graph: "g", wait: true, interrupt: InterruptFlag(), progress: progress,
                    environment: ["XDG_STATE_HOME": state])
                return lock != nil
            }
        }
        #expect(await eventually { progress.said.contains { $0.contains("waiting for it (--wait-lock)") } })
        held = nil
        #expect(await waiting.value, "taken once released")
    }

    /// Ctrl-C while waiting for the lock ends the wait with nothing sent.
    @Test func waitingForTheLockCanBeInterrupted() async throws {
        let held = try #require(try take("http://127.0.0.1:18707"))
        let interrupt = InterruptFlag(), progress = RecordedProgress(), state = dir.path
        let waiting = Task {
            await onThreadOfItsOwn { () -> String in
                let identity = ServiceIdentity(endpoint: try! Endpoint(parsing: "http://127.0.0.1:18707"))
                do {
                    _ = try ResumeLock.acquire(
                        identity: identity, graph: "g", wait: true, interrupt: interrupt, progress: progress,
                        environment: ["XDG_STATE_HOME": state])
                    return "taken"
                } catch {
                    return "\(error)"
                }
            }
        }
        #expect(await eventually { !progress.said.isEmpty })
        interrupt.raise()
        #expect(await waiting.value == "interrupted while waiting for another resume of g")
        withExtendedLifetime(held) {}
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
