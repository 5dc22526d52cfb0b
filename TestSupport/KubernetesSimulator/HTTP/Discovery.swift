import BosunCore

/// The discovery documents: `/version`, legacy discovery (`/api`, `/apis`, `/api/v1`,
/// `/apis/<group>/<version>`) and aggregated discovery (`apidiscovery.k8s.io/v2`), which
/// kubectl 1.32 asks for first.
enum Discovery {
    static let version: JSONValue = [
        "major": "1", "minor": "32", "gitVersion": "v1.32.0", "gitCommit": "70d3cc986aa8221cd1dfb1121852688902d3bf53",
        "gitTreeState": "clean", "buildDate": "2024-12-11T17:59:15Z", "goVersion": "go1.23.3", "compiler": "gc",
        "platform": "linux/amd64",
    ]

    static let subresourceVerbs: JSONValue = ["get", "patch", "update"]

    /// `/api`: the core group's versions.
    static func legacyVersions(serverAddress: String) -> JSONValue {
        [
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]],
        ]
    }

    static func groupVersions(_ group: (name: String, versions: [String])) -> JSONValue {
        let versions: [JSONValue] = group.versions.map { ["groupVersion": .string("\(group.name)/\($0)"), "version": .string($0)] }
        return [
            "name": .string(group.name), "versions": .array(versions),
            "preferredVersion": versions.first ?? .null,
        ]
    }

    /// `/apis`: every named group.
    static func groupList(_ registry: ResourceRegistry) -> JSONValue {
        let groups = registry.groups.filter { !$0.name.isEmpty }.map(groupVersions)
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)]
    }

    /// `/apis/<group>`.
    static func group(_ registry: ResourceRegistry, name: String) -> JSONValue? {
        guard let group = registry.groups.first(where: { $0.name == name && !name.isEmpty }) else { return nil }
        guard case .object(var object) = groupVersions(group) else { return nil }
        let head: JSONObject = ["kind": "APIGroup", "apiVersion": "v1"]
        object = head.merging(object)
        return .object(object)
    }

    /// `/api/v1` or `/apis/<group>/<version>`: the resources of one group version.
    static func resourceList(_ registry: ResourceRegistry, group: String, version: String) -> JSONValue? {
        let types = registry.all.filter { $0.group == group && $0.versions.contains(version) }
        guard !types.isEmpty else { return nil }
        var resources: [(String, JSONValue)] = []
        for type in types {
            var entry: JSONObject = [
                "name": .string(type.plural), "singularName": .string(type.singular), "namespaced": .bool(type.namespaced),
                "kind": .string(type.kind), "verbs": .array(type.verbs.map(JSONValue.string)),
            ]
            if !type.shortNames.isEmpty { entry["shortNames"] = .array(type.shortNames.map(JSONValue.string)) }
            if !type.categories.isEmpty { entry["categories"] = .array(type.categories.map(JSONValue.string)) }
            resources.append((type.plural, .object(entry)))
            for sub in subresources(of: type) {
                var subEntry: JSONObject = [
                    "name": .string("\(type.plural)/\(sub.name)"), "singularName": "", "namespaced": .bool(type.namespaced),
                ]
                if let group = sub.group { subEntry["group"] = .string(group) }
                if let subVersion = sub.version { subEntry["version"] = .string(subVersion) }
                subEntry["kind"] = .string(sub.kind)
                subEntry["verbs"] = sub.verbs
                resources.append(("\(type.plural)/\(sub.name)", .object(subEntry)))
            }
        }
        resources.sort { $0.0 < $1.0 }
        var list: JSONObject = ["kind": "APIResourceList"]
        if !group.isEmpty { list["apiVersion"] = "v1" }
        list["groupVersion"] = .string(group.isEmpty ? version : "\(group)/\(version)")
        list["resources"] = .array(resources.map(\.1))
        return .object(list)
    }

    struct Subresource {
        var name: String
        var kind: String
        var group: String?
        var version: String?
        var verbs: JSONValue
    }

    static func subresources(of type: ResourceType) -> [Subresource] {
        var out: [Subresource] = []
        if type.group.isEmpty && type.kind == "Namespace" {
            out.append(Subresource(name: "finalize", kind: "Namespace", verbs: ["update"]))
        }
        if type.scale != nil {
            out.append(Subresource(name: "scale", kind: "Scale", group: "autoscaling", version: "v1", verbs: subresourceVerbs))
        }
        if type.hasStatusSubresource {
            out.append(Subresource(name: "status", kind: type.kind, verbs: subresourceVerbs))
        }
        return out
    }

    // MARK: Aggregated discovery

    /// Whether the Accept header asks for aggregated discovery, and in which version.
    static func aggregatedVersion(accept: String) -> String? {
        guard accept.contains("apidiscovery.k8s.io") else { return nil }
        for part in accept.split(separator: ",") {
            let params = part.split(separator: ";").map { $0.trimmingCharacters(in: " ") }
            guard params.contains("g=apidiscovery.k8s.io"), params.contains("as=APIGroupDiscoveryList") else { continue }
            if params.contains("v=v2") { return "v2" }
            if params.contains("v=v2beta1") { return "v2beta1" }
        }
        return nil
    }

    /// `APIGroupDiscoveryList` of the core group (`legacy: true`) or of every named group.
    static func aggregated(_ registry: ResourceRegistry, legacy: Bool, version: String) -> JSONValue {
        var items: [JSONValue] = []
        for group in registry.groups where group.name.isEmpty == legacy {
            var metadata: JSONObject = [:]
            if !legacy { metadata["name"] = .string(group.name) }
            metadata["creationTimestamp"] = .null
            let versions: [JSONValue] = group.versions.map { groupVersion in
                let types = registry.all.filter { $0.group == group.name && $0.versions.contains(groupVersion) }
                    .sorted { $0.plural < $1.plural }
                return [
                    "version": .string(groupVersion), "resources": .array(types.map(aggregatedResource)), "freshness": "Current",
                ]
            }
            items.append(["metadata": .object(metadata), "versions": .array(versions)])
        }
        return [
            "kind": "APIGroupDiscoveryList", "apiVersion": .string("apidiscovery.k8s.io/\(version)"),
            "metadata": .object(JSONObject()), "items": .array(items),
        ]
    }

    static func aggregatedResource(_ type: ResourceType) -> JSONValue {
        var entry: JSONObject = [
            "resource": .string(type.plural),
            "responseKind": ["group": "", "version": "", "kind": .string(type.kind)],
            "scope": type.namespaced ? "Namespaced" : "Cluster",
            "singularResource": .string(type.singular),
            "verbs": .array(type.verbs.map(JSONValue.string)),
        ]
        if !type.shortNames.isEmpty { entry["shortNames"] = .array(type.shortNames.map(JSONValue.string)) }
        if !type.categories.isEmpty { entry["categories"] = .array(type.categories.map(JSONValue.string)) }
        let subs = subresources(of: type).sorted { $0.name < $1.name }
        if !subs.isEmpty {
            entry["subresources"] = .array(subs.map { sub in
                [
                    "subresource": .string(sub.name),
                    "responseKind": ["group": .string(sub.group ?? ""), "version": .string(sub.version ?? ""), "kind": .string(sub.kind)],
                    "verbs": sub.verbs,
                ]
            })
        }
        return .object(entry)
    }
}

extension JSONObject {
    /// This object's members followed by `other`'s that it lacks.
    func merging(_ other: JSONObject) -> JSONObject {
        var out = self
        for entry in other where out[entry.key] == nil { out[entry.key] = entry.value }
        return out
    }
}
