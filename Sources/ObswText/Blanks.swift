extension StringProtocol {
    /// Without the spaces and tabs around it: what a user typed or a file holds, trimmed
    /// the one way obsw trims (Foundation's `trimmingCharacters` would bring Foundation in).
    public var trimmingBlanks: String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
