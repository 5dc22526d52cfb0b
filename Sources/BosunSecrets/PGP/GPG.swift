import Foundation
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// PGP through the `gpg` program: SOPS data keys wrapped to PGP keys are unwrapped by gpg with
/// a keyring (Bosun's own under the data directory, or the user's for the CLI).
public struct GPG: Sendable {
    /// The keyring folder (`--homedir`); nil uses gpg's default (`$GNUPGHOME` or `~/.gnupg`).
    public let homeDirectory: String?
    let timeout: Duration

    public init(homeDirectory: String?, timeout: Duration = .seconds(60)) {
        self.homeDirectory = homeDirectory
        self.timeout = timeout
    }

    /// Whether `gpg` is on PATH.
    public static var isAvailable: Bool { executable != nil }

    static var executable: String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        return dirs.map { "\($0)/gpg" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A keyring folder Bosun owns: created with mode 0700 (gpg refuses looser ones).
    public static func ownedKeyring(at path: String) throws(SopsError) -> GPG {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        } catch {
            throw SopsError(.unreadable, file: path, "cannot create the PGP keyring folder: \(error.localizedDescription)")
        }
        return GPG(homeDirectory: path)
    }

    /// Imports key files (armored or binary, private keys included).
    public func importKeys(_ files: [String]) async throws(SopsError) {
        for file in files {
            let result = try await run(["--import", file], input: [])
            guard result.status == 0 else {
                throw SopsError(.unreadable, file: file, "gpg could not import the key file: \(Self.reason(result.stderr))")
            }
        }
    }

    /// The fingerprints of the secret keys (and their subkeys) in the keyring.
    public func secretKeyFingerprints() async throws(SopsError) -> [String] {
        let result = try await run(["--list-secret-keys", "--with-colons", "--fingerprint"], input: [])
        guard result.status == 0 || result.stderr.isEmpty else { return [] }
        return result.stdout.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.first == "fpr", fields.count > 9 else { return nil }
            return String(fields[9])
        }
    }

    /// Unwraps a SOPS data key from an armored PGP message.
    public func decrypt(_ message: String) async throws(SopsError) -> [UInt8] {
        let result = try await run(["--decrypt"], input: Array(message.utf8))
        guard result.status == 0 else {
            throw SopsError(.noKey, "gpg could not decrypt the data key: \(Self.reason(result.stderr))")
        }
        return result.output
    }

    /// Wraps a data key to a PGP key (a fingerprint gpg finds in the keyring), armored.
    public func encrypt(_ bytes: [UInt8], to fingerprint: String) async throws(SopsError) -> String {
        let result = try await run(["--armor", "--trust-model", "always", "--encrypt", "--recipient", fingerprint], input: bytes)
        guard result.status == 0 else {
            throw SopsError(.cannotEncrypt, "gpg could not encrypt to \(fingerprint): \(Self.reason(result.stderr))")
        }
        return String(decoding: result.output, as: UTF8.self)
    }

    struct Result: Sendable {
        var status: Int32
        var output: [UInt8]
        var stdout: String { String(decoding: output, as: UTF8.self) }
        var stderr: String
    }

    func run(_ arguments: [String], input: [UInt8]) async throws(SopsError) -> Result {
        guard let executable = Self.executable else {
            throw SopsError(.unsupported, "PGP keys need the `gpg` program on PATH; install GnuPG")
        }
        let all = ["--batch", "--quiet", "--no-tty", "--yes"] + (homeDirectory.map { ["--homedir", $0] } ?? []) + arguments
        let timeout = self.timeout
        do {
            return try await withThrowingTaskGroup(of: Result?.self) { group in
                group.addTask {
                    let result = try await Subprocess.run(
                        .path(FilePath(executable)), arguments: Arguments(all), input: .array(input),
                        output: .bytes(limit: 16 << 20), error: .string(limit: 1 << 20))
                    let status: Int32
                    switch result.terminationStatus {
                    case .exited(let code): status = code
                    case .signaled(let signal): status = 128 + signal
                    }
                    return Result(status: status, output: result.standardOutput, stderr: result.standardError)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                guard let first = try await group.next(), let result = first else {
                    group.cancelAll()
                    throw SopsError(.noKey, "gpg did not answer within \(timeout) (waiting for a passphrase?)")
                }
                group.cancelAll()
                return result
            }
        } catch let error as SopsError {
            throw error
        } catch {
            throw SopsError(.unsupported, "gpg could not be run: \(error)")
        }
    }

    /// gpg's reason in a few words: its last line, without the `gpg: ` prefix.
    static func reason(_ stderr: String) -> String {
        let lines = stderr.split(separator: "\n").map { $0.hasPrefix("gpg: ") ? String($0.dropFirst(5)) : String($0) }
        return lines.last(where: { !$0.isEmpty }) ?? "no reason given"
    }
}
