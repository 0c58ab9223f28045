/// How many bytes a text shares with an anchor text at its beginning and then at its end:
/// a text kept beside one it mostly repeats (an execution URN beside its block's first: the
/// graph's URN, a name, often a common ending) need store only what lies between. Each count
/// is at most 255, so it fits a byte, and the two never overlap within `text`. Bytes, not
/// characters: the text is put back from the same bytes, so a character split at either
/// boundary comes back whole.
public enum SharedEnds {
    public static let most = Int(UInt8.max)

    public static func of(_ text: UnsafeBufferPointer<UInt8>, with anchor: UnsafeBufferPointer<UInt8>) -> (beginning: Int, end: Int) {
        var beginning = 0, end = 0
        let limit = min(text.count, anchor.count, most)
        while beginning < limit, anchor[beginning] == text[beginning] { beginning += 1 }
        let endLimit = min(text.count - beginning, anchor.count, most)
        while end < endLimit, anchor[anchor.count - 1 - end] == text[text.count - 1 - end] { end += 1 }
        return (beginning, end)
    }
}
