import OBSWTestSupport
import OBSWorkflow
import Testing

@Suite(.timeLimit(.minutes(5))) struct PaginationTests {
    /// Serves `total` executions named exec-00000... in pages, marker = "APICALL" + last name.
    static func executionServer(total: Int, ignoreStateFilter: Bool = true) -> TestHTTPServer.Handler {
        { request, _ in
            guard let (_, query) = SignatureCheck.splitTarget(request.target) else { return .json(400, "{}") }
            func value(_ name: String) -> String? { query.first(where: { $0.name == name })?.value }
            let limit = Int(value("x-workflow-limit") ?? "10")!
            var start = 0
            if let marker = value("x-workflow-next-marker") { start = Int(marker.dropFirst("APICALLexec-".count))! + 1 }
            let end = min(total, start + limit)
            let items = (start..<end).map { i in
                let state = i % 3 == 0 ? "FAILED" : "SUCCESS"
                let name = "exec-" + String(repeating: "0", count: 5 - String(i).count) + String(i)
                return #"{"execution_name":"\#(name)","execution_state":"\#(state)","execution_type":"APICALL","stopped_at":"","extra_field":null}"#
            }
            let truncated = end < total
            let last = "exec-" + String(repeating: "0", count: 5 - String(end - 1).count) + String(end - 1)
            let marker = truncated ? #","next_marker":"APICALL\#(last)""# : ""
            return .json(200, #"{"count":\#(items.count),"executions":[\#(items.joined(separator: ","))],"is_truncated":\#(truncated)\#(marker)}"#)
        }
    }

    @Test func followsMarkersAcrossPages() async throws {
        let (names, requests) = try await withServer(handler: Self.executionServer(total: 2_500)) { server, client in
            var names: [String] = []
            for try await execution in client.executions(graph: "thumbnails", pageSize: 1000) {
                names.append(execution.executionName!)
            }
            return (names, server.requests)
        }
        #expect(names.count == 2_500)
        #expect(Set(names).count == 2_500)
        #expect(names.first == "exec-00000" && names.last == "exec-02499")
        #expect(requests.count == 3)
        #expect(requests[1].target.contains("x-workflow-next-marker=APICALLexec-00999"))
        #expect(requests.allSatisfy { isSigned($0) })
    }

    @Test func stateFilterIsSentAndAppliedHere() async throws {
        let (executions, requests) = try await withServer(handler: Self.executionServer(total: 30)) { server, client in
            (try await client.executions(graph: "g", state: .failed, pageSize: 7).collect(), server.requests)
        }
        #expect(executions.count == 10)
        #expect(executions.allSatisfy { $0.state == .failed })
        #expect(requests.allSatisfy { $0.target.contains("x-workflow-execution-state=FAILED") })
        #expect(requests.count == 5)  // 30 items, 7 a page
    }

    @Test func pagesAreLazy() async throws {
        let count = try await withServer(handler: Self.executionServer(total: 5_000)) { server, client in
            var iterator = client.executions(graph: "g", pageSize: 100).makeAsyncIterator()
            for _ in 0..<150 { _ = try await iterator.next() }
            return server.requests.count
        }
        #expect(count == 2)
    }

    @Test func repeatedMarkerEndsInsteadOfLooping() async throws {
        let error = try await withServer(handler: { _, _ in
            .json(200, #"{"count":1,"executions":[{"execution_name":"a"}],"is_truncated":true,"next_marker":"SAME"}"#)
        }) { _, client in
            await clientError { _ = try await client.executions(graph: "g").collect() }
        }
        guard case .invalidResponse(let e) = error else {
            Issue.record("expected invalidResponse, got \(String(describing: error))")
            return
        }
        #expect(e.reason.contains("did not advance"))
    }

    @Test func truncatedWithoutMarkerIsAnError() async throws {
        let error = try await withServer(handler: { _, _ in
            .json(200, #"{"count":0,"executions":[],"is_truncated":true}"#)
        }) { _, client in
            await clientError { _ = try await client.executions(graph: "g").collect() }
        }
        guard case .invalidResponse = error else {
            Issue.record("expected invalidResponse, got \(String(describing: error))")
            return
        }
    }

    /// A listing of the wrong shape is an invalid answer, never an empty list ("nothing to
    /// resume" on a broken answer would be a lie).
    @Test(arguments: [#"{"executions":"not a list"}"#, #"{"count":3}"#, #"{"executions":[1,2]}"#, #"{"executions":{"a":1}}"#])
    func aListingOfTheWrongShapeIsInvalid(_ body: String) async throws {
        let error = try await withServer(handler: { _, _ in .json(200, body) }) { _, client in
            await clientError { _ = try await client.executions(graph: "g", state: .failed).collect() }
        }
        guard case .invalidResponse(let e) = error else {
            Issue.record("\(body): expected invalidResponse, got \(String(describing: error))")
            return
        }
        #expect(e.description.contains("executions"), "\(e)")
        let workflows = try await withServer(handler: { _, _ in .json(200, #"{"graphs":"none","is_truncated":false}"#) }) { _, client in
            await clientError { _ = try await client.workflows().collect() }
        }
        guard case .invalidResponse = workflows else { Issue.record("workflows: \(String(describing: workflows))"); return }
    }

    @Test func offsetPaginationForWorkflowsAndTemplates() async throws {
        let total = 23
        let handler: TestHTTPServer.Handler = { request, _ in
            let (path, query) = SignatureCheck.splitTarget(request.target)!
            let start = Int(query.first(where: { $0.name == "x-workflow-start" })?.value ?? "0")!
            let limit = Int(query.first(where: { $0.name == "x-workflow-limit" })?.value ?? "10")!
            let end = min(total, start + limit)
            let isTemplates = path.hasPrefix("/v2/workflowtemplates/")
            let items = (start..<end).map { i in
                isTemplates ? #"{"template_name":"t\#(i)"}"# : #"{"name":"g\#(i)","create_at":"2020","graph_urn":"urn:\#(i)"}"#
            }
            let key = isTemplates ? "templates" : "graphs"
            let next = end < total ? "\(end)" : "null"
            return .json(200, #"{"count":\#(items.count),"\#(key)":[\#(items.joined(separator: ","))],"next_start":\#(next),"is_truncated":\#(end < total)}"#)
        }
        let (workflows, templates, requests) = try await withServer(handler: handler) { server, client in
            (try await client.workflows(prefix: "g", pageSize: 10).collect(),
             try await client.templates(pageSize: 10).collect(), server.requests)
        }
        #expect(workflows.map(\.name) == (0..<total).map { "g\($0)" })
        #expect(workflows[0].createdAt == "2020")  // the documented `create_at` spelling is read too
        #expect(templates.map(\.name) == (0..<total).map { "t\($0)" })
        #expect(requests.count == 6)
        #expect(requests[0].target == "/v2/workflows/g?x-workflow-prefix&x-workflow-limit=10")
        #expect(requests[1].target == "/v2/workflows/g?x-workflow-prefix&x-workflow-start=10&x-workflow-limit=10")
    }

    @Test func pageSizeOutOfRangeIsRefusedBeforeSending() async throws {
        let (error, count) = try await withServer(handler: { _, _ in .json(200, "{}") }) { server, client in
            (await clientError { _ = try await client.executionPage(graph: "g", limit: 1001) }, server.requests.count)
        }
        guard case .invalidArgument = error else { Issue.record("expected invalidArgument"); return }
        #expect(count == 0)
    }
}
