/// What the caller states explicitly (command-line options); every field optional.
public struct ConfigurationOptions: Sendable {
    public var endpoint: String?
    public var region: String?
    public var profile: String?
    public var configFile: String?
    public var accessKeyID: String?
    public var secretAccessKey: Secret?
    public var securityToken: Secret?

    public init(
        endpoint: String? = nil, region: String? = nil, profile: String? = nil, configFile: String? = nil,
        accessKeyID: String? = nil, secretAccessKey: Secret? = nil, securityToken: Secret? = nil
    ) {
        self.endpoint = endpoint
        self.region = region
        self.profile = profile
        self.configFile = configFile
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.securityToken = securityToken
    }
}

/// The settings in force, each with where it came from (for `obsw config` and error messages).
public struct ResolvedConfiguration: Sendable, CustomStringConvertible {
    public var endpoint: Endpoint?
    public var region: String?
    public var credentials: Credentials?
    /// The profile consulted, if the config file was read.
    public var profile: String
    public var configFile: String
    /// Human-readable origin of each setting: "--endpoint", "OBS_ENDPOINT", "profile 'default' in PATH".
    public var origins: [String: String]

    public init(
        endpoint: Endpoint?, region: String?, credentials: Credentials?, profile: String, configFile: String,
        origins: [String: String]
    ) {
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.profile = profile
        self.configFile = configFile
        self.origins = origins
    }

    /// Endpoint and credentials, or an error saying how to provide what is missing.
    public func requireEndpointAndCredentials() throws(ConfigurationError) -> (Endpoint, Credentials) {
        guard let endpoint else { throw .missingEndpoint }
        guard let credentials else { throw .missingCredentials }
        return (endpoint, credentials)
    }

    public var description: String {
        var lines: [String] = []
        func line(_ name: String, _ value: String?) {
            let origin = origins[name].map { "  (from \($0))" } ?? ""
            lines.append("\(name): \(value ?? "-")\(origin)")
        }
        line("endpoint", endpoint?.url)
        line("region", region)
        line("access_key_id", credentials?.accessKeyID)
        line("secret_access_key", credentials.map { _ in "<redacted>" })
        line("security_token", credentials?.securityToken.map { _ in "<redacted>" })
        lines.append("profile: \(profile)")
        lines.append("config_file: \(configFile)")
        return lines.joined(separator: "\n")
    }
}

/// Resolves settings in the order explicit options > environment > config file profile.
///
/// Credentials resolve as a unit: the first source that names an access key must also give
/// its secret, so a key from one place is never paired with a secret from another.
public enum ConfigurationResolver {
    public static func resolve(
        options: ConfigurationOptions = ConfigurationOptions(),
        environment: [String: String],
        homeDirectory: String?
    ) throws(ConfigurationError) -> ResolvedConfiguration {
        func env(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        let profileName = options.profile ?? env("OBSW_PROFILE") ?? "default"
        let profileNamedExplicitly = options.profile != nil || env("OBSW_PROFILE") != nil
        let configPath = options.configFile ?? env("OBSW_CONFIG_FILE") ?? defaultConfigPath(environment: environment, home: homeDirectory)
        var origins: [String: String] = [:]

        // Options and environment first; the file is read only if something is still missing
        // (or a profile was named), so an unrelated unsafe file cannot block explicit settings.
        var endpointText: String?
        if let value = options.endpoint { (endpointText, origins["endpoint"]) = (value, "--endpoint") }
        else if let value = env("OBS_ENDPOINT") { (endpointText, origins["endpoint"]) = (value, "OBS_ENDPOINT") }
        var region: String?
        if let value = options.region { (region, origins["region"]) = (value, "--region") }
        else if let value = env("OBS_REGION") { (region, origins["region"]) = (value, "OBS_REGION") }

        var credentials: Credentials?
        if let ak = options.accessKeyID {
            guard let sk = options.secretAccessKey else {
                throw .incompleteCredentials(source: "the command line", missing: "secret access key")
            }
            credentials = Credentials(accessKeyID: ak, secretAccessKey: sk, securityToken: options.securityToken)
            origins["access_key_id"] = "the command line"
        } else if let ak = env("OBS_ACCESS_KEY_ID") {
            guard let sk = env("OBS_SECRET_ACCESS_KEY") else {
                throw .incompleteCredentials(source: "OBS_ACCESS_KEY_ID", missing: "OBS_SECRET_ACCESS_KEY")
            }
            credentials = Credentials(
                accessKeyID: ak, secretAccessKey: Secret(sk), securityToken: env("OBS_SECURITY_TOKEN").map(Secret.init))
            origins["access_key_id"] = "OBS_ACCESS_KEY_ID"
        }

        let needsFile = endpointText == nil || credentials == nil || region == nil
        if needsFile || profileNamedExplicitly {
            let file = try ConfigFile.load(path: configPath)
            if profileNamedExplicitly, file?.profile(named: profileName) == nil {
                throw .unknownProfile(profileName, path: configPath, known: file?.profiles.map(\.name) ?? [])
            }
            if let profile = file?.profile(named: profileName) {
                let origin = "profile '\(profileName)' in \(configPath)"
                if endpointText == nil, let value = profile.endpoint { (endpointText, origins["endpoint"]) = (value, origin) }
                if region == nil, let value = profile.region { (region, origins["region"]) = (value, origin) }
                if credentials == nil, let ak = profile.accessKeyID {
                    guard let sk = profile.secretAccessKey else {
                        throw .incompleteCredentials(source: origin, missing: "secret_access_key")
                    }
                    // The secret is used: the file must be private. (A readable file whose
                    // secrets go unused — credentials from the environment — blocks nothing.)
                    if let mode = file?.mode, mode & 0o077 != 0 { throw .insecureConfigFile(path: configPath, mode: mode) }
                    credentials = Credentials(accessKeyID: ak, secretAccessKey: sk, securityToken: profile.securityToken)
                    origins["access_key_id"] = origin
                }
            }
        }

        var endpoint = try endpointText.map { text throws(ConfigurationError) in try Endpoint(parsing: text) }
        if endpoint == nil, let region {
            endpoint = .forRegion(region)
            origins["endpoint"] = "the region"
        }
        if region == nil, let implied = endpoint?.impliedRegion {
            region = implied
            origins["region"] = "the endpoint"
        }
        if let ak = origins["access_key_id"] {
            origins["secret_access_key"] = ak == "OBS_ACCESS_KEY_ID" ? "OBS_SECRET_ACCESS_KEY" : ak
            if credentials?.securityToken != nil {
                origins["security_token"] = ak == "OBS_ACCESS_KEY_ID" ? "OBS_SECURITY_TOKEN" : ak
            }
        }
        return ResolvedConfiguration(
            endpoint: endpoint, region: region, credentials: credentials,
            profile: profileName, configFile: configPath, origins: origins)
    }

    /// `$XDG_CONFIG_HOME/obsw/config`, else `~/.config/obsw/config`.
    public static func defaultConfigPath(environment: [String: String], home: String?) -> String {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/obsw/config" }
        let home = home ?? environment["HOME"] ?? "/"
        return (home.hasSuffix("/") ? String(home.dropLast()) : home) + "/.config/obsw/config"
    }
}
