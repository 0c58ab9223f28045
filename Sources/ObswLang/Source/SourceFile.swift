/// A byte range in one source file: what diagnostics point at.
public struct Span: Sendable, Hashable {
    /// Index of the file in the `SourceMap` that produced it.
    public var file: Int32
    /// Byte offsets, `start` inclusive, `end` exclusive.
    public var start: Int32
    public var end: Int32

    public init(file: Int32, start: Int32, end: Int32) {
        self.file = file
        self.start = start
        self.end = max(start, end)
    }

    /// The span from the start of `self` to the end of `other`.
    public func through(_ other: Span) -> Span {
        Span(file: file, start: min(start, other.start), end: max(end, other.end))
    }

    public static let none = Span(file: -1, start: 0, end: 0)
}

/// One file (or `-c` snippet, or shell line) of source text, as bytes.
public final class SourceFile: Sendable {
    /// What messages call it: a path, `<command line>` or `<stdin>`.
    public let name: String
    public let bytes: [UInt8]
    /// Byte offset where each line starts.
    public let lineStarts: [Int]

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == 0x0A { starts.append(i + 1) }
        lineStarts = starts
    }

    public convenience init(name: String, text: String) {
        self.init(name: name, bytes: Array(text.utf8))
    }

    /// 1-based line and column (in characters, so a caret lines up under UTF-8 text).
    public func location(of offset: Int) -> (line: Int, column: Int) {
        let clamped = min(max(offset, 0), bytes.count)
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= clamped { low = mid } else { high = mid - 1 }
        }
        let lineStart = lineStarts[low]
        let prefix = bytes[lineStart..<clamped]
        let column = String(decoding: prefix, as: UTF8.self).count + 1
        return (low + 1, column)
    }

    /// The text of a 1-based line, without its newline.
    public func line(_ number: Int) -> String {
        guard number >= 1, number <= lineStarts.count else { return "" }
        let start = lineStarts[number - 1]
        var end = number < lineStarts.count ? lineStarts[number] - 1 : bytes.count
        if end > start, bytes[end - 1] == 0x0D { end -= 1 }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }

    public func text(_ span: Span) -> String {
        let s = min(Int(span.start), bytes.count), e = min(Int(span.end), bytes.count)
        return String(decoding: bytes[s..<max(s, e)], as: UTF8.self)
    }
}

/// Every source file the engine has seen, so a span can name its file.
public final class SourceMap: @unchecked Sendable {
    // Appended to by the engine's single thread; read by error renderers afterwards.
    private(set) var files: [SourceFile] = []

    public init() {}

    public func add(_ file: SourceFile) -> Int32 {
        files.append(file)
        return Int32(files.count - 1)
    }

    public func file(_ id: Int32) -> SourceFile? {
        id >= 0 && Int(id) < files.count ? files[Int(id)] : nil
    }

    /// The id this map gave `file` (the first time it was added).
    public func id(of file: SourceFile) -> Int32? {
        files.firstIndex { $0 === file }.map(Int32.init)
    }
}
