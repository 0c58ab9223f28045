import Foundation
import OBSWTestSupport
import Testing

/// Every ```obsw block in docs/language.md runs and passes, and every ```obsw-service block
/// there and in docs/incident.md runs against the embedded emulator, so the docs stay true.
@Suite(.timeLimit(.minutes(5))) struct DocsTests {
    static let blocks: [String] = examples(fence: "```obsw")
    static let serviceBlocks: [String] = examples(fence: "```obsw-service") + examples(fence: "```obsw-service", in: "docs/incident.md")

    static func examples(fence: String, in file: String = "docs/language.md") -> [String] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(file)
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
        #expect(Self.serviceBlocks.count >= 3, "language.md's and incident.md's")
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
