@testable import ObswOperations
import Testing

/// URNs kept in one buffer read back exactly, whoever stored them and whatever they share.
@Suite(.timeLimit(.minutes(5))) struct SharedTextsTests {
    @Test func textsStoredFromManyTasksReadBackExactly() async {
        let urn = "urn:fgs:cn-north-4:0a1b2c3d4e5f:execution:thumbnails:"
        func text(_ i: Int) -> String {
            switch i % 7 {
            case 0: urn + "exec-\(i):0f3a"  // ends as the first does
            case 1: ""
            case 2: "é\(i)"  // shares a first byte with "è" at most
            case 3: "è"
            case 4: String(repeating: urn, count: 6) + "\(i)"  // shares more than 255 bytes
            case 5: i % 2 == 0 ? "urn:fgs:" : "urn:fgs:urn:fgs:"  // begins and ends as the first might: no byte twice
            default: urn.replacingOccurrences(of: "thumbnails", with: "thumbnaïls") + "\(i)"
            }
        }
        let texts = SharedTexts()
        let handles = await withTaskGroup(of: (Int, SharedText?).self) { group in
            for i in 0..<600 { group.addTask { (i, texts.store(text(i))) } }
            var handles: [Int: SharedText?] = [:]
            for await (i, handle) in group { handles[i] = handle }
            return handles
        }
        for i in 0..<600 {
            #expect(handles[i]??.text == text(i), "text \(i)")
        }
        var result = ResumeResult("exec-1", .resumed)
        result.setURN(urn + "exec-1", in: texts)
        #expect(result.urn == urn + "exec-1")
        var own = ResumeResult("exec-1", .resumed)
        own.urn = urn + "exec-1"
        #expect(own == result, "a URN compares by its text, wherever it is kept")
    }
}

/// The index of names that stands in for a dictionary of them in a million-target resume.
@Suite(.timeLimit(.minutes(5))) struct NameIndexTests {
    @Test func findsEachNameAndNothingElseAsItGrows() {
        let names = (0..<2_000).map { "exec-\($0 * 7 % 2_000)" } + ["", "é", "e"]
        var index = NameIndex(capacity: 10)  // grows many times
        for place in names.indices { index.add(place, of: names) }
        let misplaced = names.indices.filter { index.place(of: names[$0], in: names) != $0 }
        #expect(misplaced.isEmpty, "\(misplaced.prefix(5).map { names[$0] })")
        #expect(index.place(of: "exec-2000", in: names) == nil)
        #expect(["b", "a", "b", "c", "a", "", ""].distinctInOrder() == ["b", "a", "c", ""])
    }
}
