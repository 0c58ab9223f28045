import Synchronization

/// Texts that mostly begin alike — the execution URNs a bulk resume gets back, a graph's URN
/// and then a name — kept in one buffer: each stores how many bytes it shares with the
/// first text put in, then the rest. A million URNs of ~100 bytes each took a heap string
/// apiece (144 bytes); here each takes its own tail and a few bytes more. Texts are put in
/// from many workers at once and read back as `String`s.
public final class SharedTexts: Sendable {
    private struct Buffer {
        var bytes: [UInt8] = []
        /// The first text's bytes (the one every other shares its beginning with).
        var first: [UInt8] = []
    }

    private let buffer = Mutex(Buffer())

    public init() {}

    /// Stores `text` and returns its handle; nil when the buffer cannot take it (4 GB),
    /// in which case the caller keeps the text as it is.
    public func store(_ text: String) -> SharedText? {
        var text = text
        return text.withUTF8 { utf8 in
            buffer.withLock { buffer -> SharedText? in
                if buffer.first.isEmpty { buffer.first = Array(utf8) }
                var shared = 0
                let limit = min(utf8.count, buffer.first.count, Int(UInt8.max))
                while shared < limit, buffer.first[shared] == utf8[shared] { shared += 1 }
                let offset = buffer.bytes.count, length = 1 + utf8.count - shared
                guard offset + length < Int(UInt32.max) else { return nil }
                buffer.bytes.append(UInt8(shared))
                buffer.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[shared...]))
                return SharedText(texts: self, offset: UInt32(offset), length: UInt32(length))
            }
        }
    }

    /// The text stored at `offset`: its shared count, then its own bytes.
    fileprivate func text(offset: UInt32, length: UInt32) -> String {
        buffer.withLock { buffer in
            let start = Int(offset), end = start + Int(length)
            let shared = Int(buffer.bytes[start])
            return String(unsafeUninitializedCapacity: shared + end - start - 1) { text in
                _ = text.initialize(fromContentsOf: buffer.first[..<shared])
                _ = text[shared...].initialize(fromContentsOf: buffer.bytes[(start + 1)..<end])
                return shared + end - start - 1
            }
        }
    }
}

/// One text in a `SharedTexts` (as big as a `String`).
public struct SharedText: Sendable, Equatable {
    let texts: SharedTexts
    let offset: UInt32
    let length: UInt32

    public var text: String { texts.text(offset: offset, length: length) }

    public static func == (a: SharedText, b: SharedText) -> Bool { a.text == b.text }
}
