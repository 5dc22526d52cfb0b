/// A named set of decryption keys, declared once in the local config (they are the server's
/// secrets) and referred to by name from applications and repositories.
///
/// ```yaml
/// decryptionKeys:
///   - name: prod
///     ageKeyFiles: [keys/prod.agekey]   # AGE-SECRET-KEY-1… lines, relative to the config file
///     ageKeysEnv: BOSUN_AGE_KEYS        # the same lines from an environment variable
///     gpgKeyFiles: [keys/prod.asc]      # PGP private keys, imported into a keyring Bosun owns
/// ```
public struct DecryptionKeySpec: Sendable, Hashable {
    public var name: String
    public var ageKeyFiles: [String]
    public var ageKeysEnv: String?
    public var gpgKeyFiles: [String]

    public init(name: String, ageKeyFiles: [String] = [], ageKeysEnv: String? = nil, gpgKeyFiles: [String] = []) {
        self.name = name
        self.ageKeyFiles = ageKeyFiles
        self.ageKeysEnv = ageKeysEnv
        self.gpgKeyFiles = gpgKeyFiles
    }
}

/// How an application's manifests are decrypted: `decryption: { provider: sops, keys: [prod] }`,
/// on the application or as a default on its repository.
public struct DecryptionSpec: Sendable, Hashable {
    public static let providers = ["sops"]
    public var provider: String
    /// Names of `decryptionKeys` entries.
    public var keys: [String]

    public init(provider: String = "sops", keys: [String]) {
        self.provider = provider
        self.keys = keys
    }
}

extension Config {
    public func decryptionKey(named name: String) -> DecryptionKeySpec? { decryptionKeys.first { $0.name == name } }

    /// The application's decryption, else its repository's default; nil when neither sets one.
    public func decryption(for application: ApplicationSpec) -> DecryptionSpec? {
        application.decryption ?? repository(named: application.source.repository)?.decryption
    }
}
