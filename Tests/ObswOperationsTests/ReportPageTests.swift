import Foundation
import ObswJSON
import OBSWorkflow
import OBSWTestSupport
@testable import ObswOperations
import Testing

/// `obsw report`'s page from a journal read from disk: what it claims about resumes whose
/// outcome was never recorded, how it shows very long texts, and journals that are large
/// or hold extreme numbers.
@Suite(.timeLimit(.minutes(5))) final class ReportPageTests {
    let dir = TemporaryDirectory()
    deinit { dir.remove() }

    func journal(_ lines: [String]) throws -> String {
        dir.write("journal-\(UInt32.random(in: 0...UInt32.max)).jsonl", lines.joined(separator: "\n") + "\n")
    }

    func info(_ state: String, restoredAt: String? = nil, error: String? = nil) -> ExecutionInfo {
        var json: JSONObject = ["execution_state": .string(state)]
        if let restoredAt { json["restored_at"] = .string(restoredAt) }
        if let error { json["failed_states"] = [["name": "publish", "error": .string(error)]] }
        return ExecutionInfo(json: json)
    }

    /// Intents are written ahead of the sends, in batches: after a kill, the journal cannot
    /// say an intent's resume was sent, and the page says "may have been sent" — and, once
    /// the executions are read, decides from `restored_at`.
    @Test func anIntentWithoutAnOutcomeIsNotCalledSent() throws {
        let path = try journal([
            #"{"obsw_journal":1,"endpoint":"http://127.0.0.1:1","local":false,"at":"2026-12-01T10:00:00.000Z"}"#,
            #"{"graph":"g","execution_name":"applied","intent":"resume","failed_at":"2026-12-01T09:00:00.000Z","at":"2026-12-01T10:00:00.000Z"}"#,
            #"{"graph":"g","execution_name":"not-applied","intent":"resume","failed_at":"2026-12-01T09:00:00.000Z","at":"2026-12-01T10:00:00.000Z"}"#,
            #"{"graph":"g","execution_name":"skewed","intent":"resume","at":"2026-12-01T10:00:00.000Z"}"#,
        ])
        let history = try JournalHistory.read(path)
        #expect(history.entries.map(\.failedAt) == [WireDate.parseISO8601("2026-12-01T09:00:00.000Z"), WireDate.parseISO8601("2026-12-01T09:00:00.000Z"), nil])
        let offline = IncidentReport(history: history, finals: [:], finalNote: "not read").html()
        #expect(offline.components(separatedBy: "the resume may have been sent").count == 4)
        #expect(!offline.contains("the resume was sent;"))

        let finals = [
            "g\u{0}applied": info("SUCCESS", restoredAt: "2026-12-01T10:00:00.500Z"),
            // Restored before it last failed: an older restore, not this one.
            "g\u{0}not-applied": info("FAILED", restoredAt: "2026-12-01T08:00:00.000Z", error: "boom"),
            // No failed_at: restored_at within the allowed clock skew of the intent counts.
            "g\u{0}skewed": info("SUCCESS", restoredAt: "2026-12-01T09:50:00.000Z"),
        ]
        let read = IncidentReport(history: history, finals: finals, finalNote: nil).html()
        #expect(read.components(separatedBy: "the resume was sent and applied").count == 3)
        #expect(read.components(separatedBy: "the resume was not applied").count == 2)
        #expect(!read.contains("may have been sent"))
    }

    /// A 1 MB error text was shown three times per execution (the group, its sample, the
    /// table): now each distinct long text is in the page once, cut where it appears.
    @Test func longTextsAreInThePageOnce() async throws {
        var lines = [#"{"obsw_journal":1,"endpoint":"http://127.0.0.1:1","local":false,"at":"2026-12-01T10:00:00.000Z"}"#]
        var finals: [String: ExecutionInfo] = [:]
        let huge = String(repeating: "stack frame 0x1f <here> ", count: 44_000)  // about 1 MB
        for index in 0..<50 {
            lines.append(#"{"graph":"g","execution_name":"e\#(index)","outcome":"resumed","at":"2026-12-01T10:00:01.000Z"}"#)
            // Half share one text, half have their own.
            finals["g\u{0}e\(index)"] = info("FAILED", error: index < 25 ? huge : "E\(index) " + huge)
        }
        let history = try JournalHistory.read(try journal(lines))
        // Seconds of work in a debug build: off the concurrency pool the other tests need.
        let report = IncidentReport(history: history, finals: finals, finalNote: nil)
        let page = await onThreadOfItsOwn { report.html() }
        // 26 distinct texts of 1 MB: the page holds each once (escaped), and little else.
        let escaped = IncidentReport.escape(huge).utf8.count
        #expect(page.utf8.count < 27 * escaped, "\(page.utf8.count) bytes")
        #expect(page.utf8.count > 26 * escaped)
        // 26 error texts, and the two groups' masked texts (2,000 characters each).
        #expect(page.components(separatedBy: #"<pre class="whole""#).count - 1 == 28)
        #expect(page.contains("the whole text (1.0 MB)"))
    }

    /// A journal is outside input: extreme numbers in pace lines are skipped or kept in
    /// range, never a trap (the page once trapped on `throttled` differences and on
    /// `Int(Double)` of the pace).
    @Test func extremeNumbersInPaceLinesDoNotTrap() throws {
        let path = try journal([
            #"{"graph":"g","execution_name":"e1","outcome":"resumed","at":"2026-12-01T10:00:01.000Z"}"#,
            #"{"graph":"g","pace":9223372036854775807,"throttled":9223372036854775807,"at":"2026-12-01T10:00:02.000Z"}"#,
            #"{"graph":"g","pace":-5,"throttled":-9223372036854775807,"at":"2026-12-01T10:00:03.000Z"}"#,
            #"{"graph":"g","pace":1e300,"throttled":5,"at":"2026-12-01T10:00:04.000Z"}"#,
            #"{"graph":"g","pace":12,"throttled":1000000000000,"at":"0001-01-01T00:00:00.000Z"}"#,
            #"{"graph":"g","pace":12,"throttled":7,"at":"9999-12-31T23:59:59.999Z"}"#,
        ])
        let history = try JournalHistory.read(path)
        #expect(history.unreadable == 2)
        #expect(history.pace.map(\.throttled) == [5, 1_000_000_000_000, 7])
        #expect(history.pace.map(\.pace) == [nil, 12, 12])
        let page = IncidentReport(history: history, finals: [:], finalNote: nil).html()
        #expect(page.contains("<svg id=\"timeline\""))
    }

    /// Journals over 64 MiB were refused ("cannot read the journal …: Success"): a journal
    /// is streamed, whatever its size.
    @Test func aJournalOver64MiBIsRead() async throws {
        let path = dir.write("big.jsonl", "")
        // Seconds of work in a debug build: off the concurrency pool the other tests need.
        let read = await onThreadOfItsOwn { () -> (size: Int, history: Result<JournalHistory, OperationError>) in
            let handle = FileHandle(forWritingAtPath: path)!
            let padding = String(repeating: "x", count: 180)
            var chunk = ""
            for count in 0..<260_000 {
                chunk += #"{"graph":"g","execution_name":"e\#(count)","outcome":"failed","reason":"\#(padding)","at":"2026-12-01T10:00:01.000Z"}"# + "\n"
                if (count + 1) % 10_000 == 0 {
                    handle.write(Data(chunk.utf8))
                    chunk = ""
                }
            }
            try? handle.close()
            var info = stat()
            stat(path, &info)
            return (Int(info.st_size), Result { () throws(OperationError) in try JournalHistory.read(path) })
        }
        #expect(read.size > 64 << 20)
        let history = try read.history.get()
        #expect(history.entries.count == 260_000)
        #expect(history.unreadable == 0)
    }

    /// A FIFO named as the journal is refused at once instead of blocking the report.
    @Test func aFIFOIsNotReadAsAJournal() throws {
        let path = dir.path + "/fifo"
        #expect(mkfifo(path, 0o600) == 0)
        #expect(throws: OperationError.self) { try JournalHistory.read(path) }
        do { _ = try JournalHistory.read(path) } catch {
            #expect(error.description.contains("is not a regular file (a FIFO)"))
        }
    }

    /// The next resume's reader and the report's reader decode lines one way.
    @Test func oneCodecWritesAndReadsEveryLine() {
        var result = ResumeResult("e1", .resumed, reason: "ok")
        result.restoredAt = 1_764_583_201_000
        let lines: [[UInt8]] = [
            JournalLine.header(endpoint: "http://x", local: true, at: 1_764_583_200_000),
            JournalLine.intent(graph: "g", name: "e1", failedAt: "2026-12-01T09:00:00.000Z", at: 1_764_583_200_000),
            JournalLine.outcome(graph: "g", result, at: 1_764_583_201_000),
            JournalLine.pace(graph: "g", Pacer.Status(rate: 243, refused: 41, sent: 1000), at: 1_764_583_202_000),
        ]
        #expect(lines.allSatisfy { $0.last == 0x0A })
        #expect(lines.map { JournalLine.decode($0.dropLast()) } == [
            .header(endpoint: "http://x", local: true),
            .intent(graph: "g", name: "e1", at: 1_764_583_200_000, failedAt: WireDate.parseISO8601("2026-12-01T09:00:00.000Z")),
            .outcome(graph: "g", name: "e1", outcome: .resumed, reason: "ok", restoredAt: 1_764_583_201_000, at: 1_764_583_201_000),
            .pace(graph: "g", at: 1_764_583_202_000, pace: 243, throttled: 41),
        ])
        #expect(JournalLine.decode(Array("{\"graph\":".utf8)[...]) == .unreadable)
    }
}
