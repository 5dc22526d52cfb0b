import BosunSecrets
import BosunTesting
import Foundation
import Testing

/// PGP data keys through the real `gpg`: a file encrypted to a PGP key (and an age key) opens
/// with a keyring Bosun imported the key into, and with the age key alone.
@Suite("PGP", .serialized, .enabled(if: hasGPG))
struct PGPTests {
    @Test("a file encrypted to a PGP key decrypts through a keyring Bosun owns; without the key it is refused")
    func pgpRoundTrip() async throws {
        let sender = try TestKeyring()
        defer { sender.remove() }
        let age = AgeIdentity()
        let options = SopsFile.EncryptOptions(ageRecipients: [age.recipient], pgpFingerprints: [sender.fingerprint], gpg: GPG(homeDirectory: sender.home))
        let file = try await SopsFile.encrypt(Array("password: hunter2\n".utf8), format: .yaml, name: "f", options: options)
        let text = String(decoding: file, as: UTF8.self)
        #expect(text.contains("fp: \(sender.fingerprint)") && text.contains("-----BEGIN PGP MESSAGE-----"))

        // Bosun's own keyring, the secret key imported from a file.
        let owned = try TemporaryDirectory(prefix: "bosun-owned-gpg")
        defer {
            _ = try? Shell.executeBlocking(["gpgconf", "--homedir", owned.appending("gnupg").path, "--kill", "all"])
            owned.remove()
        }
        let keyFile = owned.appending("prod.asc").path
        try await sender.exportSecret(to: keyFile)
        let gpg = try GPG.ownedKeyring(at: owned.appending("gnupg").path)
        try await gpg.importKeys([keyFile])
        let mode = try FileManager.default.attributesOfItem(atPath: owned.appending("gnupg").path)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        #expect(try await gpg.secretKeyFingerprints().contains(sender.fingerprint))
        let viaPGP = try await SopsFile.decrypt(file, format: .yaml, name: "f", keys: SopsKeyring(ageIdentities: [], gpg: gpg))
        #expect(String(decoding: viaPGP.plaintext, as: UTF8.self) == "password: hunter2\n")
        let viaAge = try await SopsFile.decrypt(file, format: .yaml, name: "f", keys: SopsKeyring(ageIdentities: [age]))
        #expect(viaAge.plaintext == viaPGP.plaintext)

        // An empty keyring of its own: gpg has no secret key for it.
        let empty = try GPG.ownedKeyring(at: owned.appending("empty").path)
        defer { _ = try? Shell.executeBlocking(["gpgconf", "--homedir", owned.appending("empty").path, "--kill", "all"]) }
        let error = await sopsError { _ = try await SopsFile.decrypt(file, format: .yaml, name: "f", keys: SopsKeyring(ageIdentities: [], gpg: empty)) }
        #expect(error?.code == .noKey)
        #expect(error?.description.contains("PGP \(sender.fingerprint)") == true)
    }

    @Test("a key file gpg cannot import names the file")
    func badKeyFile() async throws {
        let dir = try TemporaryDirectory(prefix: "bosun-gpg-bad")
        defer {
            _ = try? Shell.executeBlocking(["gpgconf", "--homedir", dir.appending("gnupg").path, "--kill", "all"])
            dir.remove()
        }
        let file = try dir.write("broken.asc", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nnot a key\n-----END PGP PRIVATE KEY BLOCK-----\n").path
        let gpg = try GPG.ownedKeyring(at: dir.appending("gnupg").path)
        let error = await sopsError { try await gpg.importKeys([file]) }
        #expect(error?.description.hasPrefix(file) == true)
    }
}
