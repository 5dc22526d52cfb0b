import ArgumentParser
import BosunSecrets
import Foundation

/// `bosun secret`: SOPS files for the person holding the keys, so nobody needs another binary.
struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret",
        abstract: "Encrypt, decrypt and make keys for SOPS files (age and PGP), locally.",
        discussion: """
            Files are SOPS files the sops CLI reads and writes: YAML, JSON, dotenv, or any other \
            file as binary (by extension). Keys come from --age-key-file, else SOPS_AGE_KEY_FILE and \
            SOPS_AGE_KEY, as sops reads them (and ~/.config/sops/age/keys.txt); PGP keys from your \
            gpg keyring. Nothing goes through a server.

            Exit codes: 0 done; 1 the file cannot be decrypted (no key, wrong key, MAC mismatch) \
            or encrypted; 2 unreadable input.
            """,
        subcommands: [SecretEncryptCommand.self, SecretDecryptCommand.self, SecretKeygenCommand.self])
}

/// Where the age identities come from, as the sops CLI looks for them.
struct AgeKeyOptions: ParsableArguments {
    @Option(name: .customLong("age-key-file"), help: "A file of AGE-SECRET-KEY-1… lines (default: $SOPS_AGE_KEY_FILE, $SOPS_AGE_KEY).")
    var ageKeyFile: String?

    /// The identities, and a label saying where they came from.
    func identities(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (identities: [AgeIdentity], label: String) {
        if let ageKeyFile { return (try Self.read(ageKeyFile), "--age-key-file \(ageKeyFile)") }
        var identities: [AgeIdentity] = []
        var sources: [String] = []
        if let text = environment["SOPS_AGE_KEY"], !text.isEmpty {
            do {
                identities += try AgeIdentity.parseAll(text, source: "$SOPS_AGE_KEY", allowSeveralPerLine: true)
            } catch {
                throw SecretCLIError(error.description, code: 1)
            }
            sources.append("SOPS_AGE_KEY")
        }
        if let file = environment["SOPS_AGE_KEY_FILE"], !file.isEmpty {
            identities += try Self.read(file)
            sources.append("SOPS_AGE_KEY_FILE")
        }
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        let defaultFile = configHome + "/sops/age/keys.txt"
        if identities.isEmpty, FileManager.default.isReadableFile(atPath: defaultFile) {
            identities += try Self.read(defaultFile)
            sources.append(defaultFile)
        }
        return (identities, sources.isEmpty ? "no --age-key-file, SOPS_AGE_KEY_FILE or SOPS_AGE_KEY:" : sources.joined(separator: " and "))
    }

    static func read(_ file: String) throws -> [AgeIdentity] {
        guard let data = FileManager.default.contents(atPath: (file as NSString).expandingTildeInPath) else {
            throw SecretCLIError("\(file): cannot read the age key file", code: 2)
        }
        do {
            return try AgeIdentity.parseAll(String(decoding: data, as: UTF8.self), source: file)
        } catch {
            throw SecretCLIError(error.description, code: 1)
        }
    }
}

/// An error of `bosun secret`, printed as it is, with the exit code the issue names.
struct SecretCLIError: Error, CustomStringConvertible {
    var description: String
    var code: Int32
    init(_ description: String, code: Int32) {
        self.description = description
        self.code = code
    }
}

extension SopsFormat: ExpressibleByArgument {}

/// Reads the input file (or standard input for `-`), as unreadable input (exit 2) when it cannot.
func readSecretInput(_ file: String) throws -> [UInt8] {
    if file == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else {
        throw SecretCLIError("\(file): no such file", code: 2)
    }
    let size = ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.intValue ?? 0
    guard size <= SopsFile.maxSize else {
        throw SecretCLIError("\(file): the file is \(size / 1_048_576) MiB, over the \(SopsFile.maxSize >> 20) MiB limit for SOPS files", code: 2)
    }
    guard let data = FileManager.default.contents(atPath: file) else { throw SecretCLIError("\(file): cannot read the file", code: 2) }
    return Array(data)
}

/// Runs a `bosun secret` body: prints errors on standard error and exits with their code.
func runSecretCommand(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as SopsError {
        Console.error("bosun secret: \(error.description)")
        throw ExitCode(error.exitCode)
    } catch let error as SecretCLIError {
        Console.error("bosun secret: \(error.description)")
        throw ExitCode(error.code)
    }
}
