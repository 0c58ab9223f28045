import ObswSystem
import ObswText
import Synchronization

/// Texts that mostly begin and end alike — the execution URNs a bulk resume gets back, a
/// graph's URN, a name and often a common ending — kept in one buffer: each stores how many
/// bytes it shares with the first text put in at its beginning and at its end, then what
/// lies between. A million URNs of ~100 bytes each took a heap string apiece (144 bytes);
/// here each takes what is its own and two bytes more. Texts are put in from many workers
/// at once and read back as `String`s.
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
                let (shared, end) = buffer.first.withUnsafeBufferPointer { SharedEnds.of(utf8, with: $0) }
                let offset = buffer.bytes.count, length = 2 + utf8.count - shared - end
                guard offset + length < Int(UInt32.max) else { return nil }
                buffer.bytes.append(UInt8(shared))
                buffer.bytes.append(UInt8(end))
                buffer.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[shared..<utf8.count - end]))
                return SharedText(texts: self, offset: UInt32(offset), length: UInt32(length))
            }
        }
    }

    /// The text stored at `offset`: the counts it shares at its beginning and its end, then its own bytes.
    fileprivate func text(offset: UInt32, length: UInt32) -> String {
        buffer.withLock { buffer in
            let start = Int(offset), stop = start + Int(length)
            let shared = Int(buffer.bytes[start]), end = Int(buffer.bytes[start + 1]), own = stop - start - 2
            return String(unsafeUninitializedCapacity: shared + own + end) { text in
                _ = text.initialize(fromContentsOf: buffer.first[..<shared])
                _ = text[shared...].initialize(fromContentsOf: buffer.bytes[(start + 2)..<stop])
                _ = text[(shared + own)...].initialize(fromContentsOf: buffer.first[(buffer.first.count - end)...])
                return shared + own + end
            }
        }
    }

    /// Lets go of the buffer's growth room (up to as much again as it holds) once no more
    /// texts come.
    public func finish() {
        buffer.withLock { $0.bytes.releaseGrowthRoom() }
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
