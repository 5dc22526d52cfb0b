import Crypto
import Foundation

/// The SOPS file formats, as sops names its stores.
public enum SopsFormat: String, Sendable, CaseIterable {
    case yaml, json, dotenv, binary

    /// The format sops picks from a file name: `.yaml`/`.yml`, `.json`, `.env`, else binary
    /// (and, as Flux adds, `.dockerconfigjson` is JSON).
    public static func forPath(_ path: String) -> SopsFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") { return .yaml }
        if lower.hasSuffix(".json") || lower.hasSuffix(".dockerconfigjson") { return .json }
        if lower.hasSuffix(".env") { return .dotenv }
        return .binary
    }

    /// The format of an encrypted file from the marker its MAC line leaves, as Flux tells SOPS
    /// values apart; nil when the bytes are not a SOPS file.
    public static func detect(_ bytes: [UInt8]) -> SopsFormat? {
        func contains(_ marker: String) -> Bool {
            let needle = Array(marker.utf8)
            guard bytes.count >= needle.count, let first = needle.first else { return false }
            var i = 0
            while i <= bytes.count - needle.count {
                if bytes[i] == first && Array(bytes[i..<(i + needle.count)]) == needle { return true }
                i += 1
            }
            return false
        }
        if contains("\"mac\": \"ENC[") { return .json }
        if contains("sops_mac=ENC[") { return .dotenv }
        if contains("mac: ENC[") { return .yaml }
        return nil
    }
}

/// Reads, decrypts and writes whole SOPS files. Plaintext only ever lives in the returned values.
public enum SopsFile {
    /// Larger inputs are refused before parsing (SOPS files are small; this keeps a hostile
    /// repository from costing memory).
    public static let maxSize = 16 << 20

    /// An encrypted file, parsed.
    public struct Loaded: Sendable {
        public var document: SopsDocument
        public var format: SopsFormat
        var yaml: YAMLStore.Loaded?
        var text: String
    }

    /// The result of a decryption: the plaintext bytes as the format writes them, and the tree.
    public struct Decrypted: Sendable {
        public var plaintext: [UInt8]
        public var branches: [SopsNode]
    }

    public static func load(_ bytes: [UInt8], format: SopsFormat, name: String) throws(SopsError) -> Loaded {
        guard bytes.count <= maxSize else {
            throw SopsError(.unreadable, file: name, "the file is \(bytes.count / 1_048_576) MiB, over the \(maxSize >> 20) MiB limit for SOPS files")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw SopsError(.unreadable, file: name, "an encrypted SOPS file is UTF-8 text; this is not") }
        do throws(SopsError) {
            switch format {
            case .yaml:
                let yaml = try YAMLStore.load(text)
                return Loaded(document: yaml.document, format: format, yaml: yaml, text: text)
            case .json, .binary:
                return Loaded(document: try JSONStore.load(text), format: format, text: text)
            case .dotenv:
                return Loaded(document: try DotenvStore.load(text), format: format, text: text)
            }
        } catch {
            throw error.about(name)
        }
    }

    /// Decrypts a whole file: data key, every value, the MAC; then writes the plaintext as sops
    /// would (YAML keeps its layout and comments).
    public static func decrypt(_ bytes: [UInt8], format: SopsFormat, name: String, keys: SopsKeyring) async throws(SopsError) -> Decrypted {
        let loaded = try load(bytes, format: format, name: name)
        do throws(SopsError) {
            let dataKey = try await keys.dataKey(for: loaded.document.metadata)
            let plain = try loaded.document.decrypted(with: dataKey)
            return Decrypted(plaintext: try emitPlain(loaded, plain: plain, dataKey: dataKey), branches: plain)
        } catch {
            throw error.about(name)
        }
    }

    static func emitPlain(_ loaded: Loaded, plain: [SopsNode], dataKey: SymmetricKey) throws(SopsError) -> [UInt8] {
        switch loaded.format {
        case .yaml:
            if let yaml = loaded.yaml, let text = YAMLEmitter.plaintext(of: loaded.text, loaded: yaml, plain: plain, dataKey: dataKey) {
                return Array(text.utf8)
            }
            return Array(YAMLEmitter.emit(plain).utf8)
        case .json:
            return Array(JSONStore.emit(plain.first ?? .mapping([])).utf8)
        case .dotenv:
            return Array(try DotenvStore.emit(plain.first?.entries ?? []).utf8)
        case .binary:
            guard case .scalar(let data)? = plain.first?["data"] else {
                throw SopsError(.unreadable, "a binary SOPS file holds its bytes in the value `data`; this one has none")
            }
            return data.macBytes
        }
    }

