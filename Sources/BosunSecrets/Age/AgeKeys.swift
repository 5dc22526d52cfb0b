import Crypto
import Foundation

/// An age X25519 identity (`AGE-SECRET-KEY-1…`): the private half that unwraps file keys.
public struct AgeIdentity: Sendable {
    let privateKey: Curve25519.KeyAgreement.PrivateKey

    /// A new random identity.
    public init() { privateKey = Curve25519.KeyAgreement.PrivateKey() }

    /// Parses `AGE-SECRET-KEY-1…`; nil when it is not a valid X25519 identity.
    public init?(_ text: String) {
        guard let (hrp, data) = Bech32.decode(text.trimmingCharacters(in: .whitespaces)), hrp == "age-secret-key-", data.count == 32,
            let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: data)
        else { return nil }
        privateKey = key
    }

    /// The identity as age writes it.
    public var text: String { Bech32.encode(hrp: "AGE-SECRET-KEY-", data: Array(privateKey.rawRepresentation)) }

    /// The recipient files are encrypted to for this identity.
    public var recipient: AgeRecipient { AgeRecipient(publicKey: privateKey.publicKey) }

    /// Every identity in a text of `AGE-SECRET-KEY-1…` lines (a key file, or the value of
    /// `SOPS_AGE_KEY`); blank lines and `#` comments are skipped. `allowSeveralPerLine` splits
    /// lines on spaces, as sops does for the environment variable. The error names the line,
    /// never its content.
    public static func parseAll(_ text: String, source: String, allowSeveralPerLine: Bool = false) throws(SopsError) -> [AgeIdentity] {
        var identities: [AgeIdentity] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let words = allowSeveralPerLine ? line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) : [line]
            for word in words {
                guard let identity = AgeIdentity(word) else {
                    let kind = word.hasPrefix("AGE-PLUGIN-") ? "an age plugin identity (not supported)"
                        : word.hasPrefix("AGE-SECRET-KEY-PQ-") ? "a post-quantum age identity (not supported)"
                        : "not an age identity (AGE-SECRET-KEY-1…)"
                    throw SopsError(.unreadable, file: source, "line \(index + 1) is \(kind)")
                }
                identities.append(identity)
            }
        }
        return identities
    }

    /// The key file age-keygen writes: a created comment, the public key comment, the identity.
    public func keyFile(created: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return "# created: \(formatter.string(from: created))\n# public key: \(recipient.text)\n\(text)\n"
    }
}

/// An age X25519 recipient (`age1…`): the public key files are encrypted to.
public struct AgeRecipient: Sendable, Hashable, CustomStringConvertible {
    let publicKey: Curve25519.KeyAgreement.PublicKey

    init(publicKey: Curve25519.KeyAgreement.PublicKey) { self.publicKey = publicKey }

    /// Parses `age1…`; nil when it is not a valid X25519 recipient.
    public init?(_ text: String) {
        guard let (hrp, data) = Bech32.decode(text.trimmingCharacters(in: .whitespaces)), hrp == "age", data.count == 32,
            let key = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: data)
        else { return nil }
        publicKey = key
    }

    /// The recipient as age writes it.
    public var text: String { Bech32.encode(hrp: "age", data: Array(publicKey.rawRepresentation)) }
    public var description: String { text }

    public static func == (a: AgeRecipient, b: AgeRecipient) -> Bool { a.publicKey.rawRepresentation == b.publicKey.rawRepresentation }
    public func hash(into hasher: inout Hasher) { hasher.combine(publicKey.rawRepresentation) }
}
