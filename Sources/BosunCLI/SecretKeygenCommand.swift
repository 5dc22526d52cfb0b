import ArgumentParser
import BosunSecrets
import Foundation

struct SecretKeygenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a new age identity and print it with its recipient, as age-keygen does.",
        discussion: """
            The identity (AGE-SECRET-KEY-1…) goes to standard output, or to --output with mode \
            0600; the recipient (age1…) to encrypt to is in the file's comments and on standard error.

            Example:
              bosun secret keygen -o keys/prod.agekey
            """)

    @Option(name: [.short, .long], help: "Write the key file here (mode 0600) instead of printing it.") var output: String?

    func run() async throws {
        try await runSecretCommand {
            let identity = AgeIdentity()
            let file = identity.keyFile()
            if let output {
                guard !FileManager.default.fileExists(atPath: output) else {
                    throw SecretCLIError("\(output): already exists; not overwriting a key", code: 2)
                }
                guard FileManager.default.createFile(atPath: output, contents: Data(file.utf8), attributes: [.posixPermissions: 0o600]) else {
                    throw SecretCLIError("\(output): cannot write the key file", code: 2)
                }
            } else {
                print(file, terminator: "")
            }
            Console.error("Public key: \(identity.recipient.text)")
        }
    }
}
