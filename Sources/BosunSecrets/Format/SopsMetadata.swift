import Foundation

/// The `sops` block of a file: who the data key is encrypted to, which values are encrypted,
/// and the encrypted MAC. Field names as the sops source spells them (`stores/stores.go`).
public struct SopsMetadata: Sendable, Hashable {
    /// An age recipient and the data key encrypted to it (an armored age file).
    public struct AgeKey: Sendable, Hashable {
        public var recipient: String
        public var enc: String
    }

    /// A PGP key (fingerprint) and the data key encrypted to it (an armored PGP message).
    public struct PGPKey: Sendable, Hashable {
        public var fingerprint: String
        public var createdAt: String
        public var enc: String
    }

    public var lastModified: String
    public var mac: String
    public var version: String
    public var ageKeys: [AgeKey] = []
    public var pgpKeys: [PGPKey] = []
    /// Key types Bosun does not unwrap (kms, gcp_kms, azure_kv, hc_vault, hckms) that the file names.
    public var otherKeyTypes: [String] = []
    public var unencryptedSuffix: String?
    public var encryptedSuffix: String?
    public var unencryptedRegex: String?
    public var encryptedRegex: String?
    public var macOnlyEncrypted = false

    public init(lastModified: String, mac: String, version: String) {
        self.lastModified = lastModified
        self.mac = mac
        self.version = version
    }

    static let keyTypes = ["age", "pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms"]
    static let ruleFields = ["unencrypted_suffix", "encrypted_suffix", "unencrypted_regex", "encrypted_regex",
                             "unencrypted_comment_regex", "encrypted_comment_regex"]

    /// Reads the block as the stores load it (already unflattened for dotenv).
    init(_ node: SopsNode) throws(SopsError) {
        guard case .mapping = node else { throw SopsError(.unreadable, "the sops block is not a mapping") }
        func text(_ key: String) throws(SopsError) -> String? {
            switch node[key] {
            case nil, .null?: return nil
            case .scalar(let s)?: return s.text
            default: throw SopsError(.unreadable, "sops.\(key) is not a single value")
            }
        }
        guard let lastModified = try text("lastmodified") else { throw SopsError(.unreadable, "the sops block has no lastmodified") }
        guard GoTime.normalized(lastModified) != nil else { throw SopsError(.unreadable, "sops.lastmodified is not an RFC 3339 time") }
        guard let mac = try text("mac") else { throw SopsError(.unreadable, "the sops block has no mac") }
        self.init(lastModified: lastModified, mac: mac, version: try text("version") ?? "")
        unencryptedSuffix = try text("unencrypted_suffix").flatMap { $0.isEmpty ? nil : $0 }
        encryptedSuffix = try text("encrypted_suffix").flatMap { $0.isEmpty ? nil : $0 }
        unencryptedRegex = try text("unencrypted_regex").flatMap { $0.isEmpty ? nil : $0 }
        encryptedRegex = try text("encrypted_regex").flatMap { $0.isEmpty ? nil : $0 }
        if let flag = try text("mac_only_encrypted") {
            switch flag.lowercased() {
            case "true", "1", "t": macOnlyEncrypted = true
            case "false", "0", "f", "": macOnlyEncrypted = false
            default: throw SopsError(.unreadable, "sops.mac_only_encrypted is not true or false")
            }
        }
        for field in ["unencrypted_comment_regex", "encrypted_comment_regex"] where try text(field).map({ !$0.isEmpty }) == true {
            throw SopsError(.unsupported, "the file uses sops.\(field), which Bosun does not support; re-encrypt it with encrypted_regex or a suffix rule")
        }
        let rules = [unencryptedSuffix, encryptedSuffix, unencryptedRegex, encryptedRegex].compactMap { $0 }.count
        if rules > 1 {
            throw SopsError(.unreadable, "the sops block sets more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex and unencrypted_regex")
        }
        if rules == 0 { unencryptedSuffix = "_unencrypted" }

        var group = node
        if let groups = node["key_groups"], case .sequence(let list) = groups {
            let real = list.filter { if case .comment = $0 { false } else { true } }
            if real.count > 1 {
                throw SopsError(.unsupported, "the data key is split over \(real.count) key groups (Shamir's secret sharing, threshold \(try text("shamir_threshold") ?? "\(real.count)")), which Bosun does not support; re-encrypt to a single group of age or PGP keys")
            }
            if let only = real.first { group = only }
        }
        try readKeys(group)
        if ageKeys.isEmpty && pgpKeys.isEmpty && otherKeyTypes.isEmpty {
            throw SopsError(.unreadable, "the sops block names no key the data key is encrypted to (no age, pgp or other keys)")
        }
    }

    mutating func readKeys(_ group: SopsNode) throws(SopsError) {
        func items(_ key: String) throws(SopsError) -> [SopsNode] {
            switch group[key] {
            case nil, .null?: return []
            case .sequence(let list)?: return list.filter { if case .comment = $0 { false } else { true } }
            default: throw SopsError(.unreadable, "sops.\(key) is not a list")
            }
        }
        func field(_ item: SopsNode, _ name: String, of list: String) throws(SopsError) -> String {
            guard case .scalar(let s)? = item[name] else { throw SopsError(.unreadable, "an entry of sops.\(list) has no \(name)") }
            return s.text
        }
        for item in try items("age") {
            ageKeys.append(AgeKey(recipient: try field(item, "recipient", of: "age"), enc: try field(item, "enc", of: "age")))
        }
        for item in try items("pgp") {
            pgpKeys.append(PGPKey(fingerprint: try field(item, "fp", of: "pgp"), createdAt: (try? field(item, "created_at", of: "pgp")) ?? "",
                                  enc: try field(item, "enc", of: "pgp")))
        }
        for type in ["kms", "gcp_kms", "azure_kv", "hc_vault", "hckms"] where !(try items(type)).isEmpty { otherKeyTypes.append(type) }
    }

