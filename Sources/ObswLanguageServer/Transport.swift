#if canImport(Glibc)
import Glibc
#endif
import ObswJSON
import ObswSystem
import ObswText

/// JSON-RPC 2.0 messages framed as the Language Server Protocol frames them:
/// `Content-Length: N\r\n\r\n` and N bytes of UTF-8 JSON.
enum Framing {
    /// The largest message read; a larger one is read and dropped (the stream stays in step).
    static let maximumLength = 64 << 20

    enum Read {
        case message(JSONValue)
        /// A body that is not JSON: answered with a parse error.
        case invalidJSON(String)
        /// Headers without a usable Content-Length, or a message too large: skipped.
        case skipped(String)
        case end
    }
}

/// Reads framed messages from a descriptor (the server's standard input).
struct MessageReader {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var ended = false

    init(fd: Int32) { self.fd = fd }

    /// Reads more input; false at its end.
    private mutating func fill() -> Bool {
        guard !ended else { return false }
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                ended = true
                return false
            }
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
    }

    private func headerEnd() -> Int? {
        var i = start
        while i + 3 < buffer.count {
            if buffer[i] == 13, buffer[i + 1] == 10, buffer[i + 2] == 13, buffer[i + 3] == 10 { return i }
            i += 1
        }
        return nil
    }

    mutating func next() -> Framing.Read {
        var end: Int?
        while true {
            end = headerEnd()
            if end != nil { break }
            guard fill() else { return .end }
        }
        let headers = String(decoding: buffer[start..<end!], as: UTF8.self)
        start = end! + 4
        var length: Int?
        for line in headers.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { continue }
            length = Int(parts[1].trimmingBlanks)
        }
        guard let length, length >= 0 else {
            return .skipped("a message without a valid Content-Length header: \(headers.debugDescription.prefix(200))")
        }
        while buffer.count - start < length {
            // A message too large is read in pieces and dropped, never held.
            if length > Framing.maximumLength, buffer.count - start > 0 {
                let drop = min(buffer.count - start, length)
                start += drop
                return skipRest(length - drop)
            }
            guard fill() else { return .end }
        }
        let body = buffer[start..<start + length]
        start += length
        if length > Framing.maximumLength { return .skipped("a message of \(length) bytes (the most is \(Framing.maximumLength))") }
        do {
            return .message(try JSONParser.parse(body))
        } catch {
            return .invalidJSON(error.description)
        }
    }

    private mutating func skipRest(_ remaining: Int) -> Framing.Read {
        var left = remaining
        while left > 0 {
            if start == buffer.count, !fill() { return .end }
            let drop = min(buffer.count - start, left)
            start += drop
            left -= drop
        }
        return .skipped("a message of more than \(Framing.maximumLength) bytes")
    }
}

/// Writes framed messages to standard output: the only thing the server ever writes there.
final class MessageWriter: Sendable {
    private let lock = Locked(0)
    let fd: Int32

    init(fd: Int32) { self.fd = fd }

    func send(_ message: JSONValue) {
        let body = message.jsonBytes
        let frame = Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
        lock.withLock { _ in _ = writeFully(fd, frame) }
    }
}
