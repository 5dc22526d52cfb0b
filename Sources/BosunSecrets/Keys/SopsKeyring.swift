import Crypto
import Foundation

/// The keys one holder has (an application's named keys, or the CLI user's): age identities and
/// optionally a gpg keyring. Unwraps a file's data key with the first key that opens it; data
/// keys already unwrapped are kept in memory by the encrypted key that held them, so a file
/// seen again costs no age or gpg work.
public final class SopsKeyring: Sendable {
    public let ageIdentities: [AgeIdentity]
    /// PGP keyrings, tried in order.
    public let gpgs: [GPG]
    /// What the keys are called in messages (`decryptionKeys prod`, `SOPS_AGE_KEY_FILE`).
    public let label: String
    let cache = DataKeyCache()

    public convenience init(ageIdentities: [AgeIdentity], gpg: GPG? = nil, label: String = "the keys held") {
        self.init(ageIdentities: ageIdentities, gpgs: gpg.map { [$0] } ?? [], label: label)
    }

    public init(ageIdentities: [AgeIdentity], gpgs: [GPG], label: String) {
        self.ageIdentities = ageIdentities
        self.gpgs = gpgs
        self.label = label
    }

    /// The age recipients of the identities held.
    public var ageRecipients: [String] { ageIdentities.map(\.recipient.text) }

    /// The file's data key, or `.noKey` naming the recipients the file is encrypted to.
    public func dataKey(for metadata: SopsMetadata) async throws(SopsError) -> SymmetricKey {
        let wrapped = metadata.ageKeys.map(\.enc) + metadata.pgpKeys.map(\.enc)
        for enc in wrapped { if let key = cache.get(enc) { return key } }
        var reasons: [String] = []
        if !ageIdentities.isEmpty {
            for stanza in metadata.ageKeys {
                do {
                    let bytes = try AgeFile.decrypt(Array(stanza.enc.utf8), identities: ageIdentities)
                    return try accept(bytes, enc: stanza.enc)
                } catch where error.code == .noKey {
                    continue
                } catch {
                    reasons.append("age recipient \(stanza.recipient.prefix(16))…: \(error.message)")
                }
            }
        }
        for gpg in gpgs {
            for stanza in metadata.pgpKeys {
                do {
                    return try accept(try await gpg.decrypt(stanza.enc), enc: stanza.enc)
                } catch {
                    reasons.append("PGP key \(stanza.fingerprint): \(error.message)")
                }
            }
        }
        var to = metadata.ageKeys.map { "age \($0.recipient)" } + metadata.pgpKeys.map { "PGP \($0.fingerprint)" }
        to += metadata.otherKeyTypes.map { "\($0) (not supported by Bosun)" }
        var held = ageRecipients.map { "age \($0)" }
        if !gpgs.isEmpty { held.append("a PGP keyring") }
        let detail = reasons.isEmpty ? "" : " (\(reasons.joined(separator: "; ")))"
        throw SopsError(.noKey, "no key held opens the data key: the file is encrypted to \(to.joined(separator: ", ")); \(label) hold \(held.isEmpty ? "no key at all" : held.joined(separator: ", "))\(detail)")
    }

    func accept(_ bytes: [UInt8], enc: String) throws(SopsError) -> SymmetricKey {
        guard bytes.count == 32 else { throw SopsError(.tampered, "the unwrapped data key is \(bytes.count) bytes, not 32") }
        let key = SymmetricKey(data: bytes)
        cache.put(enc, key)
        return key
    }
}

/// Data keys by the encrypted form they were unwrapped from (its SHA-256): the same ciphertext
/// always opens to the same key. Bounded; cleared when full.
final class DataKeyCache: @unchecked Sendable {
    private let lock = NSLock()
    private var keys: [SHA256Digest: SymmetricKey] = [:]
    static let limit = 50_000

    func get(_ enc: String) -> SymmetricKey? {
        let digest = SHA256.hash(data: Data(enc.utf8))
        return lock.withLock { keys[digest] }
    }

    func put(_ enc: String, _ key: SymmetricKey) {
        let digest = SHA256.hash(data: Data(enc.utf8))
        lock.withLock {
            if keys.count >= Self.limit { keys.removeAll() }
            keys[digest] = key
        }
    }
}
