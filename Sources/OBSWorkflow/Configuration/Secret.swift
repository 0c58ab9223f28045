/// A secret value (secret access key, security token) that never prints itself.
///
/// `description`, `debugDescription`, `dump()` and string interpolation all show
/// `<redacted>`; the only way to the text is `reveal()`, so every use is easy to audit.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private let value: String

    public init(_ value: String) { self.value = value }

    public func reveal() -> String { value }

    public var isEmpty: Bool { value.isEmpty }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// An access key pair, with the security token that temporary credentials carry.
public struct Credentials: Sendable, Hashable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: Secret
    public var securityToken: Secret?

    public init(accessKeyID: String, secretAccessKey: Secret, securityToken: Secret? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.securityToken = securityToken
    }

    public var description: String {
        "access key \(accessKeyID), secret <redacted>" + (securityToken == nil ? "" : ", security token <redacted>")
    }
}
