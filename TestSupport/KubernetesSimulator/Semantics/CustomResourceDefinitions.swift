import BosunCore

/// What a CustomResourceDefinition means to the server: its validation, the kind it serves once
/// Established, and the merge schema its OpenAPI v3 schema implies.
enum CustomResourceDefinitions {
    static let cleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"

    static func validate(_ crd: JSONObject) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = crd["spec"]?.objectValue ?? JSONObject()
        let group = spec["group"]?.stringValue ?? ""
        let names = spec["names"]?.objectValue ?? JSONObject()
        let plural = names["plural"]?.stringValue ?? ""
        let name = crd["metadata"]?["name"]?.stringValue ?? ""
        if group.isEmpty { errors.append(.required("spec.group")) }
        if plural.isEmpty { errors.append(.required("spec.names.plural")) }
        if (names["kind"]?.stringValue ?? "").isEmpty { errors.append(.required("spec.names.kind")) }
        if !group.isEmpty, !plural.isEmpty, name != "\(plural).\(group)" {
            errors.append(.invalid("metadata.name", .string(name), "must be spec.names.plural+\".\"+spec.group"))
        }
        let scope = spec["scope"]?.stringValue ?? ""
        if scope != "Namespaced" && scope != "Cluster" {
            errors.append(.notSupported("spec.scope", .string(scope), ["Cluster", "Namespaced"]))
        }
        let versions = spec["versions"]?.arrayValue ?? []
        if versions.isEmpty { errors.append(.required("spec.versions", "must have exactly one version marked as storage version")) }
        let storage = versions.filter { $0["storage"]?.boolValue == true }.count
        if !versions.isEmpty && storage != 1 {
            errors.append(.invalid("spec.versions", .array(versions), "must have exactly one version marked as storage version"))
        }
        for (i, version) in versions.enumerated() {
            if (version["name"]?.stringValue ?? "").isEmpty { errors.append(.required("spec.versions[\(i)].name")) }
            if version["schema"]?["openAPIV3Schema"] == nil {
                errors.append(.required("spec.versions[\(i)].schema.openAPIV3Schema", "schemas are required"))
            }
        }
        return errors
    }

    /// The kind the CRD declares, as the server serves it once the CRD is Established.
    static func resourceType(from crd: JSONObject) -> ResourceType? {
        guard let spec = crd["spec"]?.objectValue, let group = spec["group"]?.stringValue,
            let names = spec["names"]?.objectValue, let plural = names["plural"]?.stringValue,
            let kind = names["kind"]?.stringValue
        else { return nil }
        let versions = (spec["versions"]?.arrayValue ?? []).filter { $0["served"]?.boolValue != false }
        guard let storage = versions.first(where: { $0["storage"]?.boolValue == true }) ?? versions.first,
            let storageName = storage["name"]?.stringValue
        else { return nil }
        let schema = storage["schema"]?["openAPIV3Schema"]?.objectValue
        var type = ResourceType(
            group: group, version: storageName, kind: kind, plural: plural,
            namespaced: spec["scope"]?.stringValue != "Cluster",
            shortNames: (names["shortNames"]?.arrayValue ?? []).compactMap(\.stringValue),
            categories: (names["categories"]?.arrayValue ?? []).compactMap(\.stringValue),
            status: storage["subresources"]?["status"] != nil,
            scale: storage["subresources"]?["scale"]?.objectValue.map(scale(from:)),
            generation: true, schema: objectSchema(schema))
        type.versions = [storageName] + versions.compactMap { $0["name"]?.stringValue }.filter { $0 != storageName }
        type.singular = names["singular"]?.stringValue ?? kind.lowercased()
        type.listKind = names["listKind"]?.stringValue ?? kind + "List"
        type.isCustom = true
        type.validationSchema = schema
        type.printerColumns = (storage["additionalPrinterColumns"]?.arrayValue ?? []).compactMap { column in
            guard let name = column["name"]?.stringValue, let path = column["jsonPath"]?.stringValue else { return nil }
            return PrinterColumn(
                name: name, type: column["type"]?.stringValue ?? "string", format: column["format"]?.stringValue ?? "",
                description: column["description"]?.stringValue ?? "", priority: column["priority"]?.intValue ?? 0,
                jsonPath: path)
        }
        return type
    }

    static func scale(from object: JSONObject) -> ScaleSubresource {
        func path(_ key: String) -> [String]? {
            object[key]?.stringValue.map { $0.split(separator: ".").map(String.init) }
        }
        return ScaleSubresource(
            specReplicasPath: path("specReplicasPath") ?? ["spec", "replicas"],
            statusReplicasPath: path("statusReplicasPath") ?? ["status", "replicas"],
            labelSelectorPath: path("labelSelectorPath"))
    }

    /// The merge schema of a custom resource: standard metadata, the rest from its OpenAPI schema.
    static func objectSchema(_ schema: JSONObject?) -> FieldSchema {
        var fields: [String: FieldSchema] = [:]
        for entry in schema?["properties"]?.objectValue ?? JSONObject() {
            guard let property = entry.value.objectValue else { continue }
            fields[entry.key] = fieldSchema(property)
        }
        fields["metadata"] = BuiltinSchemas.objectMeta
        fields["apiVersion"] = .scalar
        fields["kind"] = .scalar
        return .structure(fields, alwaysPresent: true)
    }

    /// Reads `x-kubernetes-list-type`, `x-kubernetes-list-map-keys`, `x-kubernetes-map-type` and
    /// `x-kubernetes-preserve-unknown-fields` the way the server's structured-merge-diff does.
    static func fieldSchema(_ schema: JSONObject) -> FieldSchema {
        if schema["x-kubernetes-int-or-string"]?.boolValue == true { return .scalar }
        let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
        switch schema["type"]?.stringValue {
        case "object":
            if schema["x-kubernetes-map-type"]?.stringValue == "atomic" { return .atomic }
            if let properties = schema["properties"]?.objectValue, !properties.isEmpty {
                var fields: [String: FieldSchema] = [:]
                for entry in properties {
                    if let property = entry.value.objectValue { fields[entry.key] = fieldSchema(property) }
                }
                return .structure(fields)
            }
            if let additional = schema["additionalProperties"]?.objectValue { return .map(fieldSchema(additional)) }
            return .deduced
        case "array":
            let items = schema["items"]?.objectValue ?? JSONObject()
            switch schema["x-kubernetes-list-type"]?.stringValue {
            case "map":
                let keys = (schema["x-kubernetes-list-map-keys"]?.arrayValue ?? []).compactMap(\.stringValue)
                var defaults: [String: JSONValue] = [:]
                for key in keys {
                    if let value = items["properties"]?[key]?["default"] { defaults[key] = value }
                }
                return .associativeList(keys: keys, defaults: defaults, element: fieldSchema(items))
            case "set": return .set
            default: return .atomic
            }
        case nil:
            return preserve ? .deduced : .scalar
        default:
            return .scalar
        }
    }
}
