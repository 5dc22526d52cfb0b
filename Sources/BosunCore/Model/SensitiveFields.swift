import Foundation

/// The values of a resource that were decrypted (SOPS) and must never be shown: where they sit
/// and what they are, so they are found again in the live object and in merged views, whatever
/// the kind. Carried by `Resource.sensitive`; not part of the manifest.
public struct SensitiveFields: Sendable, Hashable {
    /// JSON pointers (RFC 6901, list items by index) of decrypted values.
    public var pointers: Set<String>
    /// The decrypted texts (empty when only their places are known, as for a stored body).
    public var values: Set<String>

    public init(pointers: Set<String> = [], values: Set<String> = []) {
        self.pointers = pointers
        self.values = values
    }

    public var isEmpty: Bool { pointers.isEmpty && values.isEmpty }

    public func union(_ other: SensitiveFields?) -> SensitiveFields {
        guard let other else { return self }
        return SensitiveFields(pointers: pointers.union(other.pointers), values: values.union(other.values))
    }

    /// Shorter decrypted values are only masked where they are the whole string: a value of a
    /// few characters would otherwise mask half a manifest.
    public static let minimumContainedLength = 4

    /// Whether `text` is, or holds, a decrypted value.
    public func reveals(_ text: String) -> Bool {
        guard !values.isEmpty else { return false }
        if values.contains(text) { return true }
        return values.contains { $0.count >= Self.minimumContainedLength && text.contains($0) }
    }

    /// `value` (a resource body, or a part of one at `pointer`) with every decrypted value
    /// replaced by `mask(original)`: at the pointers, and any string that is or holds one.
    public func masking(_ value: JSONValue, at pointer: String = "", mask: (JSONValue) -> String) -> JSONValue {
        if pointers.contains(pointer) { return .string(mask(value)) }
        switch value {
        case .string(let text) where reveals(text):
            return .string(mask(value))
        case .object(var object):
            for entry in object.entries {
                object[entry.key] = masking(entry.value, at: pointer + "/" + Self.escape(entry.key), mask: mask)
            }
            return .object(object)
        case .array(let items):
            return .array(items.enumerated().map { masking($0.element, at: pointer + "/\($0.offset)", mask: mask) })
        default:
            return value
        }
    }

    /// Whether anything at or under `value` would be masked.
    public func touches(_ value: JSONValue?, at pointer: String = "") -> Bool {
        guard let value else { return false }
        if pointers.contains(where: { $0 == pointer || $0.hasPrefix(pointer + "/") }) && !pointer.isEmpty { return true }
        switch value {
        case .string(let text): return reveals(text)
        case .object(let object): return object.entries.contains { touches($0.value, at: pointer + "/" + Self.escape($0.key)) }
        case .array(let items): return items.enumerated().contains { touches($0.element, at: pointer + "/\($0.offset)") }
        default: return false
        }
    }

    /// `text` (an error message, a target's plan) with every decrypted value of at least
    /// `minimumContainedLength` characters, and its base64 form, replaced by `mask`.
    public func scrubbed(_ text: String, mask: String = "++++++++") -> String {
        var out = text
        for value in values.sorted(by: { $0.count > $1.count }) where value.count >= Self.minimumContainedLength {
            out = out.replacingOccurrences(of: value, with: mask)
            out = out.replacingOccurrences(of: Data(value.utf8).base64EncodedString(), with: mask)
        }
        return out
    }

    /// A key as a JSON pointer segment.
    public static func escape(_ key: String) -> String {
        guard key.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return key }
        return key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
