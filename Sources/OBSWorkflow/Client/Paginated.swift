/// Items of a paginated list, fetched one page at a time as the caller iterates.
///
/// Only the current page is held, so iterating 100,000 executions costs one page of memory.
/// The cursor is the service's `next_marker` (executions) or `next_start` (workflows,
/// templates). A service that hands back a cursor it already gave would loop forever; that
/// ends in an `invalidResponse` error instead.
public struct Paginated<Item: Sendable>: AsyncSequence, Sendable {
    public typealias Element = Item
    public typealias Failure = OBSWorkflowError
    /// Fetches the page at a cursor (nil for the first) and returns its items and the next cursor.
    public typealias FetchPage = @Sendable (String?) async throws(OBSWorkflowError) -> ([Item], String?)

    /// Makes the page fetcher of one iteration: a listing that keeps state while it runs
    /// (the DWR window split, the names already seen) starts afresh each time it is iterated.
    let makeFetchPage: @Sendable () -> FetchPage

    public init(fetchPage: @escaping FetchPage) { makeFetchPage = { fetchPage } }

    public init(eachIteration makeFetchPage: @escaping @Sendable () -> FetchPage) { self.makeFetchPage = makeFetchPage }

    public func makeAsyncIterator() -> Iterator { Iterator(fetchPage: makeFetchPage()) }

    /// The same list a page at a time.
    public var pages: Pages { Pages(fetchPage: makeFetchPage()) }

    /// The items `keep` accepts, still a page at a time (a page may come out empty).
    public func filter(_ keep: @escaping @Sendable (Item) -> Bool) -> Paginated<Item> {
        let makeFetchPage = self.makeFetchPage
        return Paginated(eachIteration: {
            let fetchPage = makeFetchPage()
            return { cursor throws(OBSWorkflowError) in
                let (items, next) = try await fetchPage(cursor)
                return (items.filter(keep), next)
            }
        })
    }

    /// Collects every item (for callers that need them all at once).
    public func collect() async throws(OBSWorkflowError) -> [Item] {
        var all: [Item] = []
        var iterator = pages.makeAsyncIterator()
        while let page = try await iterator.next() { all.append(contentsOf: page) }
        return all
    }

    public struct Iterator: AsyncIteratorProtocol {
        var pages: Pages.Iterator
        var buffer: [Item] = []
        var index = 0

        init(fetchPage: @escaping FetchPage) { pages = Pages.Iterator(fetchPage: fetchPage) }

        public mutating func next() async throws(OBSWorkflowError) -> Item? {
            while index == buffer.count {
                guard let page = try await pages.next() else { return nil }
                buffer = page
                index = 0
            }
            defer { index += 1 }
            return buffer[index]
        }
    }

    public struct Pages: AsyncSequence, Sendable {
        public typealias Element = [Item]
        public typealias Failure = OBSWorkflowError
        let fetchPage: FetchPage

        public func makeAsyncIterator() -> Iterator { Iterator(fetchPage: fetchPage) }

        public struct Iterator: AsyncIteratorProtocol {
            let fetchPage: FetchPage
            var cursor: String?
            var seen: Set<String> = []
            var finished = false

            init(fetchPage: @escaping FetchPage) { self.fetchPage = fetchPage }

            public mutating func next() async throws(OBSWorkflowError) -> [Item]? {
                guard !finished else { return nil }
                if Task.isCancelled { throw .cancelled }
                let (items, next) = try await fetchPage(cursor)
                guard let next else {
                    finished = true
                    return items
                }
                guard seen.insert(next).inserted else {
                    finished = true
                    throw .invalidResponse(
                        InvalidResponseError(
                            operation: "list", status: 200, reason: "pagination did not advance (cursor '\(next)' repeated)"))
                }
                cursor = next
                return items
            }
        }
    }
}
