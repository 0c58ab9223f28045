#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The config file with named profiles (`~/.config/obsw/config` by default):
///
/// ```
/// # comments start with # or ;
/// [default]
/// endpoint = https://obs.cn-north-4.myhuaweicloud.com
/// access_key_id = AK...
/// secret_access_key = ...
///
/// [staging]
/// region = ap-southeast-1
///
/// [dwr-prod]
/// service = dwr
/// region = cn-north-9
/// project_id = 0123456789abcdef0123456789abcdef
/// ```
///
/// Unknown keys are errors (a typo in `secret_access_key` should not silently fall back to
/// another credential). `#` or `;` starts a comment at the start of a line or after a blank;
/// CRLF line ends are fine. A file whose secret is used must not be readable by group or
/// others (`Configuration.resolve` checks, when it takes the credentials from the file).
public struct ConfigFile: Sendable, Equatable {
    public struct Profile: Sendable, Equatable {
        public var endpoint: String?
        public var region: String?
        public var accessKeyID: String?
        public var secretAccessKey: Secret?
        public var securityToken: Secret?
        /// `obs` (Data+ v2, the default) or `dwr` (DWR v3).
        public var service: String?
        /// DWR's project id.
        public var projectID: String?
        /// How many people other than a plan's author must approve it before `obsw apply`
        /// carries it out against this profile's service.
        public var requireApprovals: Int?
    }

    public static let knownKeys = [
        "service", "endpoint", "region", "project_id", "access_key_id", "secret_access_key", "security_token", "require_approvals",
    ]

    public var path: String
    /// The file's permission bits when it was read from disk (nil for parsed text).
    public var mode: UInt32?
    /// Profiles in file order.
    public var profiles: [(name: String, profile: Profile)]

    public static func == (a: ConfigFile, b: ConfigFile) -> Bool {
        a.path == b.path && a.profiles.map(\.name) == b.profiles.map(\.name)
            && a.profiles.map(\.profile) == b.profiles.map(\.profile)
    }

    public func profile(named name: String) -> Profile? {
        profiles.first(where: { $0.name == name })?.profile
    }

    /// Parses file text; `path` is only used in messages.
    public init(parsing text: String, path: String) throws(ConfigurationError) {
        self.path = path
        self.profiles = []
        var current: Int?
        var lineNumber = 0
        // By `isNewline`: a CRLF is one Character in Swift, so splitting on "\n" would miss it.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let line = Self.withoutComment(String(rawLine)).trimmingASCIIWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    throw .malformedConfigFile(path: path, line: lineNumber, reason: "a profile header needs a closing ']'")
                }
                var name = String(line.dropFirst().dropLast()).trimmingASCIIWhitespace()
                if name.hasPrefix("profile ") { name = String(name.dropFirst(8)).trimmingASCIIWhitespace() }
                guard !name.isEmpty else {
                    throw .malformedConfigFile(path: path, line: lineNumber, reason: "the profile name is empty")
                }
                if let existing = profiles.firstIndex(where: { $0.name == name }) {
                    current = existing
                } else {
                    profiles.append((name, Profile()))
                    current = profiles.count - 1
                }
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw .malformedConfigFile(path: path, line: lineNumber, reason: "expected 'key = value' or '[profile]'")
            }
            let key = String(line[..<equals]).trimmingASCIIWhitespace().lowercased()
            let value = String(line[line.index(after: equals)...]).trimmingASCIIWhitespace()
            guard let index = current else {
                throw .malformedConfigFile(path: path, line: lineNumber, reason: "'\(key)' comes before any [profile] header")
            }
            switch key {
            case "endpoint": profiles[index].profile.endpoint = value
            case "region": profiles[index].profile.region = value
            case "access_key_id": profiles[index].profile.accessKeyID = value
            case "secret_access_key": profiles[index].profile.secretAccessKey = Secret(value)
            case "security_token": profiles[index].profile.securityToken = Secret(value)
            case "service":
                guard ServiceKind(rawValue: value.lowercased()) != nil else {
                    throw .malformedConfigFile(path: path, line: lineNumber, reason: "service must be obs or dwr, not '\(value)'")
                }
                profiles[index].profile.service = value.lowercased()
            case "project_id": profiles[index].profile.projectID = value
            case "require_approvals":
                guard let count = Int(value), (0...100).contains(count) else {
                    throw .malformedConfigFile(
                        path: path, line: lineNumber, reason: "require_approvals must be a whole number from 0 to 100, not '\(value)'")
                }
                profiles[index].profile.requireApprovals = count
            default:
                throw .malformedConfigFile(
                    path: path, line: lineNumber,
                    reason: "unknown key '\(key)' (known keys: \(Self.knownKeys.joined(separator: ", ")))")
            }
        }
    }

    /// A line without its comment: `#` or `;` at the start of the line, or after a space or
    /// tab (`endpoint = https://host   # production`). Values themselves never hold such a
    /// sequence (keys, endpoints and base64 tokens have no blank before a `#`).
    static func withoutComment(_ line: String) -> String {
        var previous: Character = " "
        for index in line.indices {
            let c = line[index]
            if c == "#" || c == ";", previous == " " || previous == "\t" { return String(line[..<index]) }
            previous = c
        }
        return line
    }

    /// Reads and parses the file; `nil` when it does not exist.
    ///
    /// The mode is checked on the open descriptor, so the file checked is the file read.
    public static func load(path: String) throws(ConfigurationError) -> ConfigFile? {
        // O_NONBLOCK: opening a FIFO (given by mistake) would otherwise wait for a writer forever.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            let code = errno
            if code == ENOENT { return nil }
            throw .unreadableConfigFile(path: path, reason: String(cString: strerror(code)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw .unreadableConfigFile(path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw .unreadableConfigFile(path: path, reason: "it is not a regular file")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        guard info.st_size <= 1 << 20 else {
            throw .unreadableConfigFile(path: path, reason: "it is larger than 1 MiB")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadableConfigFile(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .unreadableConfigFile(path: path, reason: "it is not valid UTF-8")
        }
        var file = try ConfigFile(parsing: text, path: path)
        file.mode = UInt32(info.st_mode) & 0o7777
        return file
    }
}
