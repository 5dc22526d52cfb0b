/// Why a SOPS file could not be read, decrypted or written. The message names the file and
/// the field, never a value: errors end up in events, logs and API answers.
public struct SopsError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, so the CLI can pick an exit code and the engine a message.
    public enum Code: String, Sendable {
        /// The bytes are not a SOPS file Bosun can read: bad YAML/JSON, a missing or malformed
        /// `sops` block, an unknown value type, too large. The CLI exits 2.
        case unreadable
        /// No key held opens the file's data key (no key at all, or only other recipients).
        case noKey
        /// A value or the MAC does not authenticate: the file was changed after encryption.
        case tampered
        /// A part of the format Bosun does not implement (Shamir key groups, KMS-only files).
        case unsupported
        /// Encryption could not be done (no recipient, a bad recipient, gpg failing).
        case cannotEncrypt
    }

    public var code: Code
    /// The file (or resource) the error is about; prefixed to the message.
    public var file: String
    public var message: String

    public init(_ code: Code, file: String = "", _ message: String) {
        self.code = code
        self.file = file
        self.message = message
    }

    /// The same error about another file (set once the caller knows the name).
    public func about(_ file: String) -> SopsError {
        var copy = self
        if copy.file.isEmpty { copy.file = file }
        return copy
    }

    public var description: String { file.isEmpty ? message : "\(file): \(message)" }

    /// The CLI's exit code: 1 when the file cannot be decrypted, 2 for input it cannot read.
    public var exitCode: Int32 {
        switch code {
        case .unreadable: 2
        case .noKey, .tampered, .unsupported, .cannotEncrypt: 1
        }
    }
}
