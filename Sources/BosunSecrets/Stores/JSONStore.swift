import BosunCore
import Foundation

/// SOPS's JSON store (one object, the `sops` block a member of it) and its binary store (any
/// bytes as the single value `data` of such an object).
enum JSONStore {
    static func load(_ text: String) throws(SopsError) -> SopsDocument {
        guard case .mapping(var entries) = try loadPlain(text) else { throw SopsError(.unreadable, "the JSON is not an object") }
        guard let index = entries.firstIndex(where: { $0.key == "sops" }) else {
            throw SopsError(.unreadable, "no sops block: the file is not encrypted with SOPS")
        }
        let metadata = try SopsMetadata(entries[index].value)
        entries.remove(at: index)
        return SopsDocument(branches: [.mapping(entries)], metadata: metadata)
    }

    static func loadPlain(_ text: String) throws(SopsError) -> SopsNode {
        let value: JSONValue
        do {
            value = try JSONParser.parse(YAMLDecoder.withoutByteOrderMark(text))
        } catch {
            throw SopsError(.unreadable, "invalid JSON: \(error)")
        }
        guard case .object = value else {
            throw SopsError(.unreadable, "SOPS JSON files hold an object at the top, found a \(value.typeName)")
        }
        return node(value)
    }

    static func node(_ value: JSONValue) -> SopsNode {
        switch value {
        case .null: .null
        case .bool(let b): .scalar(.bool(b))
        case .int(let i): .scalar(.int(i))
        case .double(let d): .scalar(.float(d))
        case .string(let s): .scalar(.string(s))
        case .array(let items): .sequence(items.map(node))
        case .object(let object): .mapping(object.entries.map { SopsEntry(key: $0.key, value: node($0.value)) })
        }
    }

    /// A decrypted tree as a JSON value (comments dropped, times and bytes as strings).
    static func json(_ node: SopsNode) -> JSONValue {
        switch node {
        case .null, .comment: .null
        case .scalar(let scalar):
            switch scalar {
            case .bool(let b): .bool(b)
            case .int(let i): .int(i)
            case .float(let d): .double(d)
            case .string(let s), .time(let s): .string(s)
            case .bytes(let b): .string(String(decoding: b, as: UTF8.self))
            }
        case .sequence(let items): .array(items.compactMap { if case .comment = $0 { nil } else { json($0) } })
        case .mapping(let entries): .object(JSONObject(entries.filter { !$0.isComment }.map { .init(key: $0.key, value: json($0.value)) }))
        }
    }

    /// As sops writes JSON: tab-indented, `"key": value`, a final newline.
    static func emit(_ node: SopsNode) -> String {
        var out = ""
        write(node, level: 0, into: &out)
        return out + "\n"
    }

    static func write(_ node: SopsNode, level: Int, into out: inout String) {
        let indent = String(repeating: "\t", count: level + 1)
        let closing = String(repeating: "\t", count: level)
        switch node {
        case .mapping(let entries):
            let members = entries.filter { !$0.isComment }
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (i, entry) in members.enumerated() {
                out += (i == 0 ? "\n" : ",\n") + indent + JSONValue.string(entry.key).jsonString() + ": "
                write(entry.value, level: level + 1, into: &out)
            }
            out += "\n" + closing + "}"
        case .sequence(let items):
            let values = items.filter { if case .comment = $0 { false } else { true } }
            if values.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in values.enumerated() {
                out += (i == 0 ? "\n" : ",\n") + indent
                write(item, level: level + 1, into: &out)
            }
            out += "\n" + closing + "]"
        case .scalar(.float(let d)) where d.isFinite && d.magnitude < 1e21 && (d == 0 || d.magnitude >= 1e-6):
            out += SopsScalar.goFloat(d)
        default:
            out += json(node).jsonString()
        }
    }
}
