import BosunCore

/// Nomad's structured job diff (`structs.JobDiff`), computed over server-shaped job JSON the way
/// `nomad/structs/diff.go` computes it: primitive fields flattened to text, nested objects as
/// `ObjectDiff`s, task groups and tasks by name, and the scheduler's annotations on top.
enum JobDiff {
    enum Kind: String { case none = "None", added = "Added", deleted = "Deleted", edited = "Edited" }

    struct Field {
        var type: Kind
        var name: String
        var old: String
        var new: String
        var annotations: [String] = []

        var json: JSONValue {
            [
                "Type": .string(type.rawValue), "Name": .string(name), "Old": .string(old), "New": .string(new),
                "Annotations": annotations.isEmpty ? .null : .array(annotations.map { .string($0) }),
            ]
        }
    }

    struct Object {
        var type: Kind
        var name: String
        var fields: [Field] = []
        var objects: [Object] = []

        var json: JSONValue {
            [
                "Type": .string(type.rawValue), "Name": .string(name), "Fields": JobDiff.list(fields.map(\.json)),
                "Objects": JobDiff.list(objects.map(\.json)),
            ]
        }
    }

    static func list(_ items: [JSONValue]) -> JSONValue { items.isEmpty ? .null : .array(items) }

    /// Members that are Go maps of primitives: flattened as `Meta[key]` even among primitives.
    static let mapFields: Set<String> = ["Meta", "Env", "CanaryMeta", "TaggedAddresses"]

    /// `flatmap.Flatten(obj, filter, true)`: primitive members and string maps.
    static func flattenPrimitive(_ object: JSONObject?, filter: Set<String> = []) -> [String: String] {
        guard let object else { return [:] }
        var out: [String: String] = [:]
        for entry in object where !filter.contains(entry.key) {
            switch entry.value {
            case .string(let s): out[entry.key] = s
            case .int(let i): out[entry.key] = String(i)
            case .double(let d): out[entry.key] = GoFormat.float(d, style: .percentV)
            case .bool(let b): out[entry.key] = b ? "true" : "false"
            case .object(let map) where mapFields.contains(entry.key):
                for item in map {
                    if let text = primitiveText(item.value) { out["\(entry.key)[\(item.key)]"] = text }
                }
            default: break
            }
        }
        return out
    }