    /// The block as SOPS serialises it: keys in alphabetical order, empty fields left out.
    var node: SopsNode {
        var entries: [SopsEntry] = []
        if !ageKeys.isEmpty {
            entries.append(SopsEntry(key: "age", value: .sequence(ageKeys.map {
                .mapping([SopsEntry(key: "enc", value: .scalar(.string($0.enc))), SopsEntry(key: "recipient", value: .scalar(.string($0.recipient)))])
            })))
        }
        if let encryptedRegex { entries.append(SopsEntry(key: "encrypted_regex", value: .scalar(.string(encryptedRegex)))) }
        if let encryptedSuffix { entries.append(SopsEntry(key: "encrypted_suffix", value: .scalar(.string(encryptedSuffix)))) }
        entries.append(SopsEntry(key: "lastmodified", value: .scalar(.string(lastModified))))
        entries.append(SopsEntry(key: "mac", value: .scalar(.string(mac))))
        if macOnlyEncrypted { entries.append(SopsEntry(key: "mac_only_encrypted", value: .scalar(.bool(true)))) }
        if !pgpKeys.isEmpty {
            entries.append(SopsEntry(key: "pgp", value: .sequence(pgpKeys.map {
                .mapping([SopsEntry(key: "created_at", value: .scalar(.string($0.createdAt))), SopsEntry(key: "enc", value: .scalar(.string($0.enc))),
                          SopsEntry(key: "fp", value: .scalar(.string($0.fingerprint)))])
            })))
        }
        if let unencryptedRegex { entries.append(SopsEntry(key: "unencrypted_regex", value: .scalar(.string(unencryptedRegex)))) }
        if let unencryptedSuffix { entries.append(SopsEntry(key: "unencrypted_suffix", value: .scalar(.string(unencryptedSuffix)))) }
        entries.append(SopsEntry(key: "version", value: .scalar(.string(version))))
        return .mapping(entries)
    }

    /// The additional data of the MAC: `lastmodified` as Go re-formats it (RFC 3339, no fraction).
    var macAdditionalData: String { GoTime.normalized(lastModified, keepFraction: false) ?? lastModified }

    /// Which values are encrypted, from the suffix and regex rules (shared between files with
    /// the same rule: the regex is compiled once and its answers per key kept).
    func rules() throws(SopsError) -> EncryptionRules { try EncryptionRules.shared(for: self) }
}

/// Decides, from a value's key path, whether SOPS encrypts it (`Tree.shouldBeEncrypted`).
final class EncryptionRules: @unchecked Sendable {
    enum Rule {
        case unencryptedSuffix(String)
        case encryptedSuffix(String)
        case unencryptedRegex(NSRegularExpression)
        case encryptedRegex(NSRegularExpression)
    }

    let rule: Rule
    /// Regex answers per key: the same few keys repeat in every document.
    private var matches: [String: Bool] = [:]
    private let lock = NSLock()

    private static let cacheLock = NSLock()
    nonisolated(unsafe) private static var cache: [String: EncryptionRules] = [:]

    static func shared(for metadata: SopsMetadata) throws(SopsError) -> EncryptionRules {
        let key = [metadata.encryptedSuffix, metadata.unencryptedRegex, metadata.encryptedRegex, metadata.unencryptedSuffix].map { $0 ?? "\u{0}" }
            .joined(separator: "\u{1}")
        if let rules = cacheLock.withLock({ cache[key] }) { return rules }
        let rules = try EncryptionRules(metadata)
        cacheLock.withLock {
            if cache.count > 256 { cache.removeAll() }
            cache[key] = rules
        }
        return rules
    }

    init(_ metadata: SopsMetadata) throws(SopsError) {
        func compile(_ pattern: String, _ field: String) throws(SopsError) -> NSRegularExpression {
            do { return try NSRegularExpression(pattern: pattern) } catch {
                throw SopsError(.unreadable, "sops.\(field) is not a valid regular expression")
            }
        }
        if let s = metadata.encryptedSuffix { rule = .encryptedSuffix(s) }
        else if let r = metadata.unencryptedRegex { rule = .unencryptedRegex(try compile(r, "unencrypted_regex")) }
        else if let r = metadata.encryptedRegex { rule = .encryptedRegex(try compile(r, "encrypted_regex")) }
        else { rule = .unencryptedSuffix(metadata.unencryptedSuffix ?? "_unencrypted") }
    }

    private func matches(_ regex: NSRegularExpression, _ key: String) -> Bool {
        if let known = lock.withLock({ matches[key] }) { return known }
        let found = regex.firstMatch(in: key, range: NSRange(key.startIndex..., in: key)) != nil
        lock.withLock {
            if matches.count > 10_000 { matches.removeAll() }
            matches[key] = found
        }
        return found
    }

    func shouldEncrypt(_ path: [String]) -> Bool {
        switch rule {
        case .unencryptedSuffix(let suffix): !path.contains { $0.hasSuffix(suffix) }
        case .encryptedSuffix(let suffix): path.contains { $0.hasSuffix(suffix) }
        case .unencryptedRegex(let regex): !path.contains { matches(regex, $0) }
        case .encryptedRegex(let regex): path.contains { matches(regex, $0) }
        }
    }
}
