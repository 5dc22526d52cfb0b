import BosunCore
import Foundation

/// The keyrings of a config's `decryptionKeys`, loaded when first asked for and kept until
/// their files change: age identities from files and an environment variable, PGP keys imported
/// into a keyring per name under the data directory. An application's keyring joins the names
/// it lists. A key file replaced on disk (a rotated key) is read again on the next ask.
public actor KeyringCache {
    var specs: [String: DecryptionKeySpec]
    let config: Config
    let gpgRoot: String
    let environment: [String: String]
    var loaded: [String: (keyring: SopsKeyring, stamp: [String])] = [:]

    /// `gpgRoot`: the folder the PGP keyrings go in (`<dataDir>/gnupg`).
    public init(config: Config, gpgRoot: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.config = config
        specs = Dictionary(config.decryptionKeys.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.gpgRoot = gpgRoot
        self.environment = environment
    }

    /// The keyring for `decryption`'s keys; errors name the key and the file, never a key.
    public func keyring(for decryption: DecryptionSpec, owner: String) async throws(SopsError) -> SopsKeyring {
        var identities: [AgeIdentity] = []
        var gpgs: [GPG] = []
        for name in decryption.keys {
            let keyring = try await keyring(named: name, owner: owner)
            identities += keyring.ageIdentities
            gpgs += keyring.gpgs
        }
        if decryption.keys.count == 1, let only = loaded[decryption.keys[0]]?.keyring { return only }
        return SopsKeyring(ageIdentities: identities, gpgs: gpgs, label: "decryptionKeys \(decryption.keys.joined(separator: ", "))")
    }

    func keyring(named name: String, owner: String) async throws(SopsError) -> SopsKeyring {
        guard let spec = specs[name] else {
            throw SopsError(.noKey, "\(owner) names the decryption key \"\(name)\", which the config does not declare under decryptionKeys")
        }
        let stamp = self.stamp(spec)
        if let cached = loaded[name], cached.stamp == stamp { return cached.keyring }
        let keyring = try await Self.load(spec, config: config, gpgRoot: gpgRoot, environment: environment)
        loaded[name] = (keyring, stamp)
        return keyring
    }

    /// What tells a key file changed: its size and modification time.
    func stamp(_ spec: DecryptionKeySpec) -> [String] {
        (spec.ageKeyFiles + spec.gpgKeyFiles).map { file in
            let attributes = try? FileManager.default.attributesOfItem(atPath: config.resolvePath(file))
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(file):\((attributes?[.size] as? NSNumber)?.intValue ?? -1):\(modified)"
        }
    }

    /// Reads one `decryptionKeys` entry.
    public static func load(_ spec: DecryptionKeySpec, config: Config, gpgRoot: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment) async throws(SopsError) -> SopsKeyring
    {
        var identities: [AgeIdentity] = []
        for file in spec.ageKeyFiles {
            let path = config.resolvePath(file)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SopsError(.noKey, file: path, "cannot read the age key file of decryption key \"\(spec.name)\" (ageKeyFiles)")
            }
            let found = try AgeIdentity.parseAll(String(decoding: data, as: UTF8.self), source: path)
            if found.isEmpty { throw SopsError(.noKey, file: path, "holds no AGE-SECRET-KEY-1… line (decryption key \"\(spec.name)\")") }
            identities += found
        }
        if let variable = spec.ageKeysEnv {
            guard let text = environment[variable], !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw SopsError(.noKey, "the environment variable \(variable) (ageKeysEnv of decryption key \"\(spec.name)\") is not set")
            }
            identities += try AgeIdentity.parseAll(text, source: "$\(variable)", allowSeveralPerLine: true)
        }
        var gpgs: [GPG] = []
        if !spec.gpgKeyFiles.isEmpty {
            let gpg = try GPG.ownedKeyring(at: gpgRoot + "/" + spec.name)
            try await gpg.importKeys(spec.gpgKeyFiles.map(config.resolvePath))
            gpgs.append(gpg)
        }
        return SopsKeyring(ageIdentities: identities, gpgs: gpgs, label: "decryptionKeys \(spec.name)")
    }
}
