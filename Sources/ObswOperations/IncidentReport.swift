import ObswJSON
import OBSWorkflow
import ObswSystem
import ObswText

/// `obsw report`: a bulk resume's journal plus a final read of its executions as one
/// self-contained HTML page — no network access, no external scripts, styles or fonts, so
/// it can be attached to a ticket and opened anywhere. It shows the counts per outcome,
/// resumes and refusals over time (an inline SVG chart), the executions that failed again
/// grouped by cause (as `triage` groups them), and every execution in a table that can be
/// filtered (also from the address: `report.html#q=timeout&outcome=resumed&final=FAILED`).
public struct IncidentReport: Sendable {
    public let history: JournalHistory
    /// The current record of each execution, by its entry's `key`; missing when not read.
    public let finals: [String: ExecutionInfo]
    /// Why the final states are missing or partial, when they are.
    public let finalNote: String?
    public let generatedAt: Int

    public init(history: JournalHistory, finals: [String: ExecutionInfo], finalNote: String?, generatedAt: Int = WallClock.nowMilliseconds()) {
        self.history = history
        self.finals = finals
        self.finalNote = finalNote
        self.generatedAt = generatedAt
    }

    /// Reads each execution of the journal as `reads` says (paced like a resume). Those that
    /// cannot be read are left out; the note says how many and the first reason. An
    /// authentication error, or 16 failures before any read succeeded (the service is down or
    /// unreachable), stops the reading: every other read would fail the same way, each after
    /// its retries.
    public static func readFinals(_ history: JournalHistory, client: any WorkflowService, reads: ReadOptions = ReadOptions()) async
        -> (finals: [String: ExecutionInfo], note: String?)
    {
        let client = client.forManyReads(Pacing(readCeiling: reads.requestsPerSecond))
        struct Reading {
            var finals: [String: ExecutionInfo] = [:]
            var failures = 0
            var firstProblem: String?
            var stopped = false
        }
        let entries = history.entries
        let reading = Locked(Reading())
        await Concurrently.forEach(entries, limit: reads.concurrency, onStop: .cancelInFlight, stop: { reading.withLock { $0.stopped } }) { _, entry in
            do throws(OBSWorkflowError) {
                let info = try await client.execution(graph: entry.graph, name: entry.name)
                reading.withLock { $0.finals[entry.key] = info }
            } catch {
                reading.withLock { r in
                    guard !r.stopped else { return }
                    r.failures += 1
                    if r.firstProblem == nil { r.firstProblem = error.description }
                    if error.isAuthenticationFailure || (r.finals.isEmpty && r.failures >= 16) { r.stopped = true }
                }
            }
        }
        let (finals, failed, firstProblem) = reading.withLock { ($0.finals, $0.failures > 0, $0.firstProblem) }
        let unread = entries.count - finals.count
        let note = !failed ? nil : "\(unread) of \(entries.count) executions could not be read now (\(firstProblem ?? "unknown error")); their final state is unknown"
        return (finals, note)
    }

    // MARK: What the page shows

    /// How many executions ended each way in the journal (a resume sent with nothing
    /// recorded after it counts as `unrecorded`).
    var outcomeCounts: [(String, Int)] {
        var counts: [String: Int] = [:]
        for entry in history.entries { counts[entry.outcome?.rawValue ?? "unrecorded", default: 0] += 1 }
        return Self.ordered(counts, first: ["resumed", "failed", "skipped", "not_attempted", "unrecorded"])
    }

    /// The executions' states now.
    var finalCounts: [(String, Int)] {
        var counts: [String: Int] = [:]
        for entry in history.entries { counts[finals[entry.key]?.state?.rawValue ?? "unknown", default: 0] += 1 }
        return Self.ordered(counts, first: ["SUCCESS", "RUNNING", "FAILED"])
    }

