import Foundation
import BosunCore

/// The three non-apply patch formats: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and
/// Kubernetes' strategic merge patch, which merges keyed lists (containers by name...) and
/// understands the `$patch`, `$setElementOrder`, `$retainKeys` and `$deleteFromPrimitiveList`
/// directives `kubectl apply`, `edit` and `patch` send.
enum Patches {
    struct Failure: Error, Sendable {
        var message: String
    }

    // MARK: JSON merge patch

    static func mergePatch(_ target: JSONValue?, _ patch: JSONValue) -> JSONValue {
        guard case .object(let changes) = patch else { return patch }
        var result = target?.objectValue ?? JSONObject()
        for entry in changes {
            if entry.value.isNull {
                result[entry.key] = nil
            } else {
                result[entry.key] = mergePatch(result[entry.key], entry.value)
            }
        }
        return .object(result)
    }

    // MARK: JSON patch

    static func jsonPatch(_ target: JSONValue, _ patch: JSONValue) throws(Failure) -> JSONValue {
        guard let operations = patch.arrayValue else {
            throw Failure(message: "json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        }
        var document = target
        for operation in operations {
            guard let op = operation["op"]?.stringValue, let path = operation["path"]?.stringValue else {
                throw Failure(message: "unexpected kind of patch operation: an operation needs \"op\" and \"path\"")
            }
            let pointer = try parsePointer(path)
            switch op {
            case "add":
                document = try set(document, pointer[...], operation["value"] ?? .null, insert: true, op: op, path: path)
            case "replace":
                guard value(document, pointer[...]) != nil else {
                    throw Failure(message: "replace operation does not apply: doc is missing key: \(path)")
                }
                document = try set(document, pointer[...], operation["value"] ?? .null, insert: false, op: op, path: path)
            case "remove":
                guard value(document, pointer[...]) != nil else {
                    throw Failure(message: "remove operation does not apply: doc is missing path: \"\(path)\"")
                }
                document = try remove(document, pointer[...], path: path)
            case "test":
                guard value(document, pointer[...]) == (operation["value"] ?? .null) else {
                    throw Failure(message: "testing value \(path) failed: test failed")
                }
            case "move", "copy":
                guard let fromText = operation["from"]?.stringValue else {
                    throw Failure(message: "\(op) operation does not apply: missing \"from\"")
                }
                let from = try parsePointer(fromText)
                guard let moved = value(document, from[...]) else {
                    throw Failure(message: "\(op) operation does not apply: doc is missing from path: \(fromText)")
                }
                if op == "move" { document = try remove(document, from[...], path: fromText) }
                document = try set(document, pointer[...], moved, insert: true, op: op, path: path)
            default:
                throw Failure(message: "Unexpected kind: \(op)")
            }
        }
        return document
    }

    static func parsePointer(_ text: String) throws(Failure) -> [String] {
        if text.isEmpty { return [] }
        guard text.hasPrefix("/") else { throw Failure(message: "JSON pointer must be empty or start with a \"/\": \(text)") }
        return text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func value(_ document: JSONValue, _ pointer: ArraySlice<String>) -> JSONValue? {
        guard let first = pointer.first else { return document }
        switch document {
        case .object(let object): return object[first].flatMap { value($0, pointer.dropFirst()) }
        case .array(let items):
            guard let i = Int(first), items.indices.contains(i) else { return nil }
            return value(items[i], pointer.dropFirst())
        default: return nil
        }
    }

    static func set(_ document: JSONValue, _ pointer: ArraySlice<String>, _ newValue: JSONValue, insert: Bool, op: String, path: String) throws(Failure) -> JSONValue {
        guard let first = pointer.first else { return newValue }
        let last = pointer.count == 1
        switch document {
        case .object(var object):
            if last {
                object[first] = newValue
            } else {
                guard let child = object[first] else {
                    throw Failure(message: "\(op) operation does not apply: doc is missing path: \"\(path)\": missing value")
                }
                object[first] = try set(child, pointer.dropFirst(), newValue, insert: insert, op: op, path: path)
            }
            return .object(object)
        case .array(var items):
            if last && insert {
                if first == "-" {
                    items.append(newValue)
                } else if let i = Int(first), i >= 0, i <= items.count {
                    items.insert(newValue, at: i)
                } else {
                    throw Failure(message: "\(op) operation does not apply: doc is missing path: \"\(path)\": invalid index")
                }
                return .array(items)
            }
            guard let i = Int(first), items.indices.contains(i) else {
                throw Failure(message: "\(op) operation does not apply: doc is missing path: \"\(path)\": invalid index")
            }
            items[i] = last ? newValue : try set(items[i], pointer.dropFirst(), newValue, insert: insert, op: op, path: path)
            return .array(items)
        default:
            throw Failure(message: "\(op) operation does not apply: doc is missing path: \"\(path)\"")
        }
    }

    static func remove(_ document: JSONValue, _ pointer: ArraySlice<String>, path: String) throws(Failure) -> JSONValue {
        guard let first = pointer.first else { return .null }
        switch document {
        case .object(var object):
            if pointer.count == 1 {
                object[first] = nil
            } else if let child = object[first] {
                object[first] = try remove(child, pointer.dropFirst(), path: path)
            }
            return .object(object)
        case .array(var items):
            guard let i = Int(first), items.indices.contains(i) else {
                throw Failure(message: "remove operation does not apply: doc is missing path: \"\(path)\"")
            }
            if pointer.count == 1 { items.remove(at: i) } else { items[i] = try remove(items[i], pointer.dropFirst(), path: path) }
            return .array(items)
        default:
            throw Failure(message: "remove operation does not apply: doc is missing path: \"\(path)\"")
        }
    }

    // MARK: Strategic merge patch

    static func strategicMerge(_ original: JSONValue?, _ patch: JSONValue, _ schema: FieldSchema) throws(Failure) -> JSONValue? {
        guard case .object(let changes) = patch else { return patch }
        if changes["$patch"]?.stringValue == "delete" { return nil }
        if changes["$patch"]?.stringValue == "replace" {
            var replacement = changes
            replacement["$patch"] = nil
            return .object(replacement)
        }
        var result = original?.objectValue ?? JSONObject()
        var orders: [String: [JSONValue]] = [:]
        var retainKeys: [String]?
        for entry in changes {
            let key = entry.key
            if key == "$patch" { continue }
            if key == "$retainKeys" {
                retainKeys = (entry.value.arrayValue ?? []).compactMap(\.stringValue)
                continue
            }
            if key.hasPrefix("$setElementOrder/") {
                orders[String(key.dropFirst("$setElementOrder/".count))] = entry.value.arrayValue ?? []
                continue
            }
            if key.hasPrefix("$deleteFromPrimitiveList/") {
                let field = String(key.dropFirst("$deleteFromPrimitiveList/".count))
                let removed = entry.value.arrayValue ?? []
                if let items = result[field]?.arrayValue { result[field] = .array(items.filter { !removed.contains($0) }) }
                continue
            }
            if entry.value.isNull {
                result[key] = nil
                continue
            }
            let childSchema = schema.child(key)
            switch (childSchema, entry.value) {
            case (.associativeList(let keys, _, let element), .array(let items)):
                result[key] = .array(try mergeKeyedList(result[key]?.arrayValue ?? [], items, mergeKey: keys.first ?? "name", element: element))
            case (.set, .array(let items)):
                var merged = result[key]?.arrayValue ?? []
                for item in items where !merged.contains(item) { merged.append(item) }
                result[key] = .array(merged)
            case (_, .object):
                if TypedOperations.isAtomic(childSchema.resolved(for: entry.value)) {
                    result[key] = entry.value
                } else {
                    result[key] = try strategicMerge(result[key], entry.value, childSchema)
                }
            default:
                result[key] = entry.value
            }
        }
        for (field, order) in orders { result[field] = reorder(result[field], by: order, schema: schema.child(field)) }
        if let retainKeys {
            result.removeAll { !retainKeys.contains($0.key) }
        }
        return .object(result)
    }

    private static func mergeKeyedList(_ original: [JSONValue], _ patch: [JSONValue], mergeKey: String, element: FieldSchema) throws(Failure) -> [JSONValue] {
        if patch.contains(where: { $0["$patch"]?.stringValue == "replace" }) {
            return patch.filter { $0["$patch"] == nil }
        }
        var result = original
        for item in patch {
            guard let key = item[mergeKey] else {
                throw Failure(message: "map: \(item.jsonString()) does not contain declared merge key: \(mergeKey)")
            }
            let index = result.firstIndex { $0[mergeKey] == key }
            if item["$patch"]?.stringValue == "delete" {
                if let index { result.remove(at: index) }
                continue
            }
            if let index {
                if let merged = try strategicMerge(result[index], item, element) { result[index] = merged } else { result.remove(at: index) }
            } else if let merged = try strategicMerge(nil, item, element) {
                result.append(merged)
            }
        }
        return result
    }

    /// Items named in `order` first, in that order; the rest after, as they were.
    private static func reorder(_ list: JSONValue?, by order: [JSONValue], schema: FieldSchema) -> JSONValue? {
        guard let items = list?.arrayValue else { return list }
        var remaining = items
        var out: [JSONValue] = []
        for wanted in order {
            let index: Int?
            if case .associativeList(let keys, _, _) = schema, let key = keys.first {
                index = remaining.firstIndex { $0[key] == wanted[key] }
            } else {
                index = remaining.firstIndex { $0 == wanted }
            }
            if let index { out.append(remaining.remove(at: index)) }
        }
        return .array(out + remaining)
    }
}
