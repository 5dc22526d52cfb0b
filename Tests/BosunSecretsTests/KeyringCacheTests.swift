import BosunCore
import BosunSecrets
import BosunTesting
import Foundation
import Testing

/// `decryptionKeys` loaded as the engine loads them: age key files (relative to the config),
/// an environment variable, PGP key files imported into a keyring of Bosun's own; a key file
/// replaced on disk is read again.
@Suite("Decryption keys", .serialized)
struct KeyringCacheTests {
    func config(_ dir: TemporaryDirectory, _ keys: [DecryptionKeySpec]) -> Config {
        var config = Config(file: dir.appending("bosun.yaml").path)
        config.decryptionKeys = keys
        return config
    }

    @Test("age keys from files and an environment variable; an application's names joined; a rotated file read again")
    func ageKeys() async throws {
        let dir = try TemporaryDirectory(prefix: "bosun-keys")
        defer { dir.remove() }
        let a = AgeIdentity()
        let b = AgeIdentity()
        let c = AgeIdentity()
        try dir.write("keys/a.agekey", a.keyFile())
        let cache = KeyringCache(
            config: config(dir, [DecryptionKeySpec(name: "files", ageKeyFiles: ["keys/a.agekey"]), DecryptionKeySpec(name: "env", ageKeysEnv: "KEYS")]),
            gpgRoot: dir.appending("gnupg").path, environment: ["KEYS": "\(b.text) \(c.text)\n"])
        let files = try await cache.keyring(for: DecryptionSpec(keys: ["files"]), owner: "application web")
        #expect(files.ageRecipients == [a.recipient.text])
        let both = try await cache.keyring(for: DecryptionSpec(keys: ["files", "env"]), owner: "application web")
        #expect(both.ageRecipients == [a.recipient.text, b.recipient.text, c.recipient.text])

        // Rotation: the file now holds another key, and the next ask reads it.
        try await Task.sleep(for: .milliseconds(20))
        try dir.write("keys/a.agekey", a.keyFile() + b.keyFile() + "\n")
        let rotated = try await cache.keyring(for: DecryptionSpec(keys: ["files"]), owner: "application web")
        #expect(rotated.ageRecipients == [a.recipient.text, b.recipient.text])
    }

    @Test("a missing file, an unset variable, an undeclared name: errors naming them, never a key")
    func failures() async throws {
        let dir = try TemporaryDirectory(prefix: "bosun-keys")
        defer { dir.remove() }
        let secret = AgeIdentity().text
        try dir.write("keys/bad.agekey", "# a comment\nnot-a-key-\(secret.suffix(10))\n")
        let cache = KeyringCache(
            config: config(dir, [DecryptionKeySpec(name: "missing", ageKeyFiles: ["keys/none.agekey"]), DecryptionKeySpec(name: "env", ageKeysEnv: "UNSET_KEYS"),
                                 DecryptionKeySpec(name: "bad", ageKeyFiles: ["keys/bad.agekey"])]),
            gpgRoot: dir.appending("gnupg").path, environment: [:])
        func error(_ names: [String]) async -> SopsError? {
            await sopsError { _ = try await cache.keyring(for: DecryptionSpec(keys: names), owner: "application web") }
        }
        #expect(await error(["missing"])?.description.contains("keys/none.agekey") == true)
        #expect(await error(["env"])?.description.contains("UNSET_KEYS") == true)
        let bad = await error(["bad"])
        #expect(bad?.description.contains("line 2") == true && bad?.description.contains(String(secret.suffix(10))) == false)
        #expect(await error(["nope"])?.description.contains("application web names the decryption key \"nope\"") == true)
    }

    @Test("PGP key files are imported into a keyring under the given root, one per name", .enabled(if: hasGPG))
    func pgpKeys() async throws {
        let sender = try TestKeyring()
        defer { sender.remove() }
        let dir = try TemporaryDirectory(prefix: "bosun-keys")
        defer {
            _ = try? Shell.executeBlocking(["gpgconf", "--homedir", dir.appending("gnupg/pgp").path, "--kill", "all"])
            dir.remove()
        }
        try FileManager.default.createDirectory(at: dir.appending("keys"), withIntermediateDirectories: true)
        try await sender.exportSecret(to: dir.appending("keys/prod.asc").path)
        let options = SopsFile.EncryptOptions(ageRecipients: [], pgpFingerprints: [sender.fingerprint], gpg: GPG(homeDirectory: sender.home))
        let file = try await SopsFile.encrypt(Array("token: abc\n".utf8), format: .yaml, name: "f", options: options)
        let cache = KeyringCache(config: config(dir, [DecryptionKeySpec(name: "pgp", gpgKeyFiles: ["keys/prod.asc"])]), gpgRoot: dir.appending("gnupg").path)
        let keys = try await cache.keyring(for: DecryptionSpec(keys: ["pgp"]), owner: "application web")
        #expect(keys.gpgs.first?.homeDirectory == dir.appending("gnupg/pgp").path)
        let plain = try await SopsFile.decrypt(file, format: .yaml, name: "f", keys: keys)
        #expect(String(decoding: plain.plaintext, as: UTF8.self) == "token: abc\n")
    }
}