    static func ordered(_ counts: [String: Int], first: [String]) -> [(String, Int)] {
        first.compactMap { key in counts[key].map { (key, $0) } }
            + counts.filter { !first.contains($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The resumed executions that are FAILED now, grouped by cause.
    var failedAgain: [Triage.Group] {
        let details = history.entries.compactMap { entry -> (name: String, info: ExecutionInfo)? in
            guard entry.outcome == .resumed, let info = finals[entry.key], info.state == .failed else { return nil }
            return (entry.name, info)
        }
        return Triage.group(details).groups
    }

    /// One line for the terminal.
    public var summary: String {
        let outcomes = outcomeCounts.map { "\($0.1) \($0.0)" }.joined(separator: ", ")
        let now = finals.isEmpty ? "final states not read" : "now " + finalCounts.map { "\($0.1) \($0.0)" }.joined(separator: ", ")
        return "\(history.entries.count) executions (\(outcomes)); \(now)"
    }

    /// Resumes and refusals a second over the run, in at most 120 buckets.
    struct Timeline {
        var start = 0
        /// Seconds per bucket.
        var width = 1
        var resumed: [Double] = []
        var refused: [Double] = []
        var pace: [Double?] = []
    }

    var timeline: Timeline? {
        let times = history.entries.flatMap { [$0.intentAt, $0.outcomeAt].compactMap { $0 } } + history.pace.map(\.at)
        guard let first = times.min(), let last = times.max() else { return nil }
        let seconds = max(1, (last - first + 999) / 1000)
        var line = Timeline(start: first, width: max(1, (seconds + 119) / 120))
        let count = seconds / line.width + 1
        line.resumed = Array(repeating: 0, count: count)
        line.refused = Array(repeating: 0, count: count)
        line.pace = Array(repeating: nil, count: count)
        func bucket(_ at: Int) -> Int { min(count - 1, max(0, (at - first) / 1000 / line.width)) }
        let width = Double(line.width)
        for entry in history.entries where entry.outcome == .resumed {
            if let at = entry.outcomeAt { line.resumed[bucket(at)] += 1 / width }
        }
        var before: [String: Int] = [:]
        for sample in history.pace.sorted(by: { $0.at < $1.at }) {
            let b = bucket(sample.at)
            line.refused[b] += Double(max(0, sample.throttled - before[sample.graph, default: 0])) / width
            before[sample.graph] = sample.throttled
            if let pace = sample.pace { line.pace[b] = Double(pace) }
        }
        return line
    }

    // MARK: HTML

    public func html() -> String {
        let graphs = Array(Set(history.entries.map(\.graph))).sorted()
        let title = "Resume report: " + graphs.joined(separator: ", ")
        var page = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="obsw report">
            <title>\(Self.escape(title))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            <header>
            <h1>\(Self.escape(title))</h1>
            <p class="meta">Journal <code>\(Self.escape(history.path))</code>\(history.endpoints.isEmpty ? "" : " · service " + history.endpoints.map { "<code>\(Self.escape($0))</code>" }.joined(separator: ", "))\(history.local ? " (a rehearsal against the embedded emulator)" : "") · written \(Self.escape(WireDate.iso8601(epochMilliseconds: generatedAt)))</p>

            """
        if let window = runWindow { page += "<p class=\"meta\">\(Self.escape(window))</p>\n" }
        for plan in history.plans {
            // Which approved change this was: the plan's digest, its author, its approvers.
            let approvals = plan.approvals.isEmpty
                ? "not approved"
                : "approved by " + plan.approvals.map { "\(Self.escape($0.by)) at \(Self.escape(WireDate.iso8601(epochMilliseconds: $0.at)))" }
                    .joined(separator: ", ")
            page += "<p class=\"meta plan\">Applied plan <code>\(Self.escape(plan.digest))</code> (<code>\(Self.escape(plan.file))</code>), "
                + "made by \(Self.escape(plan.author)) at \(Self.escape(WireDate.iso8601(epochMilliseconds: plan.createdAt))); \(approvals)</p>\n"
        }
        if let finalNote { page += "<p class=\"note\" id=\"final-note\">\(Self.escape(finalNote))</p>\n" }
        if history.unreadable > 0 {
            page += "<p class=\"note\">\(history.unreadable) line\(history.unreadable == 1 ? "" : "s") of the journal could not be read and \(history.unreadable == 1 ? "was" : "were") left out (a torn last line after a crash is normal).</p>\n"
        }
        page += "</header>\n<main>\n"
        let texts = LongTexts()
        page += countsSection()
        page += chartSection()
        page += triageSection(texts)
        page += tableSection(texts)
        page += texts.section()
        page += "</main>\n<script>\(Self.script)</script>\n</body>\n</html>\n"
        return page
    }

    /// When the run began and ended, from the journal.
    var runWindow: String? {
        let times = history.entries.flatMap { [$0.intentAt, $0.outcomeAt].compactMap { $0 } }
        guard let first = times.min(), let last = times.max() else { return nil }
        let seconds = Double(last - first) / 1000
        return "From \(WireDate.iso8601(epochMilliseconds: first)) to \(WireDate.iso8601(epochMilliseconds: last)) (\(seconds < 10 ? "\((seconds * 10).rounded() / 10)" : "\(Int(seconds.rounded()))") s)"
    }

    func countsSection() -> String {
        func cards(_ counts: [(String, Int)], id: String) -> String {
            counts.map { name, count in
                "<div class=\"card \(Self.escape(Self.cssClass(name)))\" data-count=\"\(Self.escape(name))\"><span class=\"n\">\(count)</span><span class=\"label\">\(Self.escape(name.replacing("_", with: " ")))</span></div>"
            }.joined(separator: "\n")
        }
        var html = "<section id=\"counts\">\n<h2>Outcomes</h2>\n<div class=\"cards\" id=\"outcomes\">\n\(cards(outcomeCounts, id: "outcomes"))\n</div>\n"
        if !finals.isEmpty {
            html += "<h2>State now</h2>\n<div class=\"cards\" id=\"finals\">\n\(cards(finalCounts, id: "finals"))\n</div>\n"
        }
        return html + "</section>\n"
    }

    func chartSection() -> String {
        guard let line = timeline else { return "" }
        let width = 900.0, height = 240.0, left = 48.0, bottom = 28.0, top = 12.0
        let plotWidth = width - left - 12, plotHeight = height - bottom - top
        let highest = max(1, (line.resumed + line.refused + line.pace.compactMap { $0 }).max() ?? 1)
        let scale = Self.niceCeiling(highest)
        let count = line.resumed.count
        let step = plotWidth / Double(count)
        func y(_ value: Double) -> Double { top + plotHeight * (1 - value / scale) }
        func number(_ value: Double) -> String { String(Int((value * 10).rounded()) / 10) }
        var svg = "<svg id=\"timeline\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"resumes and refusals a second over the run\">\n"
        for tick in [0, 0.5, 1] {
            let value = scale * tick
            svg += "<line class=\"grid\" x1=\"\(left)\" x2=\"\(width - 12)\" y1=\"\(y(value))\" y2=\"\(y(value))\"/>"
            svg += "<text class=\"axis\" x=\"\(left - 6)\" y=\"\(y(value) + 4)\" text-anchor=\"end\">\(number(value))</text>\n"
        }
        for (index, value) in line.resumed.enumerated() where value > 0 {
            svg += "<rect class=\"resumed\" x=\"\(left + Double(index) * step)\" y=\"\(y(value))\" width=\"\(max(1, step * 0.9))\" height=\"\(plotHeight * value / scale)\"><title>\(number(value)) resumed/s at +\(index * line.width) s</title></rect>"
        }
        svg += "\n"
        for (index, value) in line.refused.enumerated() where value > 0 {
            svg += "<rect class=\"refused\" x=\"\(left + Double(index) * step + step * 0.25)\" y=\"\(y(value))\" width=\"\(max(1, step * 0.45))\" height=\"\(plotHeight * value / scale)\"><title>\(number(value)) refused/s at +\(index * line.width) s</title></rect>"
        }
        let points = line.pace.enumerated().compactMap { index, pace in pace.map { "\(left + (Double(index) + 0.5) * step),\(y($0))" } }
        if points.count > 1 { svg += "\n<polyline class=\"pace\" points=\"\(points.joined(separator: " "))\"/>" }
        let seconds = count * line.width
        svg += "\n<text class=\"axis\" x=\"\(left)\" y=\"\(height - 8)\">0 s</text>"
        svg += "<text class=\"axis\" x=\"\(width - 12)\" y=\"\(height - 8)\" text-anchor=\"end\">\(seconds) s</text>\n</svg>\n"
        let refusals = history.pace.reduce(into: [String: Int]()) { $0[$1.graph] = max($0[$1.graph] ?? 0, $1.throttled) }.values.reduce(0, +)
        let legend = "<p class=\"legend\"><span class=\"key resumed\"></span> resumed a second <span class=\"key refused\"></span> refused (429/503) a second"
            + (points.count > 1 ? " <span class=\"key pace\"></span> pace" : "") + (line.width > 1 ? " · each bar \(line.width) s" : "") + "</p>\n"
        let said = refusals > 0 ? "<p>The service refused \(refusals) resume\(refusals == 1 ? "" : "s") (429/503); each was retried after the time it asked for.</p>\n" : "<p>The service refused no resume.</p>\n"
        return "<section id=\"chart\">\n<h2>Resumes and refusals over time</h2>\n\(svg)\(legend)\(said)</section>\n"
    }

    func triageSection(_ texts: LongTexts) -> String {
        guard !finals.isEmpty else { return "" }
        let groups = failedAgain
        var html = "<section id=\"triage\">\n<h2>Failed again, by cause</h2>\n"
        guard !groups.isEmpty else { return html + "<p id=\"no-failed-again\">No resumed execution has failed again.</p>\n</section>\n" }
        html += "<table class=\"groups\">\n<thead><tr><th>executions</th><th>state</th><th>error (numbers, ids and times masked)</th><th>for example</th></tr></thead>\n<tbody>\n"
        for group in groups {
            let shown = group.executions.prefix(8).map { "<code>\(Self.escape($0))</code>" }.joined(separator: " ")
            let more = group.executions.count > 8 ? " and \(group.executions.count - 8) more" : ""
            html += "<tr class=\"group\"><td class=\"n\">\(group.executions.count)</td><td>\(texts.show(group.state))</td><td><code>\(texts.show(group.error))</code><div class=\"names\">\(shown)\(more)</div></td><td>\(texts.show(group.sample))</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n</section>\n"
    }

    func tableSection(_ texts: LongTexts) -> String {
        let outcomes = outcomeCounts.map(\.0), states = finals.isEmpty ? [] : finalCounts.map(\.0)
        func options(_ values: [String], all: String) -> String {
            "<option value=\"\">\(all)</option>" + values.map { "<option value=\"\(Self.escape($0))\">\(Self.escape($0))</option>" }.joined()
        }
        let graphs = Set(history.entries.map(\.graph)).count > 1
        var html = """
            <section id="executions">
            <h2>Every execution</h2>
            <div class="filters">
            <input id="q" type="search" placeholder="filter: name, state, error, reason" aria-label="filter">
            <select id="outcome" aria-label="outcome">\(options(outcomes, all: "every outcome"))</select>
            \(states.isEmpty ? "" : "<select id=\"final\" aria-label=\"state now\">\(options(states, all: "every state now"))</select>")
            <span id="shown">\(history.entries.count) of \(history.entries.count) shown</span>
            </div>
            <table id="rows">
            <thead><tr>\(graphs ? "<th>graph</th>" : "")<th>execution</th><th>outcome</th><th>state now</th><th>where it failed</th><th>reason</th></tr></thead>
            <tbody>

            """
        for entry in history.entries {
            let info = finals[entry.key]
            let outcome = entry.outcome?.rawValue ?? "unrecorded"
            let state = info?.state?.rawValue ?? (finals.isEmpty ? "" : "unknown")
            let failed = info?.state == .failed ? info?.failedStates.first : nil
            // The state, then its error as the service wrote it: one text with the group's sample.
            let place = failed.map { failed in Self.escape(failed.name) + (failed.error.map { ": " + texts.show($0) } ?? "") } ?? ""
            let reason = entry.reason ?? (entry.outcome == nil ? unrecordedReason(entry, now: info) : "")
            html += "<tr data-outcome=\"\(Self.escape(outcome))\" data-final=\"\(Self.escape(state))\">"
            if graphs { html += "<td>\(Self.escape(entry.graph))</td>" }
            html += "<td><code>\(texts.show(entry.name))</code></td><td class=\"\(Self.cssClass(outcome))\">\(Self.escape(outcome))</td>"
            html += "<td class=\"\(Self.cssClass(state))\">\(Self.escape(state))</td><td>\(place)</td><td>\(texts.show(reason))</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n</section>\n"
    }

    /// What is known of a resume whose intent is in the journal with nothing after it. Its
    /// intent is written ahead of the send, in batches, so the journal alone cannot say
    /// whether it was sent; the execution read now can: restored after its intent (or after
    /// the failure the intent recorded) means it was applied.
    func unrecordedReason(_ entry: JournalHistory.Entry, now info: ExecutionInfo?) -> String {
        let stopped = "nothing was recorded after its intent (the run was stopped)"
        guard let intentAt = entry.intentAt else { return "no resume was recorded" }
        guard let info else { return "the resume may have been sent; \(stopped)" }
        let intent = Journal.Intent(at: intentAt, failedAt: entry.failedAt)
        if let restoredAt = info.restoredAt.flatMap(WireDate.parseISO8601), intent.isApplied(restoredAt: restoredAt) {
            return "the resume was sent and applied: the service restored it at \(WireDate.iso8601(epochMilliseconds: restoredAt)), after its intent; \(stopped)"
        }
        return "the resume was not applied: the service has not restored it since its intent; \(stopped)"
    }

    /// Texts too long to repeat (a 1 MB error text in the groups, the table and its sample):
    /// each place shows its start with a link, and the whole text is in the page once, at
    /// the end.
    final class LongTexts {
        /// Texts longer than this many bytes are cut where they appear, to this many characters.
        static let longBytes = 600
        static let shownCharacters = 240
        /// Each long text once, found by its length and ends before it is compared whole
        /// (hashing a megabyte of text, Unicode-normalised, for every cell costs seconds).
        private var byShape: [Shape: [(text: String, id: Int)]] = [:]
        private var texts: [String] = []

        struct Shape: Hashable {
            var bytes: Int
            var head: [UInt8]
            var tail: [UInt8]
            init(_ text: String) {
                bytes = text.utf8.count
                head = Array(text.utf8.prefix(32))
                tail = Array(text.utf8.suffix(32))
            }
        }

        /// The text for a table cell, escaped; cut with a link to the whole when long.
        func show(_ text: String) -> String {
            guard text.utf8.count > Self.longBytes else { return IncidentReport.escape(text) }
            let id = self.id(of: text)
            let start = String(String.UnicodeScalarView(text.unicodeScalars.prefix(Self.shownCharacters)))
            return IncidentReport.escape(start)
                + "… <a class=\"more\" href=\"#text-\(id)\">the whole text (\(Self.size(text.utf8.count)))</a>"
        }

        private func id(of text: String) -> Int {
            let shape = Shape(text)
            if let known = byShape[shape]?.first(where: { $0.text.utf8.elementsEqual(text.utf8) }) { return known.id }
            let id = texts.count
            texts.append(text)
            byShape[shape, default: []].append((text, id))
            return id
        }

        static func size(_ bytes: Int) -> String {
            bytes >= 1 << 20 ? "\((Double(bytes) / 1_048_576 * 10).rounded() / 10) MB" : "\(max(1, bytes >> 10)) KB"
        }

        /// Every long text once, each where the links point.
        func section() -> String {
            guard !texts.isEmpty else { return "" }
            var html = "<section id=\"texts\">\n<h2>Long texts in full</h2>\n"
            for (id, text) in texts.enumerated() {
                html += "<pre class=\"whole\" id=\"text-\(id)\">\(IncidentReport.escape(text))</pre>\n"
            }
            return html + "</section>\n"
        }
    }

    // MARK: Helpers

    static func escape(_ text: String) -> String { Escape.html(text) }

    /// A CSS class from an outcome or state: letters, digits and dashes only.
    static func cssClass(_ name: String) -> String {
        "is-" + String(name.lowercased().unicodeScalars.map { ("a"..."z").contains($0) || ("0"..."9").contains($0) ? Character($0) : "-" })
    }

    /// 1, 2 or 5 times a power of ten, at least `value`: round numbers on the axis.
    static func niceCeiling(_ value: Double) -> Double {
        var power = 1.0
        while power * 10 <= value { power *= 10 }
        while power > value, power > 1 { power /= 10 }
        for factor in [1.0, 2, 5, 10] where power * factor >= value { return power * factor }
        return power * 10
    }

    static let style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
        header,main{max-width:1100px;margin:0 auto;padding:0 20px}header{padding-top:18px}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 8px}
        .meta{color:#56606b;margin:2px 0}.note{background:#fff4d6;border:1px solid #f0d58a;padding:6px 10px;border-radius:4px}
        code{font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace}
        .cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:8px 14px;min-width:92px}
        .card .n{display:block;font-size:24px;font-weight:600}.card .label{color:#56606b}
        .card.is-resumed,.card.is-success{border-left:4px solid #2f7d4f}.card.is-failed{border-left:4px solid #c0392b}
        .card.is-running{border-left:4px solid #2d6cdf}.card.is-skipped,.card.is-not-attempted,.card.is-unknown,.card.is-unrecorded{border-left:4px solid #98a2ad}
        svg{width:100%;height:auto;background:#fff;border:1px solid #dde1e6;border-radius:6px}
        .grid{stroke:#e6e9ed}.axis{font-size:11px;fill:#56606b}
        rect.resumed{fill:#4a8fe7}rect.refused{fill:#d9534f}.pace{fill:none;stroke:#333;stroke-width:1.5;stroke-dasharray:4 3}
        .legend{color:#56606b}.key{display:inline-block;width:12px;height:12px;vertical-align:-1px;margin:0 4px 0 12px}
        .key.resumed{background:#4a8fe7}.key.refused{background:#d9534f}.key.pace{border-top:2px dashed #333;height:0;vertical-align:3px}
        table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e6}
        th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}th{background:#f0f2f5;position:sticky;top:0}
        td.n{font-weight:600}.names{margin-top:4px;color:#56606b}
        td.is-failed{color:#c0392b;font-weight:600}td.is-resumed,td.is-success{color:#2f7d4f}td.is-running{color:#2d6cdf}
        .filters{display:flex;gap:8px;align-items:center;margin-bottom:8px}#q{flex:1;padding:5px 8px;font:inherit}
        select{padding:4px;font:inherit}#shown{color:#56606b;white-space:nowrap}tr.hidden{display:none}
        pre.whole{white-space:pre-wrap;word-break:break-all;background:#fff;border:1px solid #dde1e6;padding:8px;max-height:24em;overflow:auto}
        pre.whole:target{outline:2px solid #4a8fe7}a.more{white-space:nowrap}
        """

    /// Filters the table by text, outcome and state now; the address's `#q=…&outcome=…&final=…`
    /// sets them on load and follows them as they change, so a filtered view can be linked.
    static let script = """
        (function(){
        var q=document.getElementById('q'),o=document.getElementById('outcome'),f=document.getElementById('final');
        var rows=document.querySelectorAll('#rows tbody tr'),shown=document.getElementById('shown');
        function apply(){var t=q.value.toLowerCase(),ov=o.value,fv=f?f.value:'',n=0;
        for(var i=0;i<rows.length;i++){var r=rows[i];var ok=(!ov||r.dataset.outcome===ov)&&(!fv||r.dataset.final===fv)&&(!t||r.textContent.toLowerCase().indexOf(t)>=0);
        r.classList.toggle('hidden',!ok);if(ok)n++;}
        shown.textContent=n+' of '+rows.length+' shown';}
        function fromHash(){var p=new URLSearchParams(location.hash.slice(1));q.value=p.get('q')||'';o.value=p.get('outcome')||'';if(f)f.value=p.get('final')||'';apply();}
        function toHash(){var p=new URLSearchParams();if(q.value)p.set('q',q.value);if(o.value)p.set('outcome',o.value);if(f&&f.value)p.set('final',f.value);
        history.replaceState(null,'',p.toString()?'#'+p.toString():location.pathname);apply();}
        q.addEventListener('input',toHash);o.addEventListener('change',toHash);if(f)f.addEventListener('change',toHash);
        window.addEventListener('hashchange',fromHash);fromHash();
        })();
        """
}