    /// How to encrypt a new file.
    public struct EncryptOptions: Sendable {
        public var ageRecipients: [AgeRecipient]
        public var pgpFingerprints: [String]
        public var gpg: GPG
        public var encryptedRegex: String?
        public var unencryptedSuffix: String?
        public var macOnlyEncrypted: Bool

        public init(ageRecipients: [AgeRecipient], pgpFingerprints: [String] = [], gpg: GPG = GPG(homeDirectory: nil),
                    encryptedRegex: String? = nil, unencryptedSuffix: String? = nil, macOnlyEncrypted: Bool = false) {
            self.ageRecipients = ageRecipients
            self.pgpFingerprints = pgpFingerprints
            self.gpg = gpg
            self.encryptedRegex = encryptedRegex
            self.unencryptedSuffix = unencryptedSuffix
            self.macOnlyEncrypted = macOnlyEncrypted
        }
    }

    /// The format version written in new files' metadata.
    public static let writtenVersion = "3.10.2"

    /// Encrypts a plaintext file to the recipients: a new data key, each value, the MAC.
    public static func encrypt(_ plaintext: [UInt8], format: SopsFormat, name: String, options: EncryptOptions) async throws(SopsError) -> [UInt8] {
        guard plaintext.count <= maxSize else { throw SopsError(.unreadable, file: name, "the file is over the \(maxSize >> 20) MiB limit") }
        guard !options.ageRecipients.isEmpty || !options.pgpFingerprints.isEmpty else {
            throw SopsError(.cannotEncrypt, file: name, "no recipient: give --age (or --pgp)")
        }
        do throws(SopsError) {
            let branches = try loadPlain(plaintext, format: format)
            let dataKey = SymmetricKey(size: .bits256)
            let keyBytes = dataKey.withUnsafeBytes { Array($0) }
            var metadata = SopsMetadata(lastModified: GoTime.now(), mac: "", version: writtenVersion)
            metadata.encryptedRegex = options.encryptedRegex
            metadata.unencryptedSuffix = options.encryptedRegex == nil ? (options.unencryptedSuffix ?? "_unencrypted") : nil
            metadata.macOnlyEncrypted = options.macOnlyEncrypted
            for recipient in options.ageRecipients {
                let wrapped = try AgeFile.encrypt(keyBytes, to: [recipient], armor: true)
                metadata.ageKeys.append(.init(recipient: recipient.text, enc: String(decoding: wrapped, as: UTF8.self)))
            }
            for fingerprint in options.pgpFingerprints {
                let enc = try await options.gpg.encrypt(keyBytes, to: fingerprint)
                metadata.pgpKeys.append(.init(fingerprint: fingerprint, createdAt: metadata.lastModified, enc: enc))
            }
            _ = try metadata.rules()
            let document = try SopsDocument.encrypt(branches, metadata: metadata, dataKey: dataKey)
            return Array(try emitEncrypted(document, format: format).utf8)
        } catch {
            throw error.about(name)
        }
    }

    static func loadPlain(_ bytes: [UInt8], format: SopsFormat) throws(SopsError) -> [SopsNode] {
        if format == .binary {
            return [.mapping([SopsEntry(key: "data", value: .scalar(String(validating: bytes, as: UTF8.self).map(SopsScalar.string) ?? .bytes(bytes)))])]
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw SopsError(.unreadable, "the file is not UTF-8 text; encrypt it as binary") }
        let branches: [SopsNode]
        switch format {
        case .yaml: branches = try YAMLStore.loadPlain(text)
        case .json: branches = [try JSONStore.loadPlain(text)]
        case .dotenv: branches = [.mapping(try DotenvStore.loadPlain(text))]
        case .binary: branches = []
        }
        for branch in branches where branch["sops"] != nil || branch.entries?.contains(where: { $0.key.hasPrefix("sops_") && format == .dotenv }) == true {
            throw SopsError(.unreadable, "the file already has a sops block: it is encrypted")
        }
        return branches
    }

    static func emitEncrypted(_ document: SopsDocument, format: SopsFormat) throws(SopsError) -> String {
        switch format {
        case .yaml:
            let branches = (document.branches.isEmpty ? [.mapping([])] : document.branches).map { branch -> SopsNode in
                .mapping((branch.entries ?? []) + [SopsEntry(key: "sops", value: document.metadata.node)])
            }
            return YAMLEmitter.emit(branches)
        case .json, .binary:
            return JSONStore.emit(.mapping((document.branches.first?.entries ?? []) + [SopsEntry(key: "sops", value: document.metadata.node)]))
        case .dotenv:
            var flat: [SopsEntry] = []
            DotenvStore.flatten(document.metadata.node, prefix: "sops_", into: &flat)
            return try DotenvStore.emit((document.branches.first?.entries ?? []) + flat)
        }
    }
}
