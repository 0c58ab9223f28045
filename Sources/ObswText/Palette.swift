/// Colour for text meant for a terminal: ANSI SGR sequences, or the text unchanged when
/// colour is off (a pipe, a file, NO_COLOR, --color never).
public struct Palette: Sendable {
    public enum Style: Sendable {
        case error, warning, note, caret, failed, success, running, heading
        var code: String {
            switch self {
            case .error, .failed: "31"  // red
            case .warning, .running: "33"  // yellow
            case .success: "32"  // green
            case .note: "36"  // cyan
            case .caret: "1;32"  // bold green, as compilers draw it
            case .heading: "1"  // bold
            }
        }
    }

    public let enabled: Bool

    public init(enabled: Bool) { self.enabled = enabled }

    public static let plain = Palette(enabled: false)

    public func paint(_ text: String, _ style: Style) -> String {
        guard enabled, !text.isEmpty else { return text }
        return "\u{1B}[\(style.code)m\(text)\u{1B}[0m"
    }

    /// The style of an execution state or a bulk outcome, when it has one.
    public static func style(ofState text: String) -> Style? {
        switch text {
        case "FAILED", "failed", "TIMEOUT", "fail", "CANCELLED": .failed
        case "SUCCESS", "resumed", "success": .success
        case "RUNNING", "running", "planned": .running
        default: nil
        }
    }
}
