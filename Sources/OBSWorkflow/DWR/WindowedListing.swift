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
/// A service that lies about its listing must not make obsw work forever nor answer "none":
/// the work is capped — no slice shorter than 3 seconds is split, and the requests may not
/// outrun what they return (`requestAllowance`) — and when the two halves of a slice count
/// fewer executions than the slice did, the listing is inconsistent and stops with an error.
///
/// One instance serves one iteration of a listing, a page at a time.
final class WindowedListing: @unchecked Sendable {
    /// A slice of the window, and what the slice it was split from counted.
    private struct Slice {
        var range: ClosedRange<Int>
        var split: SplitCount?
    }

    /// What a split slice counted, and what its halves count once each is first read.
    private final class SplitCount {
        let range: ClosedRange<Int>
        let count: Int
        var halves: [Int?] = []
        init(range: ClosedRange<Int>, count: Int) {
            self.range = range
            self.count = count
        }
    }

    /// Slices still to list, in epoch seconds (both ends sent); the last is listed next.
    private var slices: [Slice]
    private var offset = DWRAPI.offsetRange.lowerBound
    private var seen: Set<String> = []
    private var pages = 0
    private var requests = 0

    /// Requests allowed before any execution came back, and one more per this many that
    /// came back: a complete listing returns about 150 a request (200 a page, less the
    /// splits' first pages), one that keeps saying "more" and returns nothing stops soon.
    static let requestAllowance = (base: 256, executionsPerRequest: 8)

    /// - Parameters:
    ///   - window: `since` inclusive, `until` exclusive (milliseconds); an open `until` is now,
    ///     an open `since` is `defaultSpan` before `until` (the service's own rule).
    init(window: TimeWindow, defaultSpan: Int, now: Int) {
        let until = window.until ?? now
        let since = window.since ?? (until - defaultSpan)
        let lower = since >= 0 ? since / 1000 : -((-since + 999) / 1000)
        let upper = until >= 0 ? (until + 999) / 1000 : -(-until / 1000)
        slices = lower <= upper ? [Slice(range: lower...upper)] : []
    }

    /// The next page of executions not returned before, and a cursor while more remain.
    /// `fetch` lists one slice from an offset.
    func nextPage(
        _ fetch: (ClosedRange<Int>, Int) async throws(OBSWorkflowError) -> DWRPage
    ) async throws(OBSWorkflowError) -> ([Execution], String?) {
        while let current = slices.last {
            let slice = current.range
            guard requests < Self.requestAllowance.base + seen.count / Self.requestAllowance.executionsPerRequest else {
                throw Self.inconsistent(
                    "\(requests) requests returned \(seen.count) execution\(seen.count == 1 ? "" : "s") while it kept saying more follow")
            }
            requests += 1
            let page = try await fetch(slice, offset)
            let next = try page.next(after: offset, operation: "list executions")
            let items = page.executions
            if offset == DWRAPI.offsetRange.lowerBound {
                try checkHalf(current, counted: page.count)
                if next != nil, let total = page.count, total > DWRAPI.offsetRange.upperBound - 1 + max(items.count, 1),
                    Self.canSplit(slice)
                {
                    split(counted: total)
                    continue
                }
            }
            let fresh = items.filter { execution in execution.executionName.map { seen.insert($0).inserted } ?? true }
            if let next {
                if DWRAPI.offsetRange.contains(next) {
                    offset = next
                } else {
                    guard Self.canSplit(slice) else { throw Self.tooDense(slice) }
                    split(counted: nil)
                }
                return (fresh, cursor())
            }
            slices.removeLast()
            offset = DWRAPI.offsetRange.lowerBound
            return (fresh, slices.isEmpty ? nil : cursor())
        }
        return ([], nil)
    }

    /// A half of a slice split for its count: once both halves have said theirs, together
    /// they must count at least as many (they overlap by a second), or the service's
    /// listing contradicts itself.
    private func checkHalf(_ slice: Slice, counted: Int?) throws(OBSWorkflowError) {
        guard let split = slice.split else { return }
        split.halves.append(counted)
        guard split.halves.count == 2 else { return }
        let counts = split.halves.compactMap { $0 }
        guard counts.count == 2, counts[0] + counts[1] < split.count else { return }
        throw Self.inconsistent(
            "it counted \(split.count) executions started between \(WireDate.iso8601Seconds(epochSeconds: split.range.lowerBound)) "
                + "and \(WireDate.iso8601Seconds(epochSeconds: split.range.upperBound)), but \(counts[0] + counts[1]) in the two halves of that time")
    }

    /// Halves that overlap by a second: `[lower, mid + 1]` and `[mid, upper]`, the newer
    /// listed first. Each is shorter than the slice while it spans three seconds or more.
    private func split(counted: Int?) {
        let slice = slices.removeLast().range
        let mid = slice.lowerBound + (slice.upperBound - slice.lowerBound) / 2
        let count = counted.map { SplitCount(range: slice, count: $0) }
        slices.append(Slice(range: slice.lowerBound...(mid + 1), split: count))
        slices.append(Slice(range: mid...slice.upperBound, split: count))
        offset = DWRAPI.offsetRange.lowerBound
    }

    private static func canSplit(_ slice: ClosedRange<Int>) -> Bool { slice.upperBound - slice.lowerBound >= 3 }

    private static func inconsistent(_ why: String) -> OBSWorkflowError {
        .invalidResponse(
            InvalidResponseError(
                operation: "list executions", status: 200,
                reason: "the service's listing is inconsistent: \(why); stopped rather than report an incomplete listing"))
    }

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
