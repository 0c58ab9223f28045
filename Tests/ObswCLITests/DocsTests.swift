import Foundation
import OBSWTestSupport
import Testing

/// Every ```obsw block in docs/language.md runs and passes, so the reference stays true.
@Suite(.timeLimit(.minutes(5))) struct DocsTests {
    static let blocks: [String] = examples(fence: "```obsw")
    static let serviceBlocks: [String] = examples(fence: "```obsw-service")

    static func examples(fence: String) -> [String] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/language.md")
        guard let text = try? String(contentsOf: path, encoding: .utf8) else { return [] }
        var blocks: [String] = []
        var current: [String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == fence { current = [] } else if line == "```", let lines = current {
                blocks.append(lines.joined(separator: "\n"))
                current = nil
            } else if current != nil {
                current!.append(String(line))
            }
        }
        return blocks
    }

    @Test func referenceHasExamples() {
        #expect(Self.blocks.count >= 7)
        #expect(Self.serviceBlocks.count >= 1)
    }

    @Test(arguments: serviceBlocks)
    func serviceExampleRunsOnTheEmulator(_ code: String) async throws {
        let result = try await runObswInBackground(["--local"], environment: ["HOME": "/tmp"], stdin: code)
        #expect(result.status == 0, "\(code)\n--- stderr\n\(result.stderr)")
    }

    @Test(arguments: blocks)
    func exampleRuns(_ code: String) async throws {
        let result = try await runObswInBackground([], environment: ["HOME": "/tmp"], stdin: code)
        #expect(result.status == 0, "\(code)\n--- stderr\n\(result.stderr)")
    }
}
