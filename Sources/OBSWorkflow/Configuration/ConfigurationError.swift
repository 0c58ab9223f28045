/// Why a configuration could not be resolved. Each message says how to fix it.
public enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidEndpoint(String, String)
    case insecureConfigFile(path: String, mode: UInt32)
    case unreadableConfigFile(path: String, reason: String)
    case malformedConfigFile(path: String, line: Int, reason: String)
    case unknownProfile(String, path: String, known: [String])
    case incompleteCredentials(source: String, missing: String)
    case missingEndpoint
    case missingCredentials
    case insecureEndpoint(String)
    case missingProjectID
    case missingDWREndpoint(region: String?)
    case missingDWRCredentials
    case unknownService(String)
    case unknownDWRRegion(String, known: [String])
    case invalidRegion(String, origin: String)

    public var description: String {
        switch self {
        case .invalidEndpoint(let text, let why):
            return "invalid endpoint '\(text)': \(why) (for example https://obs.cn-north-4.myhuaweicloud.com)"
        case .insecureConfigFile(let path, let mode):
            let octal = String(mode & 0o777, radix: 8)
            return "refusing to read credentials from \(path): its mode \(octal) lets other users read it; "
                + "fix it with: chmod 600 \(path)"
        case .unreadableConfigFile(let path, let reason):
            return "cannot read config file \(path): \(reason)"
        case .malformedConfigFile(let path, let line, let reason):
            return "\(path):\(line): \(reason)"
        case .unknownProfile(let name, let path, let known):
            let list = known.isEmpty
                ? "the file has no profiles or does not exist; obsw config says how to write one"
                : "it has: \(known.joined(separator: ", "))"
            return "no profile '\(name)' in \(path) (\(list))"
        case .incompleteCredentials(let source, let missing):
            return "\(source) gives an access key but no \(missing); set both or neither"
        case .missingEndpoint:
            return "no endpoint configured: pass --endpoint, set OBS_ENDPOINT or OBS_REGION, "
                + "or add 'endpoint = ...' to a profile in the config file"
        case .insecureEndpoint(let url):
            return "refusing plain http to \(url): anyone on the path could read and change the traffic; "
                + "use https, or pass --allow-insecure-http if you really mean it"
        case .missingProjectID:
            return "DWR needs a project id: pass --project-id, set HUAWEICLOUD_SDK_PROJECT_ID, "
                + "or add 'project_id = ...' to the profile (the console shows it under My Credentials > API Credentials)"
        case .missingDWREndpoint:
            return "no DWR endpoint configured: pass --region (one of \(Endpoint.dwrRegions.keys.sorted().joined(separator: ", "))) "
                + "or --endpoint, or add 'region = ...' or 'endpoint = ...' to the profile"
        case .missingDWRCredentials:
            return "no credentials configured for DWR: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, "
                + "or add access_key_id and secret_access_key to a profile in the config file"
        case .unknownService(let text):
            return "unknown service '\(text)': obsw speaks obs (OBS Data+ v2) and dwr (DWR v3)"
        case .unknownDWRRegion(let region, let known):
            return "DWR is not served in region '\(region)' (it is in \(known.joined(separator: ", "))); "
                + "or pass --endpoint"
        case .invalidRegion(let region, let origin):
            return "invalid region '\(region)' (from \(origin)): a region is lower-case letters, digits and '-', like cn-north-4"
        case .missingCredentials:
            return "no credentials configured: set OBS_ACCESS_KEY_ID and OBS_SECRET_ACCESS_KEY, "
                + "or add access_key_id and secret_access_key to a profile in the config file"
        }
    }
}
