import BosunCore
import BosunSecrets
import BosunTesting
import Foundation
import Testing

/// The fixtures beside the tests: SOPS files Bosun encrypted to the test identity in
/// `test.agekey` (a key made for these tests only).
enum Fixtures {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil) ?? URL(fileURLWithPath: "/nonexistent/\(name)")
    }

    static func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: url(name))) }
    static func text(_ name: String) throws -> String { String(decoding: try bytes(name), as: UTF8.self) }

    static var identity: AgeIdentity {
        get throws {
            let identities = try AgeIdentity.parseAll(try text("test.agekey"), source: "test.agekey")
            guard let first = identities.first else { throw SopsError(.noKey, "no identity in test.agekey") }
            return first
        }
    }

    static var keyring: SopsKeyring { get throws { SopsKeyring(ageIdentities: [try identity]) } }
}

/// Whether Debian's `age` and `age-keygen` are on PATH (CI installs them).
let hasAgeCLI = (try? Shell.executeBlocking(["age", "--version"]).status) == 0 && (try? Shell.executeBlocking(["sh", "-c", "command -v age-keygen"]).status) == 0

/// Whether `gpg` is on PATH.
let hasGPG = (try? Shell.executeBlocking(["gpg", "--version"]).status) == 0

/// Encrypts `text` to a new identity and returns the file and a keyring that opens it.
func encrypted(_ text: String, format: SopsFormat, encryptedRegex: String? = nil, macOnlyEncrypted: Bool = false,
               identity: AgeIdentity = AgeIdentity()) async throws -> (file: [UInt8], keys: SopsKeyring)
{
    let options = SopsFile.EncryptOptions(ageRecipients: [identity.recipient], encryptedRegex: encryptedRegex, macOnlyEncrypted: macOnlyEncrypted)
    let file = try await SopsFile.encrypt(Array(text.utf8), format: format, name: "test", options: options)
    return (file, SopsKeyring(ageIdentities: [identity]))
}

/// The error a throwing call ends with, as a SopsError.
func sopsError(_ body: () async throws -> Void) async -> SopsError? {
    do {
        try await body()
        return nil
    } catch let error as SopsError {
        return error
    } catch {
        Issue.record("expected a SopsError, got \(error)")
        return nil
    }
}

/// A private gpg keyring with one key (ed25519 signing, cv25519 encryption), no passphrase.
struct TestKeyring {
    let directory: TemporaryDirectory
    let fingerprint: String
    var home: String { directory.appending("gnupg").path }
    var environment: [String: String] { ["GNUPGHOME": home] }

    init() throws {
        directory = try TemporaryDirectory(prefix: "bosun-gpg")
        try FileManager.default.createDirectory(atPath: directory.appending("gnupg").path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let env = ["GNUPGHOME": directory.appending("gnupg").path]
        try Shell.runBlocking(["gpg", "--batch", "--quiet", "--passphrase", "", "--quick-gen-key", "Sops Tester <sops@example.com>", "default", "default", "never"], environment: env)
        let listing = try Shell.runBlocking(["gpg", "--batch", "--with-colons", "--list-secret-keys"], environment: env)
        fingerprint = listing.split(separator: "\n").first { $0.hasPrefix("fpr:") }.map { String($0.split(separator: ":", omittingEmptySubsequences: false)[9]) } ?? ""
    }

    /// The secret key, armored (what `decryptionKeys.gpgKeyFiles` names).
    func exportSecret(to path: String) async throws {
        let armored = try await Shell.run(["gpg", "--batch", "--armor", "--export-secret-keys", fingerprint], environment: environment)
        try Data(armored.utf8).write(to: URL(fileURLWithPath: path))
    }

    func remove() {
        _ = try? Shell.executeBlocking(["gpgconf", "--homedir", home, "--kill", "all"])
        directory.remove()
    }
}
