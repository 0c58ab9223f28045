import OBSWTestSupport
import OBSWorkflow
import Testing

/// DWR listings that lie: obsw's complete listing (`WindowedListing`) splits a window while
/// the service says more follow, so a lying service once made it bisect `--since 1d` down
/// to 2-second windows — 172,799 requests — and then answer "0 executions". The work is
/// capped and contradictions are errors, never an empty (or short) listing.
@Suite(.timeLimit(.minutes(5))) struct DWRListingTests {
    static let day = TimeWindow(since: 1_764_547_200_000, until: 1_764_633_600_000)  // 2026-12-01, one day

    /// Runs a complete listing against `handler`; what came back and how many requests it took.
    func list(_ handler: @escaping @Sendable (_ span: Int, _ offset: Int) -> String) async throws -> (Result<Int, OBSWorkflowError>, Int) {
        let server = try await TestHTTPServer.start { request, _ in
            guard let (_, query) = SignatureCheck.splitTarget(request.target) else { return .json(400, "{}") }
            func value(_ name: String) -> String? { query.first(where: { $0.name == name })?.value }
            let start = value("start_time").flatMap(WireDate.parseISO8601) ?? 0
            let end = value("end_time").flatMap(WireDate.parseISO8601) ?? 0
            return .json(200, handler((end - start) / 1000, Int(value("offset") ?? "1") ?? 1))
        }
        let client = try DWRWorkflowClient(
            settings: TransportSettings(
                // The requests are counted: a first attempt that outlived its timeout on a starved
                // machine (the full suite, 2 cores) would be sent again and counted twice.
                endpoint: Endpoint(parsing: server.endpoint), credentials: testCredentials, retry: .fast,
                requestTimeout: .seconds(240)),
            projectID: "0123456789abcdef0123456789abcdef")
        return try await afterwards({
            let result: Result<Int, OBSWorkflowError>
            do throws(OBSWorkflowError) {
                result = .success(try await client.executions(graph: "g", window: Self.day, pageSize: 200).collect().count)
            } catch {
                result = .failure(error)
            }
            return (result, server.requests.count)
        }) {
            await client.shutdown()
            await server.stop()
        }
    }

    func reason(_ result: Result<Int, OBSWorkflowError>) -> String {
        guard case .failure(let error) = result else { return "no error: \(result)" }
        return error.description
    }

    /// The case from the report: every window of 3 s or more "truncated", with no rows.
    @Test func truncatedPagesWithNothingOnThemAreInvalid() async throws {
        let (result, requests) = try await list { span, offset in
            span >= 3 ? #"{"count":5000,"is_truncated":true,"next_offset":\#(offset + 200),"executions":[]}"# : #"{"count":0}"#
        }
        #expect(reason(result).contains("marked truncated but holds nothing"), "\(reason(result))")
        #expect(requests == 1)
    }

    /// Halves that count fewer than the window they split: the listing contradicts itself.
    @Test func halvesThatContradictTheirParentStopTheListing() async throws {
        let (result, requests) = try await list { span, _ in
            let row = #"{"execution_name":"x","status":"fail","start_time":"2026-12-01T10:00:00Z"}"#
            return span > 50_000 ? #"{"count":5000,"is_truncated":true,"next_offset":201,"executions":[\#(row)]}"# : #"{"count":0}"#
        }
        #expect(reason(result).contains("the service's listing is inconsistent"), "\(reason(result))")
        #expect(reason(result).contains("counted 5000 executions"))
        #expect(requests == 3)
    }

    /// A service that always has "more" but returns the same rows: the requests may not
    /// outrun what they return.
    @Test func requestsThatReturnNothingNewAreCapped() async throws {
        let (result, requests) = try await list { span, offset in
            let row = #"{"execution_name":"same","status":"fail","start_time":"2026-12-01T10:00:00Z"}"#
            let next = offset < 1000 ? offset + 1 : 1001  // past 1000: the slice is split
            return #"{"count":1,"is_truncated":true,"next_offset":\#(next),"executions":[\#(row)]}"#
        }
        #expect(reason(result).contains("the service's listing is inconsistent"), "\(reason(result))")
        #expect(requests <= 260, "\(requests) requests")
    }

    /// Wrong-typed paging fields are invalid answers, as elsewhere: `"true"` is not true.
    @Test func wrongTypedPagingFieldsAreInvalid() async throws {
        for (body, field) in [
            (#"{"count":1,"is_truncated":"true","next_offset":201,"executions":[]}"#, "is_truncated"),
            (#"{"count":"5","executions":[]}"#, "count"),
            (#"{"count":1,"is_truncated":true,"next_offset":"201","executions":[{"execution_name":"a"}]}"#, "next_offset"),
        ] {
            let (result, _) = try await list { _, _ in body }
            #expect(reason(result).contains("\(field) is not a"), "\(reason(result))")
        }
    }

    /// A consistent listing still comes back whole: 1,000 executions over the day, split
    /// by count, in a handful of requests.
    @Test func anHonestDenseListingIsComplete() async throws {
        let (result, requests) = try await list { span, offset in
            // 1,000 executions spread evenly over the day; a slice of `span` seconds holds its share.
            let total = min(1000, span * 1000 / 86_400 + 1)
            let first = offset - 1, last = min(total, first + 200)
            let rows = (first..<last).map { #"{"execution_name":"e\#(span)-\#($0)","status":"fail","start_time":"2026-12-01T10:00:00Z"}"# }
            let more = last < total
            return #"{"count":\#(total),"is_truncated":\#(more)\#(more ? ",\"next_offset\":\(last + 1)" : ""),"executions":[\#(rows.joined(separator: ","))]}"#
        }
        guard case .success(let count) = result else {
            Issue.record("\(reason(result))")
            return
        }
        #expect(count == 1000)
        #expect(requests <= 10)
    }
}
