import Crypto
import Foundation

/// A SOPS file read by a store: its branches (one per YAML document; the `sops` block taken
/// out) and its metadata. Decrypting verifies the MAC: SHA-512 over every value in order (or
/// only the encrypted ones with `mac_only_encrypted`), stored encrypted under the data key with
/// `lastmodified` as additional data.
public struct SopsDocument: Sendable {
    public var branches: [SopsNode]
    public var metadata: SopsMetadata

    public init(branches: [SopsNode], metadata: SopsMetadata) {
        self.branches = branches
        self.metadata = metadata
    }

    /// "sops" (the first 32 bytes of its SHA-256), hashed first when only encrypted values are in
    /// the MAC, so such a MAC never equals one over every value.
    static let macOnlyEncryptedInitialization: [UInt8] = Array(SHA256.hash(data: Data("sops".utf8)))

    /// The branches in clear, after checking every value and the MAC.
    public func decrypted(with dataKey: SymmetricKey) throws(SopsError) -> [SopsNode] {
        var walker = try Walker(metadata: metadata, key: dataKey, encrypting: false)
        let plain = try branches.map { (branch) throws(SopsError) -> SopsNode in try walker.walk(branch) }
        let computed = walker.macHex()
        let stored: String
        do {
            stored = try ValueCipher.decrypt(metadata.mac, key: dataKey, path: metadata.macAdditionalData).text
        } catch {
            throw SopsError(.tampered, "the MAC does not authenticate: the sops block was changed (lastmodified or mac)")
        }
        guard !stored.isEmpty else { throw SopsError(.tampered, "the file has no MAC") }
        guard stored == computed else {
            throw SopsError(.tampered, "MAC mismatch: the file was changed after it was encrypted")
        }
        return plain
    }

    /// Encrypts plain branches with `dataKey` under `metadata`'s rules; the returned document
    /// carries the new MAC.
    public static func encrypt(_ branches: [SopsNode], metadata: SopsMetadata, dataKey: SymmetricKey) throws(SopsError) -> SopsDocument {
        var walker = try Walker(metadata: metadata, key: dataKey, encrypting: true)
        let encrypted = try branches.map { (branch) throws(SopsError) -> SopsNode in try walker.walk(branch) }
        var sealed = metadata
        sealed.mac = try ValueCipher.encrypt(Array(walker.macHex().utf8), type: "str", key: dataKey, path: metadata.macAdditionalData)
        return SopsDocument(branches: encrypted, metadata: sealed)
    }

    /// Walks a tree in SOPS's order, encrypting or decrypting each value and hashing it for the MAC.
    struct Walker {
        let rules: EncryptionRules
        let key: SymmetricKey
        let encrypting: Bool
        let macOnlyEncrypted: Bool
        var hash = SHA512()
        var path: [String] = []

        init(metadata: SopsMetadata, key: SymmetricKey, encrypting: Bool) throws(SopsError) {
            rules = try metadata.rules()
            self.key = key
            self.encrypting = encrypting
            macOnlyEncrypted = metadata.macOnlyEncrypted
            if macOnlyEncrypted { hash.update(data: SopsDocument.macOnlyEncryptedInitialization) }
        }

        func macHex() -> String {
            hash.finalize().map { byte in
                let digits = String(byte, radix: 16, uppercase: true)
                return digits.count == 1 ? "0" + digits : digits
            }.joined()
        }

        var aad: String { path.joined(separator: ":") + ":" }

        mutating func walk(_ node: SopsNode) throws(SopsError) -> SopsNode {
            switch node {
            case .mapping(let entries):
                var out: [SopsEntry] = []
                out.reserveCapacity(entries.count)
                for entry in entries {
                    if entry.isComment {
                        out.append(.comment(comment(entry.key)))
                        continue
                    }
                    path.append(entry.key)
                    defer { path.removeLast() }
                    out.append(SopsEntry(key: entry.key, value: try walk(entry.value)))
                }
                return .mapping(out)
            case .sequence(let items):
                // Items share their list's path: SOPS does not add the index.
                var out: [SopsNode] = []
                out.reserveCapacity(items.count)
                for item in items { out.append(try walk(item)) }
                return .sequence(out)
            case .comment(let text):
                return .comment(comment(text))
            case .null:
                return .null
            case .scalar(let scalar):
                return try leaf(scalar)
            }
        }

        /// Comments are encrypted like values but never part of the MAC; one that does not
        /// decrypt is kept as written (SOPS does the same for files from older versions).
        func comment(_ text: String) -> String {
            guard rules.shouldEncrypt(path) else { return text }
            if encrypting { return (try? ValueCipher.encrypt(Array(text.utf8), type: "comment", key: key, path: aad)) ?? text }
            guard ValueCipher.isToken(text), let plain = try? ValueCipher.decrypt(text, key: key, path: aad) else { return text }
            return plain.text
        }

        mutating func leaf(_ scalar: SopsScalar) throws(SopsError) -> SopsNode {
            let encrypted = rules.shouldEncrypt(path)
            let counted = !macOnlyEncrypted || encrypted
            if encrypting {
                if counted { hash.update(data: scalar.macBytes) }
                guard encrypted else { return .scalar(scalar) }
                return .scalar(.string(try ValueCipher.encrypt(scalar.macBytes, type: scalar.typeName, key: key, path: aad)))
            }
            guard encrypted else {
                if counted { hash.update(data: scalar.macBytes) }
                return .scalar(scalar)
            }
            guard case .string(let text) = scalar else {
                throw SopsError(.unreadable, "the value at \(ValueCipher.display(aad)) should be encrypted but is a plain \(scalar.typeName)")
            }
            let plain = try ValueCipher.decrypt(text, key: key, path: aad)
            if counted { hash.update(data: plain.macBytes) }
            return .scalar(plain)
        }
    }
}
