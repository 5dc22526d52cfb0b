import BosunCore

/// How the server holds custom resources to their CRD's structural schema: unknown fields are
/// pruned (or refused, for strict field validation and for server-side apply), and values are
/// checked for type, required fields and enums.
enum CustomResourceValidation {
    /// Members every object has whatever its schema says.
    static let rootMembers: Set<String> = ["apiVersion", "kind", "metadata"]

    /// Paths (`.spec.colour`) of fields the schema does not declare.
    static func unknownFields(_ object: JSONObject, schema: JSONObject) -> [String] {
        var out: [String] = []
        for entry in object where !rootMembers.contains(entry.key) {
            let child = property(schema, entry.key)
            // A root that preserves unknown fields takes undeclared members as they are.
            if child == nil && preservesUnknown(schema) { continue }
            walkUnknown(entry.value, schema: child, path: "." + entry.key, into: &out)
        }
        return out
    }

    /// The object without the fields its schema does not declare.
    static func pruned(_ object: JSONObject, schema: JSONObject) -> JSONObject {
        var out = JSONObject()
        for entry in object {
            if rootMembers.contains(entry.key) {
                out[entry.key] = entry.value
            } else if let child = property(schema, entry.key) {
                out[entry.key] = prune(entry.value, schema: child)
            } else if preservesUnknown(schema) {
                out[entry.key] = entry.value
            }
        }
        return out
    }

    /// Type, required and enum problems, with paths as validation writes them (`spec.size`).
    static func errors(_ object: JSONObject, schema: JSONObject) -> [FieldError] {
        var out: [FieldError] = []
        for entry in object where !rootMembers.contains(entry.key) {
            if let child = property(schema, entry.key) { check(entry.value, schema: child, path: entry.key, into: &out) }
        }
        for required in (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue) where object[required] == nil {
            out.append(.required(required))
        }
        return out
    }

    // MARK: Walks

    /// The schema of member `key` of an object with `schema`; nil when it is not declared.
    static func property(_ schema: JSONObject?, _ key: String) -> JSONObject? {
        guard let schema else { return nil }
        if let declared = schema["properties"]?[key]?.objectValue { return declared }
        if let additional = schema["additionalProperties"] {
            if let object = additional.objectValue { return object }
            if additional.boolValue == true { return ["x-kubernetes-preserve-unknown-fields": true] }
        }
        return nil
    }

    static func preservesUnknown(_ schema: JSONObject?) -> Bool {
        schema?["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
    }

    private static func walkUnknown(_ value: JSONValue, schema: JSONObject?, path: String, into out: inout [String]) {
        guard let schema else {
            out.append(path)
            return
        }
        switch value {
        case .object(let object):
            if schema["x-kubernetes-embedded-resource"]?.boolValue == true {
                for entry in object where !rootMembers.contains(entry.key) {
                    if let child = property(schema, entry.key) {
                        walkUnknown(entry.value, schema: child, path: path + "." + entry.key, into: &out)
                    } else if !preservesUnknown(schema) {
                        out.append(path + "." + entry.key)
                    }
                }
                return
            }
            for entry in object {
                if let child = property(schema, entry.key) {
                    walkUnknown(entry.value, schema: child, path: path + "." + entry.key, into: &out)
                } else if !preservesUnknown(schema) {
                    out.append(path + "." + entry.key)
                }
            }
        case .array(let items):
            guard let itemSchema = schema["items"]?.objectValue else { return }
            for (i, item) in items.enumerated() { walkUnknown(item, schema: itemSchema, path: path + "[\(i)]", into: &out) }
        default:
            return
        }
    }

    private static func prune(_ value: JSONValue, schema: JSONObject) -> JSONValue {
        switch value {
        case .object(let object):
            var out = JSONObject()
            let embedded = schema["x-kubernetes-embedded-resource"]?.boolValue == true
            for entry in object {
                if let child = property(schema, entry.key) {
                    out[entry.key] = prune(entry.value, schema: child)
                } else if preservesUnknown(schema) || (embedded && rootMembers.contains(entry.key)) {
                    out[entry.key] = entry.value
                }
            }
            return .object(out)
        case .array(let items):
            guard let itemSchema = schema["items"]?.objectValue else { return value }
            return .array(items.map { prune($0, schema: itemSchema) })
        default:
            return value
        }
    }

    private static func check(_ value: JSONValue, schema: JSONObject, path: String, into out: inout [FieldError]) {
        if value.isNull {
            if schema["nullable"]?.boolValue != true { out.append(.invalid(path, .null, "\(path) in body must be of type \(schema["type"]?.stringValue ?? "object"): \"null\"")) }
            return
        }
        if schema["x-kubernetes-int-or-string"]?.boolValue == true {
            if value.intValue == nil && value.stringValue == nil {
                out.append(.invalid(path, value, "\(path) in body must be of type integer or string: \"\(value.typeName)\""))
            }
            return
        }
        if let type = schema["type"]?.stringValue, !matches(value, type: type) {
            out.append(.invalid(path, value, "\(path) in body must be of type \(type): \"\(jsonTypeName(value))\""))
            return
        }
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(value) {
            out.append(.notSupported(path, value, allowed.map { $0.stringValue ?? $0.jsonString() }))
        }
        switch value {
        case .object(let object):
            for entry in object {
                if let child = property(schema, entry.key) { check(entry.value, schema: child, path: path + "." + entry.key, into: &out) }
            }
            for required in (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue) where object[required] == nil {
                out.append(.required(path + "." + required))
            }
        case .array(let items):
            guard let itemSchema = schema["items"]?.objectValue else { return }
            for (i, item) in items.enumerated() { check(item, schema: itemSchema, path: path + "[\(i)]", into: &out) }
        case .int, .double:
            if let minimum = schema["minimum"]?.doubleValue, let number = value.doubleValue, number < minimum {
                out.append(.invalid(path, value, "\(path) in body should be greater than or equal to \(JSONEncoding.format(minimum))"))
            }
            if let maximum = schema["maximum"]?.doubleValue, let number = value.doubleValue, number > maximum {
                out.append(.invalid(path, value, "\(path) in body should be less than or equal to \(JSONEncoding.format(maximum))"))
            }
        default:
            break
        }
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool): true
        case ("integer", _): value.intValue != nil
        case ("number", .int), ("number", .double): true
        default: false
        }
    }

    /// The JSON type names the server's validator reports (`integer` for whole numbers).
    static func jsonTypeName(_ value: JSONValue) -> String {
        switch value {
        case .int: "integer"
        case .double: "number"
        case .bool: "boolean"
        case .array: "array"
        case .object: "object"
        default: value.typeName
        }
    }
}
