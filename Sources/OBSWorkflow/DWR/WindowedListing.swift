/// Every execution started in a time window, although one DWR query reaches no further than
/// `offset` 1000 plus a page (about 1,200 rows).
///
/// A slice whose results do not fit is split in two at its middle, and each half is listed
/// the same way, newest first — so 5,000 executions over 30 days come back complete. The
/// service's `count`, when it is the slice's total, shows at the first page that a slice is
/// too full; otherwise running into the offset limit does. The service's time bounds are
/// whole seconds and may be inclusive or exclusive (it does not say), so halves overlap by a
/// second and names already returned are skipped: each execution comes back once.
///
/// One instance serves one iteration of a listing, a page at a time.
final class WindowedListing: @unchecked Sendable {
    /// Slices still to list, in epoch seconds (both ends sent); the last is listed next.
    private var slices: [ClosedRange<Int>]
    private var offset = DWRAPI.offsetRange.lowerBound
    private var seen: Set<String> = []
    private var pages = 0

    /// - Parameters:
    ///   - window: `since` inclusive, `until` exclusive (milliseconds); an open `until` is now,
    ///     an open `since` is `defaultSpan` before `until` (the service's own rule).
    init(window: TimeWindow, defaultSpan: Int, now: Int) {
        let until = window.until ?? now
        let since = window.since ?? (until - defaultSpan)
        let lower = since >= 0 ? since / 1000 : -((-since + 999) / 1000)
        let upper = until >= 0 ? (until + 999) / 1000 : -(-until / 1000)
        slices = lower <= upper ? [lower...upper] : []
    }

    /// The next page of executions not returned before, and a cursor while more remain.
    /// `fetch` lists one slice from an offset.
    func nextPage(
        _ fetch: (ClosedRange<Int>, Int) async throws(OBSWorkflowError) -> DWRPage
    ) async throws(OBSWorkflowError) -> ([Execution], String?) {
        while let slice = slices.last {
            let page = try await fetch(slice, offset)
            let next = try page.next(after: offset, operation: "list executions")
            let items = page.executions
            if offset == DWRAPI.offsetRange.lowerBound, next != nil, let total = page.count,
                total > DWRAPI.offsetRange.upperBound - 1 + max(items.count, 1), Self.canSplit(slice)
            {
                split()
                continue
            }
            let fresh = items.filter { execution in execution.executionName.map { seen.insert($0).inserted } ?? true }
            if let next {
                if DWRAPI.offsetRange.contains(next) {
                    offset = next
                } else {
                    guard Self.canSplit(slice) else { throw Self.tooDense(slice) }
                    split()
                }
                return (fresh, cursor())
            }
            slices.removeLast()
            offset = DWRAPI.offsetRange.lowerBound
            return (fresh, slices.isEmpty ? nil : cursor())
        }
        return ([], nil)
    }

    /// Halves that overlap by a second: `[lower, mid + 1]` and `[mid, upper]`, the newer
    /// listed first. Each is shorter than the slice while it spans three seconds or more.
    private func split() {
        let slice = slices.removeLast()
        let mid = slice.lowerBound + (slice.upperBound - slice.lowerBound) / 2
        slices.append(slice.lowerBound...(mid + 1))
        slices.append(mid...slice.upperBound)
        offset = DWRAPI.offsetRange.lowerBound
    }

    private static func canSplit(_ slice: ClosedRange<Int>) -> Bool { slice.upperBound - slice.lowerBound >= 3 }

    private static func tooDense(_ slice: ClosedRange<Int>) -> OBSWorkflowError {
        .invalidArgument(
            "more executions started between \(WireDate.iso8601Seconds(epochSeconds: slice.lowerBound)) and "
                + "\(WireDate.iso8601Seconds(epochSeconds: slice.upperBound)) than one DWR query can reach "
                + "(offset \(DWRAPI.offsetRange.upperBound) plus a page); obsw cannot list them all")
    }

    /// A cursor that never repeats (the listing's state is here, not in the cursor).
    private func cursor() -> String {
        pages += 1
        return "page \(pages)"
    }
}
