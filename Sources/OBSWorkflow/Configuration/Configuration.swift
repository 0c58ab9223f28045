/// Which workflow API obsw speaks.
public enum ServiceKind: String, Sendable, CaseIterable {
    /// OBS Data+ workflows, API v2 (the default).
    case obs
    /// DWR (Data Workflow), API v3.
    case dwr
}

/// What the caller states explicitly (command-line options); every field optional.
public struct ConfigurationOptions: Sendable {
    public var service: ServiceKind?
    public var projectID: String?
    public var endpoint: String?
    public var region: String?
    public var profile: String?
    public var configFile: String?
    public var accessKeyID: String?
    public var secretAccessKey: Secret?
    public var securityToken: Secret?

    public init(
        service: ServiceKind? = nil, projectID: String? = nil,
        endpoint: String? = nil, region: String? = nil, profile: String? = nil, configFile: String? = nil,
        accessKeyID: String? = nil, secretAccessKey: Secret? = nil, securityToken: Secret? = nil
    ) {
        self.service = service
        self.projectID = projectID
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
    public var service: ServiceKind
    /// DWR's project id (required there, unused on OBS).
    public var projectID: String?
    public var endpoint: Endpoint?
    public var region: String?
    public var credentials: Credentials?
    /// The profile consulted, if the config file was read.
    public var profile: String
    public var configFile: String
    /// Human-readable origin of each setting: "--endpoint", "OBS_ENDPOINT", "profile 'default' in PATH".
    public var origins: [String: String]

    public init(
        service: ServiceKind = .obs, projectID: String? = nil,
        endpoint: Endpoint?, region: String?, credentials: Credentials?, profile: String, configFile: String,
        origins: [String: String]
    ) {
        self.service = service
        self.projectID = projectID
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.profile = profile
        self.configFile = configFile
        self.origins = origins
    }

    /// Endpoint and credentials (and, on DWR, the project id), or an error saying how to
    /// provide what is missing.
    public func requireEndpointAndCredentials() throws(ConfigurationError) -> (Endpoint, Credentials) {
        guard let endpoint else { throw service == .dwr ? .missingDWREndpoint(region: region) : .missingEndpoint }
        guard let credentials else { throw service == .dwr ? .missingDWRCredentials : .missingCredentials }
        if service == .dwr, projectID?.isEmpty ?? true { throw .missingProjectID }
        return (endpoint, credentials)
    }

    public var description: String {
        var lines: [String] = []
        func line(_ name: String, _ value: String?) {
            let origin = origins[name].map { "  (from \($0))" } ?? ""
            lines.append("\(name): \(value ?? "-")\(origin)")
        }
        line("service", service == .dwr ? "dwr (DWR v3)" : "obs (OBS Data+ v2)")
        line("endpoint", endpoint?.url)
        line("region", region)
        if service == .dwr { line("project_id", projectID) }
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
/// The service (`--service`, `OBSW_SERVICE`, or the profile's `service`; OBS by default)
/// picks the environment names: `OBS_ENDPOINT`, `OBS_REGION`, `OBS_ACCESS_KEY_ID`, ... on
/// OBS; the official Huawei Cloud SDK's `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`,
/// `HUAWEICLOUD_SDK_SECURITY_TOKEN` and `HUAWEICLOUD_SDK_PROJECT_ID` on DWR, whose endpoint
/// comes from `--endpoint`, `--region` (DWR's region table) or the profile.
///
/// Credentials resolve as a unit: the first source that names an access key must also give
/// its secret, so a key from one place is never paired with a secret from another.
public enum ConfigurationResolver {
    /// The service `--service` or `OBSW_SERVICE` names, lower-cased, with where it came from;
    /// nil when neither does (then a profile may, and OBS is the default). The one reading
    /// of the rule: the resolver, `--local`'s emulator face and the shell's prompt use it.
    public static func namedService(option: ServiceKind?, environment: [String: String]) -> (text: String, origin: String)? {
        if let option { return (option.rawValue, "--service") }
        if let value = environment["OBSW_SERVICE"], !value.isEmpty { return (value.lowercased(), "OBSW_SERVICE") }
        return nil
    }

    /// `namedService` as a kind; an unknown name is an error, not quietly OBS.
    public static func namedServiceKind(option: ServiceKind?, environment: [String: String]) throws(ConfigurationError)
        -> (kind: ServiceKind, origin: String)?
    {
        guard let (text, origin) = namedService(option: option, environment: environment) else { return nil }
        guard let kind = ServiceKind(rawValue: text) else { throw .unknownService(text) }
        return (kind, origin)
    }

    public static func resolve(
        options: ConfigurationOptions = ConfigurationOptions(),
        environment: [String: String],
        homeDirectory: String?
    ) throws(ConfigurationError) -> ResolvedConfiguration {
        func env(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        var origins: [String: String] = [:]
        let profileName = options.profile ?? env("OBSW_PROFILE") ?? "default"
        var serviceText: String?
        if let (text, origin) = namedService(option: options.service, environment: environment) {
            (serviceText, origins["service"]) = (text, origin)
        }
        let profileNamedExplicitly = options.profile != nil || env("OBSW_PROFILE") != nil
        let configPath = options.configFile ?? env("OBSW_CONFIG_FILE") ?? defaultConfigPath(environment: environment, home: homeDirectory)

        // Options and environment first; the file is read only if something is still missing
        // (or a profile was named), so an unrelated unsafe file cannot block explicit settings.
        // The service decides which environment names count, so it is settled first — from
        // the profile too, when neither option nor environment names it.
        var file: ConfigFile??
        func loadFile() throws(ConfigurationError) -> ConfigFile? {
            if let file { return file }
            let loaded = try ConfigFile.load(path: configPath)
            if profileNamedExplicitly, loaded?.profile(named: profileName) == nil {
                throw .unknownProfile(profileName, path: configPath, known: loaded?.profiles.map(\.name) ?? [])
            }
            file = .some(loaded)
            return loaded
        }
        if serviceText == nil, let value = try loadFile()?.profile(named: profileName)?.service {
            (serviceText, origins["service"]) = (value, "profile '\(profileName)' in \(configPath)")
        }
        let service = try serviceText.map { text throws(ConfigurationError) in
            guard let kind = ServiceKind(rawValue: text) else { throw .unknownService(text) }
            return kind
        } ?? .obs

        var endpointText: String?
        if let value = options.endpoint { (endpointText, origins["endpoint"]) = (value, "--endpoint") }
        else if service == .obs, let value = env("OBS_ENDPOINT") { (endpointText, origins["endpoint"]) = (value, "OBS_ENDPOINT") }
        var region: String?
        if let value = options.region { (region, origins["region"]) = (value, "--region") }
        else if service == .obs, let value = env("OBS_REGION") { (region, origins["region"]) = (value, "OBS_REGION") }
        var projectID: String?
        if service == .dwr {
            if let value = options.projectID { (projectID, origins["project_id"]) = (value, "--project-id") }
            else if let value = env("HUAWEICLOUD_SDK_PROJECT_ID") { (projectID, origins["project_id"]) = (value, "HUAWEICLOUD_SDK_PROJECT_ID") }
        }

        // The official SDK's names on DWR, OBS's on OBS; a key always with its own secret.
        let (akName, skName, tokenName) = service == .dwr
            ? ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN")
            : ("OBS_ACCESS_KEY_ID", "OBS_SECRET_ACCESS_KEY", "OBS_SECURITY_TOKEN")
        var credentials: Credentials?
        if let ak = options.accessKeyID {
            guard let sk = options.secretAccessKey else {
                throw .incompleteCredentials(source: "the command line", missing: "secret access key")
            }
            credentials = Credentials(accessKeyID: ak, secretAccessKey: sk, securityToken: options.securityToken)
            origins["access_key_id"] = "the command line"
        } else if let ak = env(akName) {
            guard let sk = env(skName) else { throw .incompleteCredentials(source: akName, missing: skName) }
            credentials = Credentials(accessKeyID: ak, secretAccessKey: Secret(sk), securityToken: env(tokenName).map(Secret.init))
            origins["access_key_id"] = akName
            origins["secret_access_key"] = skName
            if credentials?.securityToken != nil { origins["security_token"] = tokenName }
        }

        let needsFile = endpointText == nil || credentials == nil || region == nil || (service == .dwr && projectID == nil)
        if needsFile || profileNamedExplicitly {
            let file = try loadFile()
            if let profile = file?.profile(named: profileName) {
                let origin = "profile '\(profileName)' in \(configPath)"
                if endpointText == nil, let value = profile.endpoint { (endpointText, origins["endpoint"]) = (value, origin) }
                if region == nil, let value = profile.region { (region, origins["region"]) = (value, origin) }
                if service == .dwr, projectID == nil, let value = profile.projectID { (projectID, origins["project_id"]) = (value, origin) }
                if credentials == nil, let ak = profile.accessKeyID {
                    guard let sk = profile.secretAccessKey else {
                        throw .incompleteCredentials(source: origin, missing: "secret_access_key")
                    }
                    // The secret is used: the file must be private. (A readable file whose
                    // secrets go unused — credentials from the environment — blocks nothing.)
                    if let mode = file?.mode, mode & 0o077 != 0 { throw .insecureConfigFile(path: configPath, mode: mode) }
                    credentials = Credentials(accessKeyID: ak, secretAccessKey: sk, securityToken: profile.securityToken)
                    origins["access_key_id"] = origin
                    origins["secret_access_key"] = origin
                    if profile.securityToken != nil { origins["security_token"] = origin }
                }
            }
        }

        if let region, !Endpoint.isRegionName(region) { throw .invalidRegion(region, origin: origins["region"] ?? "the settings") }
        var endpoint = try endpointText.map { text throws(ConfigurationError) in try Endpoint(parsing: text) }
        if endpoint == nil, let region {
            switch service {
            case .obs: endpoint = .forRegion(region)
            case .dwr:
                guard let host = Endpoint.forDWRRegion(region) else {
                    throw .unknownDWRRegion(region, known: Endpoint.dwrRegions.keys.sorted())
                }
                endpoint = host
            }
            origins["endpoint"] = "the region"
        }
        if region == nil, let implied = endpoint?.impliedRegion {
            region = implied
            origins["region"] = "the endpoint"
        }
        if credentials?.securityToken != nil, origins["security_token"] == nil {
            origins["security_token"] = origins["access_key_id"]
        }
        if credentials != nil, origins["secret_access_key"] == nil { origins["secret_access_key"] = origins["access_key_id"] }
        return ResolvedConfiguration(
            service: service, projectID: projectID, endpoint: endpoint, region: region, credentials: credentials,
            profile: profileName, configFile: configPath, origins: origins)
    }

    /// How many approvals a plan needs before `obsw apply` carries it out: the profile's
    /// `require_approvals`, 0 without one, with where it came from. Unlike the other
    /// settings it is read from the file whenever the file exists — a rule of the team's,
    /// not a gap to fill — so an unreadable or malformed file is an error here.
    public static func requiredApprovals(
        options: ConfigurationOptions = ConfigurationOptions(), environment: [String: String], homeDirectory: String?
    ) throws(ConfigurationError) -> (count: Int, origin: String?) {
        let profileName = options.profile ?? environment["OBSW_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let configPath = options.configFile ?? environment["OBSW_CONFIG_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? defaultConfigPath(environment: environment, home: homeDirectory)
        guard let file = try ConfigFile.load(path: configPath) else { return (0, nil) }
        guard let profile = file.profile(named: profileName) else {
            if options.profile != nil || !(environment["OBSW_PROFILE"] ?? "").isEmpty {
                throw .unknownProfile(profileName, path: configPath, known: file.profiles.map(\.name))
            }
            return (0, nil)
        }
        guard let count = profile.requireApprovals else { return (0, nil) }
        return (count, "profile '\(profileName)' in \(configPath)")
    }

    /// `$XDG_CONFIG_HOME/obsw/config`, else `~/.config/obsw/config`.
    public static func defaultConfigPath(environment: [String: String], home: String?) -> String {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/obsw/config" }
        let home = home ?? environment["HOME"] ?? "/"
        return (home.hasSuffix("/") ? String(home.dropLast()) : home) + "/.config/obsw/config"
    }
}
