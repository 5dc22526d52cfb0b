import BosunCore
import Crypto
import Foundation

/// Hides the values of Secrets in everything Bosun prints or stores: each value under `data` and
/// `stringData` becomes a fixed mask plus a short keyed hash, `++++++++ (h:3f9a1c2e)`, so a change
/// still shows (the hash differs) while the value never does.
///
/// The hash is HMAC-SHA256 under a random key made once per process, cut to 8 hex digits: with
/// the key unknown, a short password cannot be found by hashing guesses. Hashes are therefore
/// comparable within one process only.
public enum SecretMasking {
    /// The part of every masked value that does not depend on the value.
    public static let mask = "++++++++"

    private static let key = SymmetricKey(size: .bits256)

    /// Whether `resource` is a core `Secret`, whose values must never be shown.
    public static func isSecret(_ resource: Resource) -> Bool {
        resource.kind == "Secret" && resource.group.isEmpty
    }

    /// `resource` with its secret values masked: a Secret's `data` and `stringData`, and, in any
    /// kind, the decrypted values `resource.sensitive` and `sensitive` name.
    public static func mask(_ resource: Resource, sensitive: SensitiveFields? = nil) -> Resource {
        let fields = (resource.sensitive ?? SensitiveFields()).union(sensitive)
        let masked = maskSecret(resource)
        guard !fields.isEmpty else { return masked }
        var result = masked
        result.body = fields.masking(.object(masked.body), mask: maskedText).objectValue ?? masked.body
        return result
    }

    /// A value at `path` with the decrypted values in it masked.
    public static func masking(_ value: JSONValue?, at path: FieldPath, _ sensitive: SensitiveFields) -> JSONValue? {
        guard let value, sensitive.touches(value, at: path.pointer) || sensitive.pointers.contains(path.pointer) else { return value }
        return sensitive.masking(value, at: path.pointer, mask: maskedText)
    }

    static func maskSecret(_ resource: Resource) -> Resource {
        guard isSecret(resource) else { return resource }
        var body = resource.body
        for field in ["data", "stringData"] {
            switch body[field] {
            case .object(var values):
                for entry in values { values[entry.key] = .string(maskedText(entry.value)) }
                body[field] = .object(values)
            case nil, .null?:
                continue
            case let other?:
                // Not a map (a broken manifest), but still whatever the author meant to hide.
                body[field] = .string(maskedText(other))
            }
        }
        // kubectl's copy of the last applied object carries the values in clear.
        let lastApplied = "kubectl.kubernetes.io/last-applied-configuration"
        var masked = Resource(body, source: resource.source)
        if let text = masked.annotation(lastApplied) {
            masked.setAnnotation(lastApplied, maskedText(.string(text)))
        }
        return masked
    }

    /// The mask and keyed hash standing for one value.
    public static func maskedText(_ value: JSONValue) -> String {
        let text = value.stringValue ?? value.jsonString()
        let code = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key)
        let hex = code.prefix(4).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }
        return "\(mask) (h:\(hex.joined()))"
    }

    /// A value to report at `path` of `resource`: masked when it is, or holds, a secret value.
    static func reportable(_ value: JSONValue?, at path: FieldPath, of resource: Resource) -> JSONValue? {
        guard let value, isSecret(resource), case .key(let field)? = path.segments.first,
            field == "data" || field == "stringData"
        else { return value }
        guard path.segments.count == 1, case .object(var values) = value else { return .string(maskedText(value)) }
        // The whole map: keep its keys, mask each value.
        for entry in values { values[entry.key] = .string(maskedText(entry.value)) }
        return .object(values)
    }
}
