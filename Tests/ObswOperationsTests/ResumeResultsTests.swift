@testable import ObswOperations
import Testing

/// A bulk resume's results, kept by field, read back exactly as each was written.
@Suite(.timeLimit(.minutes(5))) struct ResumeResultsTests {
    static let urn = "urn:fgs:cn-north-4:0a1b2c3d4e5f:execution:thumbnails:"

    /// Each field as written: outcomes, times, URNs from the results' own texts, from another
    /// buffer or none, and reasons that are none, shared, byte-different but equal to Swift
    /// (é and e + U+0301), or distinct past the number kept once.
    @Test func eachResultReadsBackAsWritten() {
        let texts = SharedTexts(), other = SharedTexts()
        let names = (0..<6_000).map { "exec-\($0)" }
        var results = ResumeResults(names: names, outcome: .notAttempted, reason: BulkResume.notReached, urnTexts: texts)
        #expect(results.allSatisfy { $0.outcome == .notAttempted && $0.reason == BulkResume.notReached && $0.urn == nil })
        var written: [ResumeResult] = []
        for (place, name) in names.enumerated() {
            var result = ResumeResult(name, ResumeResult.Outcome.allCases[place % 5])
            switch place % 6 {
            case 0: result.setURN(Self.urn + name, in: texts)
            case 1: result.setURN(Self.urn + name, in: other)
            case 2: result.urn = Self.urn + name
            default: break
            }
            if place % 2 == 0 { result.restoredAt = 1_700_000_000_000 + place }
            switch place % 4 {
            case 0: result.reason = "café"
            case 1: result.reason = "cafe\u{301}"
            case 2: result.reason = "execution \(name) not found"  // one each: 3,000 distinct
            default: result.reason = nil
            }
            results[place] = result
            written.append(result)
        }
        #expect(results.count == written.count)
        for (place, (read, wrote)) in zip(results, written).enumerated() {
            #expect(read == wrote, "result \(place)")
            #expect(Array((read.reason ?? "").utf8) == Array((wrote.reason ?? "").utf8), "reason \(place) to the byte")
        }
        // A result written under another name keeps that name.
        results[7] = ResumeResult("renamed", .failed, reason: "x")
        #expect(results[7].execution == "renamed" && results.names[7] == "renamed" && results[8].execution == "exec-8")
        #expect(ResumeTally(results)[.failed] == ResumeTally(Array(results))[.failed])
    }

    /// Built from a list, appended to, compared as results.
    @Test func aListOfResultsIsTheSameResults() {
        var list: ResumeResults = [ResumeResult("a", .resumed), ResumeResult("b", .skipped, reason: "why")]
        list.append(ResumeResult("c", .failed, reason: "HTTP 500"))
        #expect(Array(list) == [ResumeResult("a", .resumed), ResumeResult("b", .skipped, reason: "why"), ResumeResult("c", .failed, reason: "HTTP 500")])
        #expect(list != [ResumeResult("a", .resumed)])
        #expect(ResumeResults().isEmpty)
    }
}
