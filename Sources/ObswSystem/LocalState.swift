#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where obsw keeps what it writes for the operator across runs: the shell's history and
/// the journals of bulk resumes. Private to the operator: folders 0700, files 0600.
public enum LocalState {
    /// `$XDG_STATE_HOME/obsw`, else `~/.local/state/obsw`.
    public static func directory(environment: [String: String]) -> String {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/obsw" }
        let home = environment["HOME"] ?? "/"
        return (home.hasSuffix("/") ? String(home.dropLast()) : home) + "/.local/state/obsw"
    }

    /// `mkdir -p PATH` with 0700 folders; false (errno set) when one cannot be made.
    @discardableResult
    public static func makeDirectories(_ path: String) -> Bool {
        var current = ""
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o700) != 0, errno != EEXIST { return false }
        }
        return true
    }
}