    private static func primitiveText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): GoFormat.float(d, style: .percentV)
        case .bool(let b): b ? "true" : "false"
        default: nil
        }
    }

    /// `flatmap.Flatten(obj, nil, false)` of a driver config decoded from JSON (numbers are floats).
    static func flattenAll(_ value: JSONValue, prefix: String, into out: inout [String: String]) {
        switch value {
        case .null: out[prefix] = "nil"
        case .string(let s): out[prefix] = s
        case .bool(let b): out[prefix] = b ? "true" : "false"
        case .int(let i): out[prefix] = GoFormat.float(Double(i), style: .percentV)
        case .double(let d): out[prefix] = GoFormat.float(d, style: .percentV)
        case .array(let items):
            for (i, item) in items.enumerated() { flattenAll(item, prefix: "\(prefix)[\(i)]", into: &out) }
        case .object(let object):
            for entry in object {
                flattenAll(entry.value, prefix: prefix.isEmpty ? entry.key : "\(prefix)[\(entry.key)]", into: &out)
            }
        }
    }

    static func fieldDiffs(_ old: [String: String], _ new: [String: String], contextual: Bool) -> [Field] {
        var result: [Field] = []
        for key in Set(old.keys).union(new.keys) {
            if let diff = fieldDiff(old[key] ?? "", new[key] ?? "", key, contextual: contextual) { result.append(diff) }
        }
        return result.sorted { ($0.name, $0.old, $0.new) < ($1.name, $1.old, $1.new) }
    }

    static func fieldDiff(_ old: String, _ new: String, _ name: String, contextual: Bool) -> Field? {
        if old == new { return contextual ? Field(type: .none, name: name, old: old, new: new) : nil }
        if old.isEmpty { return Field(type: .added, name: name, old: "", new: new) }
        if new.isEmpty { return Field(type: .deleted, name: name, old: old, new: "") }
        return Field(type: .edited, name: name, old: old, new: new)
    }

    static func kindOrder(_ k: Kind) -> Int {
        switch k {
        case .edited: 0
        case .added: 1
        case .deleted: 2
        case .none: 3
        }
    }

    static func sortObjects(_ objects: [Object]) -> [Object] {
        objects.sorted {
            if $0.name != $1.name { return $0.name < $1.name }
            if $0.type != $1.type { return kindOrder($0.type) < kindOrder($1.type) }
            if $0.fields.count != $1.fields.count { return $0.fields.count < $1.fields.count }
            return $0.objects.count < $1.objects.count
        }
    }

    /// `primitiveObjectDiff`: nil when nothing changed.
    static func primitiveObjectDiff(
        _ old: JSONObject?, _ new: JSONObject?, filter: Set<String> = [], name: String, contextual: Bool
    ) -> Object? {
        let fields = fieldDiffs(flattenPrimitive(old, filter: filter), flattenPrimitive(new, filter: filter), contextual: contextual)
        let added = fields.contains { $0.type == .added }
        let deleted = fields.contains { $0.type == .deleted }
        let edited = fields.contains { $0.type == .edited }
        let type: Kind
        if edited || (added && deleted) {
            type = .edited
        } else if added {
            type = .added
        } else if deleted {
            type = .deleted
        } else {
            return nil
        }
        return Object(type: type, name: name, fields: fields)
    }

    /// `primitiveObjectSetDiff`: members compared as a set; a changed member is a delete plus an add.
    static func primitiveObjectSetDiff(_ old: [JSONObject], _ new: [JSONObject], name: String, contextual: Bool) -> [Object] {
        let oldSet = Dictionary(old.map { (JSONValue.object($0).jsonString(), $0) }, uniquingKeysWith: { a, _ in a })
        let newSet = Dictionary(new.map { (JSONValue.object($0).jsonString(), $0) }, uniquingKeysWith: { a, _ in a })
        var diffs: [Object] = []
        for (key, value) in oldSet where newSet[key] == nil {
            if let d = primitiveObjectDiff(value, nil, name: name, contextual: contextual) { diffs.append(d) }
        }
        for (key, value) in newSet where oldSet[key] == nil {
            if let d = primitiveObjectDiff(nil, value, name: name, contextual: contextual) { diffs.append(d) }
        }
        return sortObjects(diffs)
    }

    /// `stringSetDiff`.
    static func stringSetDiff(_ old: [JSONValue], _ new: [JSONValue], name: String, contextual: Bool) -> Object? {
        let oldSet = Set(old.compactMap(\.stringValue))
        let newSet = Set(new.compactMap(\.stringValue))
        if oldSet == newSet && !contextual { return nil }
        var fields: [Field] = []
        var added = false
        var removed = false
        for value in oldSet {
            if !newSet.contains(value) {
                if let f = fieldDiff(value, "", name, contextual: contextual) { fields.append(f) }
                removed = true
            } else if contextual, let f = fieldDiff(value, value, name, contextual: true) {
                fields.append(f)
            }
        }
        for value in newSet where !oldSet.contains(value) {
            if let f = fieldDiff("", value, name, contextual: contextual) { fields.append(f) }
            added = true
        }
        fields.sort { ($0.name, $0.old, $0.new) < ($1.name, $1.old, $1.new) }
        let type: Kind
        if added && removed {
            type = .edited
        } else if added {
            type = .added
        } else if removed {
            type = .deleted
        } else {
            if fields.isEmpty { return nil }
            type = .none
        }
        return Object(type: type, name: name, fields: fields)
    }

    /// An object diffed with its primitive fields plus nested parts, typed by presence and equality.
    static func structDiff(
        _ old: JSONObject?, _ new: JSONObject?, name: String, filter: Set<String> = [], contextual: Bool,
        nested: (JSONObject, JSONObject) -> [Object] = { _, _ in [] }
    ) -> Object? {
        if old == new { return nil }
        let type: Kind = old == nil ? .added : (new == nil ? .deleted : .edited)
        let fields = fieldDiffs(
            flattenPrimitive(old, filter: filter), flattenPrimitive(new, filter: filter), contextual: contextual)
        return Object(type: type, name: name, fields: fields, objects: nested(old ?? [:], new ?? [:]))
    }
}
