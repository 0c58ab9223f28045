import Foundation
@testable import OBSWorkflowEmulator
import ObswFuzzTargets
import OBSWTestSupport
import Testing

/// Replays each fuzz target's committed corpus (`Tests/FuzzCorpus/TARGET/`) through the
/// fuzzer's own entry point, so an input that once crashed stays fixed without a libFuzzer
/// build; `scripts/fuzz` grows the corpora and runs the real fuzzers.
@Suite(.timeLimit(.minutes(5))) struct FuzzTargetsTests {
    static let corpora = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("FuzzCorpus")

    @Test(arguments: FuzzTargets.all.map(\.name))
    func corpusReplaysCleanly(_ target: String) async throws {
        let run = try #require(FuzzTargets.named(target))
        let folder = Self.corpora.appendingPathComponent(target)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files.count >= 3, "\(target): too few seeds")
        let inputs = try files.map { try Array(Data(contentsOf: folder.appendingPathComponent($0))) }
        await onThreadOfItsOwn { for input in inputs { run(input) } }
    }

    /// The signed seeds of the emulator's corpus reach the routes behind the signature check
    /// (an answer other than 401/403), on both faces; the forged one does not.
    @Test func signedEmulatorSeedsPassTheSignatureCheck() async throws {
        let folder = Self.corpora.appendingPathComponent("emulator")
        let seeds = ["list-signed.txt", "restore-signed.txt", "dwr-list-signed.txt", "dwr-retry-signed.txt", "dwr-execute-signed.txt", "dwr-forged.txt"]
        let inputs = try seeds.map { try Array(Data(contentsOf: folder.appendingPathComponent($0))) }
        let statuses = await onThreadOfItsOwn { inputs.map(EmulatorFuzzEntry.status) }
        for (seed, status) in zip(seeds, statuses) {
            let refused = status == 401 || status == 403
            #expect(seed.contains("forged") ? refused : !refused && status != nil, "\(seed): \(String(describing: status))")
        }
    }

    /// Inputs each target must survive whatever the corpus holds.
    @Test(arguments: FuzzTargets.all.map(\.name))
    func hostileInputs(_ target: String) async throws {
        let run = try #require(FuzzTargets.named(target))
        let inputs: [[UInt8]] = [[], [0], [0xFF, 0xFE], Array(repeating: 0x5B, count: 10_000), Array("1e999999".utf8),
            Array("-9223372036854775808".utf8), Array("1\n\n".utf8), Array(repeating: 0x0A, count: 100)]
        await onThreadOfItsOwn { for input in inputs { run(input) } }
    }
}
