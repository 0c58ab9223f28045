/// `diff -u` of two texts, line by line (Myers' algorithm), as `patch` reads it: what
/// `obsw fmt --diff` prints.
public enum UnifiedDiff {
    /// The hunks that turn `old` into `new`, under `--- a/NAME` and `+++ b/NAME` headers;
    /// empty when the texts are the same.
    public static func between(_ old: String, _ new: String, name: String, context: Int = 3) -> String {
        let a = Lines(old), b = Lines(new)
        let edits = Self.edits(a.compared, b.compared)
        guard edits.contains(where: { $0.kind != .same }) else { return "" }
        var out = "--- a/\(name)\n+++ b/\(name)\n"
        for hunk in hunks(edits, context: context) {
            let oldLines = hunk.filter { $0.kind != .insert }, newLines = hunk.filter { $0.kind != .delete }
            out += "@@ -\(range(oldLines.first?.old, count: oldLines.count, before: hunk.first!.old))"
            out += " +\(range(newLines.first?.new, count: newLines.count, before: hunk.first!.new)) @@\n"
            for edit in hunk {
                switch edit.kind {
                case .same: out += " " + a.shown(edit.old)
                case .delete: out += "-" + a.shown(edit.old)
                case .insert: out += "+" + b.shown(edit.new)
                }
            }
        }
        return out
    }

    /// A text's lines; the last one, when no newline ends it, compares unequal to the same
    /// words with one, and is shown with diff's marker.
    struct Lines {
        let lines: [Substring]
        let endsWithNewline: Bool

        init(_ text: String) {
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            endsWithNewline = text.isEmpty || text.hasSuffix("\n")
            if lines.last == "" { lines.removeLast() }
            self.lines = lines
        }

        var compared: [String] {
            lines.enumerated().map { index, line in
                index == lines.count - 1 && !endsWithNewline ? line + "\u{0}no newline" : String(line)
            }
        }

        func shown(_ index: Int) -> String {
            lines[index] + (index == lines.count - 1 && !endsWithNewline ? "\n\\ No newline at end of file\n" : "\n")
        }
    }

    struct Edit {
        enum Kind { case same, delete, insert }
        var kind: Kind
        /// Indexes in the old and new lines; for an insert, `old` is where it goes (and the
        /// reverse for a delete).
        var old: Int
        var new: Int
    }

    /// `-start,count`: 1-based; an empty side names the line before it, as diff does.
    static func range(_ first: Int?, count: Int, before position: Int) -> String {
        guard let first, count > 0 else { return "\(position),0" }
        return count == 1 ? "\(first + 1)" : "\(first + 1),\(count)"
    }

    /// The shortest edit script (Myers, O((N+M)·D)), after the common start and end are set aside.
    static func edits(_ a: [String], _ b: [String]) -> [Edit] {
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        let x0 = prefix, n = a.count - prefix - suffix, m = b.count - prefix - suffix
        var middle: [Edit] = []
        if n > 0 || m > 0 {
            let limit = n + m, offset = limit + 1
            var v = [Int](repeating: 0, count: 2 * limit + 3)
            var trace: [[Int]] = []
            search: for d in 0...limit {
                trace.append(v)
                for k in stride(from: -d, through: d, by: 2) {
                    var x = k == -d || (k != d && v[k - 1 + offset] < v[k + 1 + offset]) ? v[k + 1 + offset] : v[k - 1 + offset] + 1
                    var y = x - k
                    while x < n, y < m, a[x0 + x] == b[x0 + y] {
                        x += 1
                        y += 1
                    }
                    v[k + offset] = x
                    if x >= n, y >= m { break search }
                }
            }
            var x = n, y = m
            for d in stride(from: trace.count - 1, through: 0, by: -1) {
                let v = trace[d], k = x - y
                let previousK = k == -d || (k != d && v[k - 1 + offset] < v[k + 1 + offset]) ? k + 1 : k - 1
                let previousX = max(0, v[previousK + offset]), previousY = previousX - previousK
                while x > previousX, y > previousY {
                    middle.append(Edit(kind: .same, old: x0 + x - 1, new: x0 + y - 1))
                    x -= 1
                    y -= 1
                }
                guard d > 0 else { break }
                if x == previousX {
                    middle.append(Edit(kind: .insert, old: x0 + x, new: x0 + y - 1))
                    y -= 1
                } else {
                    middle.append(Edit(kind: .delete, old: x0 + x - 1, new: x0 + y))
                    x -= 1
                }
            }
            middle.reverse()
        }
        let start = (0..<prefix).map { Edit(kind: .same, old: $0, new: $0) }
        let end = (0..<suffix).map { i in Edit(kind: .same, old: a.count - suffix + i, new: b.count - suffix + i) }
        return start + middle + end
    }

    /// The changes with up to `context` unchanged lines around each; changes closer than
    /// twice that share a hunk.
    static func hunks(_ edits: [Edit], context: Int) -> [[Edit]] {
        let changed = edits.indices.filter { edits[$0].kind != .same }
        guard var low = changed.first else { return [] }
        var groups: [ClosedRange<Int>] = []
        var high = low
        for index in changed.dropFirst() {
            if index - high > 2 * context {
                groups.append(low...high)
                low = index
            }
            high = index
        }
        groups.append(low...high)
        return groups.map { group in
            Array(edits[max(0, group.lowerBound - context)...min(edits.count - 1, group.upperBound + context)])
        }
    }
}
