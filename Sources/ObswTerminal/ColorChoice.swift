#if canImport(Glibc)
import Glibc
#endif
import ObswText

/// `--color`: whether text for a terminal is coloured.
public enum ColorChoice: String, CaseIterable, Sendable {
    case auto, always, never

    /// auto: only on a terminal, and not when NO_COLOR is set (https://no-color.org) or
    /// TERM is dumb.
    public func palette(for fd: Int32) -> Palette {
        switch self {
        case .always: return Palette(enabled: true)
        case .never: return .plain
        case .auto:
            let noColor = getenv("NO_COLOR").map { String(cString: $0) } ?? ""
            let term = getenv("TERM").map { String(cString: $0) } ?? ""
            return Palette(enabled: noColor.isEmpty && term != "dumb" && isatty(fd) != 0)
        }
    }
}
