/// obsw's exit statuses, each said once with what it means: the script runner, the shell,
/// the CLI's commands, `obsw run --help` and the man page read this enum.
public enum ExitStatus: Int32, CaseIterable, Sendable {
    case success = 0
    case checkFailed = 1
    case usage = 2
    case runtime = 3
    case interrupted = 130

    /// For the man page and help: what a caller may conclude from the status.
    public var meaning: String {
        switch self {
        case .success: "all well"
        case .checkFailed: "an assert or expect failed"
        case .usage: "usage or syntax error (nothing was sent to the service)"
        case .runtime:
            "a runtime error: service, network, timeout, throw; or a resume or wait whose result was not kept had failed targets"
        case .interrupted: "interrupted (Ctrl-C, SIGTERM)"
        }
    }

    /// `0 all well, 1 an assert or expect failed, ...`: the statuses in one sentence, for help text.
    public static var summary: String {
        allCases.map { "\($0.rawValue) \($0.meaning)" }.joined(separator: "; ")
    }
}
