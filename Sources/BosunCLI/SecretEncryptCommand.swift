import ArgumentParser
import BosunSecrets
import Foundation

struct SecretEncryptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encrypt",
        abstract: "Encrypt a file into a SOPS file that sops and Bosun decrypt.",
        discussion: """
            Every value is encrypted (AES-256-GCM) under a new data key, which is encrypted to each \
            --age recipient (and --pgp key); keys stay readable. Prints the result, or replaces the \
            file with -i. Without --age or --pgp, encrypts to the age keys you hold (--age-key-file, \
            SOPS_AGE_KEY_FILE, SOPS_AGE_KEY).

            Examples:
              bosun secret encrypt secret.yaml --age age1… --encrypted-regex '^(data|stringData)$' -i
              bosun secret encrypt app.env --age age1… --age age1… > app.enc.env
            """)

    @Argument(help: "The plaintext file (- for standard input, with --input-type).") var file: String
    @Option(name: .customLong("age"), parsing: .upToNextOption, help: "An age recipient (age1…); repeat or separate with commas.")
    var ageRecipients: [String] = []
    @Option(name: .customLong("pgp"), parsing: .upToNextOption, help: "A PGP key fingerprint in your gpg keyring; repeat or separate with commas.")
    var pgpFingerprints: [String] = []
    @Option(help: "Encrypt only the values under keys matching this regular expression.") var encryptedRegex: String?
    @Flag(help: "Cover only the encrypted values with the MAC (clear fields may then change).") var macOnlyEncrypted = false
    @Option(help: "yaml, json, dotenv or binary (default: from the file name).") var inputType: SopsFormat?
    @Flag(name: [.customShort("i"), .customLong("in-place")], help: "Replace the file instead of printing.") var inPlace = false
    @OptionGroup var keys: AgeKeyOptions

    func validate() throws {
        if inPlace && file == "-" { throw ValidationError("-i needs a file, not standard input") }
    }

    func run() async throws {
        try await runSecretCommand {
            var recipients: [AgeRecipient] = []
            for text in ageRecipients.flatMap({ $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }) where !text.isEmpty {
                guard let recipient = AgeRecipient(text) else {
                    throw SecretCLIError("--age \(text): not an age recipient (age1…; `bosun secret keygen` prints one)", code: 2)
                }
                recipients.append(recipient)
            }
            let fingerprints = pgpFingerprints.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
            if recipients.isEmpty && fingerprints.isEmpty {
                recipients = try keys.identities().identities.map(\.recipient)
                if recipients.isEmpty { throw SecretCLIError("no recipient: give --age RECIPIENT (or --pgp FPR)", code: 2) }
            }
            let input = try readSecretInput(file)
            let format = inputType ?? SopsFormat.forPath(file)
            let options = SopsFile.EncryptOptions(ageRecipients: recipients, pgpFingerprints: fingerprints, encryptedRegex: encryptedRegex,
                                                  macOnlyEncrypted: macOnlyEncrypted)
            let output = try await SopsFile.encrypt(input, format: format, name: file, options: options)
            if format == .yaml, String(decoding: input, as: UTF8.self).split(separator: "\n").contains(where: {
                !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") && $0.contains(" #") && !$0.contains("\"") && !$0.contains("'")
            }) {
                Console.error("note: comments at the end of a line are not kept (comments on their own line are, encrypted)")
            }
            if inPlace {
                try replaceKeepingMode(file, with: output)
                Console.error("encrypted \(file) to \(recipients.count + fingerprints.count) key\(recipients.count + fingerprints.count == 1 ? "" : "s")")
            } else {
                FileHandle.standardOutput.write(Data(output))
            }
        }
    }

    /// Writes beside the file and renames over it, keeping its mode.
    func replaceKeepingMode(_ path: String, with bytes: [UInt8]) throws {
        let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int ?? 0o644
        let temporary = path + ".bosun-\(UUID().uuidString.prefix(8))"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes), attributes: [.posixPermissions: mode]) else {
            throw SecretCLIError("\(path): cannot write beside the file", code: 1)
        }
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw SecretCLIError("\(path): cannot replace the file", code: 1)
        }
    }
}
