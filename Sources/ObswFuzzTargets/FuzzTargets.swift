import OBSWorkflow
import OBSWorkflowEmulator
import ObswJSON
import ObswLang
import ObswTerminal
import ObswText

/// Every fuzz target by name: what `obsw-fuzz` (libFuzzer, `scripts/fuzz TARGET`) and the
/// corpus replay test (`FuzzTargetsTests`) drive. Each takes arbitrary bytes from outside;
/// any trap or hang is a bug, and errors are the expected outcome for garbage.
public enum FuzzTargets {
    public static let all: [(name: String, run: @Sendable ([UInt8]) -> Void)] = [
        ("language", FuzzEntry.check),
        ("json", json),
        ("dates", dates),
        ("durations", durations),
        ("config", config),
        ("emulator", EmulatorFuzzEntry.handle),
        ("output", OutputLines.check),
        ("scenario", ScenarioFuzzEntry.handle),
    ]

    public static func named(_ name: String) -> (@Sendable ([UInt8]) -> Void)? { all.first { $0.name == name }?.run }

    /// The JSON parser, and writing back what it read (the round trip must hold).
    static func json(_ bytes: [UInt8]) {
        guard let value = try? JSONParser.parse(bytes) else { return }
        let again = try? JSONParser.parse(value.jsonBytes)
        precondition(again != nil, "the JSON writer produced text the parser refuses")
    }

    /// Header and body dates: RFC 1123 (`Date`, `Retry-After`), ISO-8601, and formatting
    /// what was parsed.
    static func dates(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let seconds = WireDate.parseRFC1123(text) { _ = WireDate.rfc1123(epochSeconds: seconds) }
        if let ms = WireDate.parseISO8601(text) { _ = WireDate.iso8601(epochMilliseconds: ms) }
        _ = RetryPolicy.parseRetryAfter(text, nowEpochSeconds: 1_764_000_000)
        _ = JSONBridge.time(text).displayText
    }

    /// Duration text as scripts (`duration()`, literals) and the command line read it.
    static func durations(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let ms = Value.parseDuration(text) {
            // One grammar, one formatter: what is written reads back the same.
            precondition(DurationText.parse(Value.duration(ms).displayText) == ms, "a duration's text does not read back")
            _ = DurationText.format(milliseconds: ms, .elapsed)
        }
        _ = Scenario.milliseconds(text)
    }

    /// The config file reader and the endpoint forms it accepts.
    static func config(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? ConfigFile(parsing: text, path: "<fuzz>")
        _ = try? Endpoint(parsing: text)
    }
}
