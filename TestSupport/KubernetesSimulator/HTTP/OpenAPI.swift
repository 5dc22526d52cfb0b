import BosunCore

/// The OpenAPI documents kubectl reads before it writes: `/openapi/v3` (the index of group
/// versions) and `/openapi/v3/apis/<group>/<version>`, whose PATCH operations declare the
/// `fieldValidation` parameter so kubectl leaves validation to the server (`fieldValidation=Strict`),
/// and `/openapi/v2` for older clients. Schemas are permissive objects tagged with their kind;
/// `kubectl explain` gets no field documentation.
enum OpenAPI {
    /// `/openapi/v3`.
    static func index(_ registry: ResourceRegistry) -> JSONValue {
        var paths = JSONObject()
        let hash = String(registry.revision)
        for group in registry.groups {
            for version in group.versions {
                let key = group.name.isEmpty ? "api/\(version)" : "apis/\(group.name)/\(version)"
                paths[key] = ["serverRelativeURL": .string("/openapi/v3/\(key)?hash=\(hash)")]
            }
        }
        return ["paths": .object(paths)]
    }

    /// `/openapi/v3/api/v1` or `/openapi/v3/apis/<group>/<version>`; nil when the group version is not served.
    static func groupVersion(_ registry: ResourceRegistry, path: String) -> JSONValue? {
        let parts = path.split(separator: "/").map(String.init)
        let group: String
        let version: String
        switch (parts.first, parts.count) {
        case ("api", 2): (group, version) = ("", parts[1])
        case ("apis", 3): (group, version) = (parts[1], parts[2])
        default: return nil
        }
        let types = registry.all.filter { $0.group == group && $0.versions.contains(version) }
        guard !types.isEmpty else { return nil }
        var paths = JSONObject()
        var schemas = JSONObject()
        for type in types {
            let gvk: JSONValue = ["group": .string(group), "kind": .string(type.kind), "version": .string(version)]
            let prefix = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
            let collection = type.namespaced ? "\(prefix)/namespaces/{namespace}/\(type.plural)" : "\(prefix)/\(type.plural)"
            paths[collection] = [
                "get": operation("list", type: type, gvk: gvk, parameters: listParameters),
                "post": operation("post", type: type, gvk: gvk, parameters: writeParameters),
            ]
            paths["\(collection)/{name}"] = [
                "get": operation("get", type: type, gvk: gvk, parameters: []),
                "put": operation("put", type: type, gvk: gvk, parameters: writeParameters),
                "patch": operation("patch", type: type, gvk: gvk, parameters: writeParameters + [query("force", "boolean")]),
                "delete": operation("delete", type: type, gvk: gvk, parameters: [query("dryRun", "string"), query("propagationPolicy", "string")]),
            ]
            schemas[schemaName(type, version: version)] = [
                "type": "object", "x-kubernetes-preserve-unknown-fields": true, "x-kubernetes-group-version-kind": [gvk],
                "description": .string("\(type.kind) (simulated: fields are not described)"),
            ]
        }
        return [
            "openapi": "3.0.0", "info": ["title": "Kubernetes", "version": "v1.32.0"], "paths": .object(paths),
            "components": ["schemas": .object(schemas)],
        ]
    }

    /// `/openapi/v2`: the same operations in Swagger 2.0 form.
    static func swagger(_ registry: ResourceRegistry) -> JSONValue {
        var paths = JSONObject()
        var definitions = JSONObject()
        for type in registry.all {
            for version in type.versions {
                let gvk: JSONValue = ["group": .string(type.group), "kind": .string(type.kind), "version": .string(version)]
                let prefix = type.group.isEmpty ? "/api/\(version)" : "/apis/\(type.group)/\(version)"
                let collection = type.namespaced ? "\(prefix)/namespaces/{namespace}/\(type.plural)" : "\(prefix)/\(type.plural)"
                let swaggerParameters = writeParameters.map { parameter -> JSONValue in
                    ["name": parameter["name"] ?? "", "in": "query", "type": parameter["schema"]?["type"] ?? "string", "uniqueItems": true]
                }
                paths["\(collection)/{name}"] = [
                    "patch": [
                        "operationId": .string("patch\(type.kind)"), "parameters": .array(swaggerParameters),
                        "x-kubernetes-action": "patch", "x-kubernetes-group-version-kind": gvk,
                        "responses": ["200": ["description": "OK"]],
                    ]
                ]
                definitions[schemaName(type, version: version)] = [
                    "type": "object", "x-kubernetes-group-version-kind": [gvk],
                ]
            }
        }
        return [
            "swagger": "2.0", "info": ["title": "Kubernetes", "version": "v1.32.0"], "paths": .object(paths),
            "definitions": .object(definitions),
        ]
    }

    static func schemaName(_ type: ResourceType, version: String) -> String {
        if type.isCustom {
            let reversed = type.group.split(separator: ".").reversed().joined(separator: ".")
            return "\(reversed).\(version).\(type.kind)"
        }
        let package = type.group.isEmpty ? "core" : String(type.group.split(separator: ".").first ?? "")
        return "io.k8s.api.\(package).\(version).\(type.kind)"
    }

    static func query(_ name: String, _ type: String) -> JSONValue {
        ["name": .string(name), "in": "query", "schema": ["type": .string(type), "uniqueItems": true]]
    }

    static let writeParameters: [JSONValue] = [
        query("dryRun", "string"), query("fieldManager", "string"), query("fieldValidation", "string"),
    ]

    static let listParameters: [JSONValue] = [
        query("labelSelector", "string"), query("fieldSelector", "string"), query("limit", "integer"),
        query("continue", "string"), query("resourceVersion", "string"), query("watch", "boolean"),
    ]

    static func operation(_ action: String, type: ResourceType, gvk: JSONValue, parameters: [JSONValue]) -> JSONValue {
        [
            "operationId": .string("\(action)\(type.kind)"), "parameters": .array(parameters),
            "responses": ["200": ["description": "OK"]], "x-kubernetes-action": .string(action),
            "x-kubernetes-group-version-kind": gvk,
        ]
    }
}
