import ArgumentParser
import OBSWorkflow

#if canImport(Glibc)
import Glibc
#endif

@main
struct Obsw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "obsw",
        abstract: "A command shell for Huawei Cloud OBS Data+ workflows.",
        subcommands: [Config.self, EmulatorCommand.self]
    )
}

/// Where to connect and as whom; shared by every command that talks to the service.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "The Data+ endpoint: https://HOST, http://127.0.0.1:PORT, or a bare host (https).")
    var endpoint: String?

    @Option(help: "The profile to read from the config file (default: $OBSW_PROFILE or 'default').")
    var profile: String?

    @Option(help: "The region, e.g. cn-north-4; gives the endpoint when none is set.")
    var region: String?

    @Option(help: "The config file (default: $OBSW_CONFIG_FILE or ~/.config/obsw/config).")
    var configFile: String?

    func resolve() throws(ConfigurationError) -> ResolvedConfiguration {
        try ConfigurationResolver.resolve(
            options: ConfigurationOptions(endpoint: endpoint, region: region, profile: profile, configFile: configFile),
            environment: currentEnvironment(), homeDirectory: getenv("HOME").map { String(cString: $0) })
    }
}

struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the settings in force and where each comes from (secrets are never shown).")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        do {
            print(try connection.resolve())
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
    }
}

func printError(_ message: String) {
    let bytes = Array("obsw: error: \(message)\n".utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

func currentEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let text = String(cString: entry)
        if let equals = text.firstIndex(of: "=") {
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        pointer += 1
    }
    return result
}
