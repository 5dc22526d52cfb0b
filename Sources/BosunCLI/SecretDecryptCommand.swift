import ArgumentParser
import BosunSecrets
import Foundation

struct SecretDecryptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decrypt",
        abstract: "Print the plaintext of a SOPS file (for the person holding the key).",
        discussion: """
            Verifies every value and the MAC first: a changed file is refused. Runs locally, never \
            through a server.

            Examples:
              bosun secret decrypt secret.enc.yaml --age-key-file ~/.config/sops/age/keys.txt
              SOPS_AGE_KEY_FILE=keys.txt bosun secret decrypt app.enc.env
            """)

    @Argument(help: "The SOPS file (- for standard input, with --input-type).") var file: String
    @Option(help: "yaml, json, dotenv or binary (default: from the file name).") var inputType: SopsFormat?
    @OptionGroup var keys: AgeKeyOptions

    func run() async throws {
        try await runSecretCommand {
            let input = try readSecretInput(file)
            let (identities, label) = try keys.identities()
            // PGP data keys go to the user's own gpg keyring, as sops does.
            let keyring = SopsKeyring(ageIdentities: identities, gpg: GPG.isAvailable ? GPG(homeDirectory: nil) : nil, label: label)
            let format = inputType ?? SopsFormat.forPath(file)
            let decrypted = try await SopsFile.decrypt(input, format: format, name: file, keys: keyring)
            FileHandle.standardOutput.write(Data(decrypted.plaintext))
        }
    }
}
