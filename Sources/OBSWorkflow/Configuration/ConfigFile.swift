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
/// ```
///
/// Unknown keys are errors (a typo in `secret_access_key` should not silently fall back to
/// another credential). A file that holds a secret must not be readable by group or others.
public struct ConfigFile: Sendable, Equatable {
    public struct Profile: Sendable, Equatable {
        public var endpoint: String?
        public var region: String?
        public var accessKeyID: String?
        public var secretAccessKey: Secret?
        public var securityToken: Secret?

        var holdsSecret: Bool { secretAccessKey != nil || securityToken != nil }
    }

    public static let knownKeys = ["endpoint", "region", "access_key_id", "secret_access_key", "security_token"]

    public var path: String
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
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = String(rawLine).trimmingASCIIWhitespace()
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
            default:
                throw .malformedConfigFile(
                    path: path, line: lineNumber,
                    reason: "unknown key '\(key)' (known keys: \(Self.knownKeys.joined(separator: ", ")))")
            }
        }
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
        let file = try ConfigFile(parsing: text, path: path)
        let mode = UInt32(info.st_mode)
        if file.profiles.contains(where: { $0.profile.holdsSecret }), mode & 0o077 != 0 {
            throw .insecureConfigFile(path: path, mode: mode)
        }
        return file
    }
}
