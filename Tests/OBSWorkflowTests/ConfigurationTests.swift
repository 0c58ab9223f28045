import Glibc
import OBSWTestSupport
import OBSWorkflow
import Testing

@Suite(.timeLimit(.minutes(5))) struct ConfigurationTests {
    let profiles = """
        # obsw profiles
        [default]
        endpoint = https://obs.cn-north-4.myhuaweicloud.com
        access_key_id = AK-FILE
        secret_access_key = SK-FILE

        [staging]
        region = ap-southeast-1
        access_key_id = AK-STAGING
        secret_access_key = SK-STAGING
        security_token = TOKEN-STAGING
        """

    func resolve(
        _ options: ConfigurationOptions = ConfigurationOptions(), env: [String: String] = [:], file: String? = nil,
        mode: mode_t = 0o600
    ) throws(ConfigurationError) -> ResolvedConfiguration {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var options = options
        if let file { options.configFile = options.configFile ?? dir.write("config", file, mode: mode) }
        else { options.configFile = options.configFile ?? dir.path + "/missing" }
        return try ConfigurationResolver.resolve(options: options, environment: env, homeDirectory: dir.path)
    }

    /// A region becomes part of a host name: `cn-north-4@127.0.0.1:18704/x` once sent signed
    /// requests to another host. Only what a region looks like is accepted, from any source.
    @Test(arguments: ["cn-north-4@127.0.0.1:18704/x", "cn-north-4.evil.example", "CN-NORTH-4", "a b", "", "-x", "x/", "é"])
    func aRegionIsOnlyWhatARegionLooksLike(_ region: String) throws {
        for (options, env, origin) in [
            (ConfigurationOptions(region: region), [String: String](), "--region"),
            (ConfigurationOptions(), ["OBS_REGION": region], "OBS_REGION"),
        ] where !(region.isEmpty && origin == "OBS_REGION") {  // an empty variable is unset
            #expect(throws: ConfigurationError.invalidRegion(region, origin: origin)) {
                try resolve(options, env: env.merging(["OBS_ACCESS_KEY_ID": "a", "OBS_SECRET_ACCESS_KEY": "b"]) { a, _ in a })
            }
        }
        #expect(throws: ConfigurationError.self) {
            try resolve(file: "[default]\nregion = \(region)\naccess_key_id = a\nsecret_access_key = b\n")
        }
        #expect(Endpoint.isRegionName("cn-north-4") && Endpoint.isRegionName("ap-southeast-1"))
    }

    @Test func fileAloneSuppliesEverything() throws {
        let c = try resolve(file: profiles)
        #expect(c.endpoint?.url == "https://obs.cn-north-4.myhuaweicloud.com")
        #expect(c.region == "cn-north-4")  // implied by the endpoint
        #expect(c.credentials?.accessKeyID == "AK-FILE")
        #expect(c.credentials?.secretAccessKey.reveal() == "SK-FILE")
        #expect(c.origins["access_key_id"]?.contains("profile 'default'") == true)
    }

    /// `require_approvals` is a rule, read whenever the file exists (even when every other
    /// setting comes from the environment), and a malformed one is an error.
    @Test func requiredApprovalsComeFromTheProfile() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.write("config", profiles + "\nrequire_approvals = 2\n\n[lab]\nrequire_approvals = 0\n", mode: 0o644)
        func rule(_ options: ConfigurationOptions = ConfigurationOptions(configFile: file), env: [String: String] = [:]) throws
            -> (count: Int, origin: String?)
        {
            try ConfigurationResolver.requiredApprovals(options: options, environment: env, homeDirectory: dir.path)
        }
        #expect(try rule() == (0, nil), "the default profile has none")
        #expect(try rule(ConfigurationOptions(profile: "staging", configFile: file)) == (2, "profile 'staging' in \(file)"))
        #expect(try rule(env: ["OBSW_PROFILE": "lab"]) == (0, "profile 'lab' in \(file)"))
        #expect(throws: ConfigurationError.self) { try rule(ConfigurationOptions(profile: "nope", configFile: file)) }
        #expect(try rule(ConfigurationOptions(configFile: dir.path + "/missing")) == (0, nil))
        for bad in ["two", "-1", "101", ""] {
            #expect(throws: ConfigurationError.malformedConfigFile(
                path: "c", line: 2, reason: "require_approvals must be a whole number from 0 to 100, not '\(bad)'"
            )) { try ConfigFile(parsing: "[default]\nrequire_approvals = \(bad)\n", path: "c") }
        }
    }

    @Test func environmentBeatsFile() throws {
        let env = [
            "OBS_ACCESS_KEY_ID": "AK-ENV", "OBS_SECRET_ACCESS_KEY": "SK-ENV", "OBS_SECURITY_TOKEN": "TOKEN-ENV",
            "OBS_ENDPOINT": "http://127.0.0.1:9000", "OBS_REGION": "eu-west-101",
        ]
        let c = try resolve(env: env, file: profiles)
        #expect(c.endpoint?.url == "http://127.0.0.1:9000")
        #expect(c.region == "eu-west-101")
        #expect(c.credentials?.accessKeyID == "AK-ENV")
        #expect(c.credentials?.secretAccessKey.reveal() == "SK-ENV")
        #expect(c.credentials?.securityToken?.reveal() == "TOKEN-ENV")
        #expect(c.origins["endpoint"] == "OBS_ENDPOINT")
        #expect(c.origins["security_token"] == "OBS_SECURITY_TOKEN")
    }

    @Test func explicitOptionsBeatEnvironment() throws {
        let env = ["OBS_ACCESS_KEY_ID": "AK-ENV", "OBS_SECRET_ACCESS_KEY": "SK-ENV", "OBS_ENDPOINT": "env.example.com"]
        let options = ConfigurationOptions(
            endpoint: "opt.example.com:8443", region: "opt-region", accessKeyID: "AK-OPT", secretAccessKey: Secret("SK-OPT"))
        let c = try resolve(options, env: env, file: profiles)
        #expect(c.endpoint == Endpoint(scheme: .https, host: "opt.example.com", port: 8443))
        #expect(c.region == "opt-region")
        #expect(c.credentials?.accessKeyID == "AK-OPT")
        #expect(c.origins["endpoint"] == "--endpoint")
    }

    @Test func credentialsResolveAsAUnit() throws {
        // An access key from the environment is never paired with the file's secret.
        #expect(throws: ConfigurationError.incompleteCredentials(source: "OBS_ACCESS_KEY_ID", missing: "OBS_SECRET_ACCESS_KEY")) {
            try resolve(env: ["OBS_ACCESS_KEY_ID": "AK-ENV"], file: profiles)
        }
        // Endpoint from the environment, credentials from the file: each setting falls through.
        let c = try resolve(env: ["OBS_ENDPOINT": "https://other.example.com"], file: profiles)
        #expect(c.endpoint?.host == "other.example.com")
        #expect(c.credentials?.accessKeyID == "AK-FILE")
    }

    @Test func namedProfile() throws {
        let c = try resolve(ConfigurationOptions(profile: "staging"), file: profiles)
        #expect(c.credentials?.accessKeyID == "AK-STAGING")
        #expect(c.credentials?.securityToken?.reveal() == "TOKEN-STAGING")
        #expect(c.endpoint?.url == "https://obs.ap-southeast-1.myhuaweicloud.com")  // from the region
        let viaEnv = try resolve(env: ["OBSW_PROFILE": "staging"], file: profiles)
        #expect(viaEnv.credentials?.accessKeyID == "AK-STAGING")
        do {
            _ = try resolve(ConfigurationOptions(profile: "prod"), file: profiles)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("no profile 'prod'"))
            #expect(error.description.contains("default, staging"))
        }
    }

    @Test func refusesCredentialsFileOthersCanRead() throws {
        do {
            _ = try resolve(file: profiles, mode: 0o644)
            Issue.record("a world-readable credentials file was read")
        } catch {
            guard case .insecureConfigFile(let path, let mode) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(mode & 0o777 == 0o644)
            #expect(error.description.contains("chmod 600 \(path)"))
        }
        #expect(throws: ConfigurationError.self) { try resolve(file: profiles, mode: 0o640) }
        // A file with no secret in it may be shared.
        let c = try resolve(file: "[default]\nendpoint = obs.example.com\n", mode: 0o644)
        #expect(c.endpoint?.url == "https://obs.example.com")
        // Explicit credentials and endpoint do not need the file, so an unsafe file does not block them.
        let env = ["OBS_ACCESS_KEY_ID": "A", "OBS_SECRET_ACCESS_KEY": "S", "OBS_ENDPOINT": "e.example.com", "OBS_REGION": "r"]
        #expect(try resolve(env: env, file: profiles, mode: 0o644).credentials?.accessKeyID == "A")
    }

    @Test func aReadableFileBlocksOnlyWhenItsSecretIsUsed() throws {
        // Credentials from the environment, endpoint from the (0644) file: its secrets go
        // unused, so it may be readable. Taking the credentials from it is refused.
        let env = ["OBS_ACCESS_KEY_ID": "A", "OBS_SECRET_ACCESS_KEY": "S"]
        let c = try resolve(env: env, file: profiles, mode: 0o644)
        #expect(c.credentials?.accessKeyID == "A")
        #expect(c.endpoint?.url == "https://obs.cn-north-4.myhuaweicloud.com")
        #expect(throws: ConfigurationError.self) { try resolve(file: profiles, mode: 0o644) }
    }

    @Test func crlfLineEndsAndInlineCommentsAsInTheReadme() throws {
        let text = "# profiles\r\n[default]\r\nendpoint = https://obs.cn-north-4.myhuaweicloud.com   # production\r\n"
            + "access_key_id = AK-CRLF\r\nsecret_access_key = SK/with+sign=  ; a comment too\r\n\r\n"
            + "[staging]\r\nregion = ap-southeast-1          # the endpoint follows from the region\r\n"
        let c = try resolve(file: text)
        #expect(c.endpoint?.url == "https://obs.cn-north-4.myhuaweicloud.com")
        #expect(c.credentials?.accessKeyID == "AK-CRLF")
        #expect(c.credentials?.secretAccessKey.reveal() == "SK/with+sign=")
        let staging = try resolve(ConfigurationOptions(profile: "staging"), env: ["OBS_ACCESS_KEY_ID": "A", "OBS_SECRET_ACCESS_KEY": "S"], file: text)
        #expect(staging.endpoint?.host.contains("ap-southeast-1") == true)
        // A '#' inside a value (no blank before it) is part of the value.
        let hash = try resolve(file: "[default]\nendpoint = e.example.com\naccess_key_id = A#1\nsecret_access_key = S\n")
        #expect(hash.credentials?.accessKeyID == "A#1")
    }

    @Test func malformedFilesPointAtTheLine() {
        let cases: [(String, Int, String)] = [
            ("[default]\naccess_key = x\n", 2, "unknown key 'access_key'"),
            ("endpoint = x\n", 1, "before any [profile]"),
            ("[default]\n\njust words\n", 3, "expected 'key = value'"),
            ("[default\n", 1, "closing ']'"),
        ]
        for (text, line, fragment) in cases {
            do {
                _ = try ConfigFile(parsing: text, path: "cfg")
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.description.hasPrefix("cfg:\(line): "), "\(error)")
                #expect(error.description.contains(fragment), "\(error)")
            }
        }
    }

    @Test func missingFileIsFineUntilSomethingIsNeeded() throws {
        let c = try resolve()
        #expect(c.endpoint == nil && c.credentials == nil)
        #expect(throws: ConfigurationError.missingEndpoint) { try c.requireEndpointAndCredentials() }
    }

    @Test func defaultConfigPath() {
        #expect(ConfigurationResolver.defaultConfigPath(environment: [:], home: "/home/op") == "/home/op/.config/obsw/config")
        #expect(
            ConfigurationResolver.defaultConfigPath(environment: ["XDG_CONFIG_HOME": "/x"], home: "/home/op")
                == "/x/obsw/config")
    }

    @Test(arguments: [
        ("https://obs.cn-north-4.myhuaweicloud.com", "https://obs.cn-north-4.myhuaweicloud.com", 443),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000", 9000),
        ("obs.cn-north-4.myhuaweicloud.com", "https://obs.cn-north-4.myhuaweicloud.com", 443),
        ("OBS.Example.com:8443/", "https://obs.example.com:8443", 8443),
        ("http://[::1]:8080", "http://[::1]:8080", 8080),
        ("https://host:443", "https://host", 443),
    ])
    func endpointForms(_ text: String, _ url: String, _ port: Int) throws {
        let endpoint = try Endpoint(parsing: text)
        #expect(endpoint.url == url)
        #expect(endpoint.effectivePort == port)
    }

    @Test(arguments: ["", "ftp://host", "https://host/bucket", "host:port", "host:0", "https://", "https://user@host"])
    func badEndpoints(_ text: String) {
        #expect(throws: ConfigurationError.self) { try Endpoint(parsing: text) }
    }

    @Test func secretsNeverPrint() throws {
        let c = try resolve(ConfigurationOptions(profile: "staging"), file: profiles)
        let printed = [
            c.description, "\(c)", String(describing: c.credentials!), String(reflecting: c.credentials!),
            "\(c.credentials!.secretAccessKey)", String(reflecting: c.credentials!.secretAccessKey),
        ]
        var dumped = ""
        dump(c, to: &dumped)
        for text in printed + [dumped] {
            #expect(!text.contains("SK-STAGING"), "\(text)")
            #expect(!text.contains("TOKEN-STAGING"), "\(text)")
        }
        #expect(c.description.contains("AK-STAGING"))
    }

    @Test func plainHTTPOnlyToLoopback() async throws {
        let settings = { (url: String, allow: Bool) throws -> TransportSettings in
            TransportSettings(endpoint: try Endpoint(parsing: url), credentials: testCredentials, allowInsecureHTTP: allow)
        }
        #expect(throws: ConfigurationError.insecureEndpoint("http://obs.example.com")) {
            _ = try HTTPTransport(settings: try settings("http://obs.example.com", false))
        }
        let allowed = try HTTPTransport(settings: try settings("http://obs.example.com", true))
        let loopback = try HTTPTransport(settings: try settings("http://127.0.0.1:1", false))
        let secure = try HTTPTransport(settings: try settings("obs.example.com", false))
        for transport in [allowed, loopback, secure] { await transport.shutdown() }
    }
}
