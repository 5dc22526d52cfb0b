import BosunCore
import Crypto
import Foundation

/// What the inventory keeps of a decrypted object: its body with every decrypted value replaced
/// by a keyed hash (HMAC-SHA-256 under the store's key, over the value's place and text). The
/// three-way diff needs only which fields were applied, so the hashes serve it; a hash shows
/// whether a value changed without telling what it is.
public enum Sealing {
    public static let prefix = "bosun-sealed:"

    /// `resource` with its sensitive values sealed; unchanged when it has none.
    public static func seal(_ resource: Resource, key: [UInt8]) -> Resource {
        guard let sensitive = resource.sensitive, !sensitive.isEmpty else { return resource }
        var sealed = resource
        sealed.body = sealValue(.object(resource.body), pointer: "", sensitive: sensitive, key: key).objectValue ?? resource.body
        return sealed
    }

    static func sealValue(_ value: JSONValue, pointer: String, sensitive: SensitiveFields, key: [UInt8]) -> JSONValue {
        if sensitive.pointers.contains(pointer) { return .string(seal(value, at: pointer, key: key)) }
        switch value {
        case .string(let text) where sensitive.reveals(text): return .string(seal(value, at: pointer, key: key))
        case .object(var object):
            for entry in object.entries {
                object[entry.key] = sealValue(entry.value, pointer: pointer + "/" + SensitiveFields.escape(entry.key), sensitive: sensitive, key: key)
            }
            return .object(object)
        case .array(let items):
            return .array(items.enumerated().map { sealValue($0.element, pointer: pointer + "/\($0.offset)", sensitive: sensitive, key: key) })
        default:
            return value
        }
    }

    static func seal(_ value: JSONValue, at pointer: String, key: [UInt8]) -> String {
        let text = value.stringValue ?? value.jsonString()
        let code = HMAC<SHA256>.authenticationCode(for: Data((pointer + "\u{0}" + text).utf8), using: SymmetricKey(data: key))
        return prefix + code.map { String(format: "%02x", $0) }.joined()
    }

    /// A stored body with `sensitive` set to the places of its sealed values, so the diff masks
    /// those places in the live object too.
    public static func marked(_ stored: Resource) -> Resource {
        // Most bodies hold nothing sealed: find that out without building a pointer per field.
        guard holdsSealed(.object(stored.body)) else { return stored }
        var pointers = Set<String>()
        collect(.object(stored.body), pointer: "", into: &pointers)
        var marked = stored
        marked.sensitive = SensitiveFields(pointers: pointers).union(stored.sensitive)
        return marked
    }

    static func holdsSealed(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): text.hasPrefix(prefix)
        case .object(let object): object.entries.contains { holdsSealed($0.value) }
        case .array(let items): items.contains(where: holdsSealed)
        default: false
        }
    }

    static func collect(_ value: JSONValue, pointer: String, into pointers: inout Set<String>) {
        switch value {
        case .string(let text) where text.hasPrefix(prefix): pointers.insert(pointer)
        case .object(let object): for entry in object.entries { collect(entry.value, pointer: pointer + "/" + SensitiveFields.escape(entry.key), into: &pointers) }
        case .array(let items): for (i, item) in items.enumerated() { collect(item, pointer: pointer + "/\(i)", into: &pointers) }
        default: break
        }
    }

    /// The stored body with each sealed value replaced by the live value at the same place when
    /// that value seals to the same hash (it is what Bosun applied): what health checks compare.
    public static func unsealed(_ stored: Resource, live: Resource?, key: [UInt8]) -> Resource {
        guard let live else { return stored }
        var result = stored
        result.body = unseal(.object(stored.body), live: .object(live.body), pointer: "", key: key).objectValue ?? stored.body
        return result
    }

    static func unseal(_ value: JSONValue, live: JSONValue?, pointer: String, key: [UInt8]) -> JSONValue {
        switch value {
        case .string(let text) where text.hasPrefix(prefix):
            guard let live, seal(live, at: pointer, key: key) == text else { return value }
            return live
        case .object(var object):
            for entry in object.entries {
                object[entry.key] = unseal(entry.value, live: live?[entry.key], pointer: pointer + "/" + SensitiveFields.escape(entry.key), key: key)
            }
            return .object(object)
        case .array(let items):
            let liveItems = live?.arrayValue
            return .array(items.enumerated().map { offset, item in
                unseal(item, live: liveItems.flatMap { offset < $0.count ? $0[offset] : nil }, pointer: pointer + "/\(offset)", key: key)
            })
        default:
            return value
        }
    }
}
