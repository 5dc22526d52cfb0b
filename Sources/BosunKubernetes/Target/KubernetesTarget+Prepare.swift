import BosunCore

extension KubernetesTarget {
    /// Makes manifests ready for the cluster: namespaced kinds without a namespace get the
    /// destination namespace; cluster-scoped kinds lose one written by mistake (the server
    /// ignores it, and the key would never match the live object). A kind the server does not
    /// serve, even after a discovery refresh, is refused, unless a CRD in the same batch
    /// defines it.
    public func prepare(_ resources: [Resource], context: AppContext) async throws -> [Resource] {
        let defined = CustomResourceDefinitions(resources)
        let destination = namespace(for: context)
        var prepared: [Resource] = []
        prepared.reserveCapacity(resources.count)
        for var resource in resources {
            let place = resource.source.map { " (\($0))" } ?? ""
            guard !resource.apiVersion.isEmpty, !resource.kind.isEmpty else {
                throw TargetError(.invalid, "a manifest\(place) has no apiVersion or kind", key: resource.key)
            }
            guard !resource.name.isEmpty else {
                throw TargetError(.invalid, "\(resource.kind)\(place) has no metadata.name", key: resource.key)
            }
            let namespaced: Bool
            if let served = try await client.discovery.resource(apiVersion: resource.apiVersion, kind: resource.kind) {
                namespaced = served.namespaced
            } else if let scope = defined.scope(apiVersion: resource.apiVersion, kind: resource.kind) {
                namespaced = scope
            } else {
                do {
                    namespaced = try await client.resource(apiVersion: resource.apiVersion, kind: resource.kind, key: resource.key).namespaced
                } catch let error as TargetError {
                    throw TargetError(error.code, error.message + place, key: resource.key)
                }
            }
            if namespaced {
                if resource.namespace.isEmpty { resource.setNamespace(destination) }
            } else if !resource.namespace.isEmpty {
                resource.setMetadata("namespace", nil)
            }
            prepared.append(resource)
        }
        return prepared
    }
}

/// The kinds the CustomResourceDefinitions of a batch define, so their objects can be
/// prepared before the CRD reaches the server.
struct CustomResourceDefinitions {
    /// `group/version/kind` → namespaced.
    private var scopes: [String: Bool] = [:]

    init(_ resources: [Resource]) {
        for crd in resources where crd.group == "apiextensions.k8s.io" && crd.kind == "CustomResourceDefinition" {
            guard let group = crd.string("spec", "group"), let kind = crd.string("spec", "names", "kind") else { continue }
            let namespaced = (crd.string("spec", "scope") ?? "Namespaced") == "Namespaced"
            for version in crd.array("spec", "versions").compactMap({ $0["name"]?.stringValue }) {
                scopes["\(group)/\(version)/\(kind)"] = namespaced
            }
        }
    }

    func scope(apiVersion: String, kind: String) -> Bool? { scopes["\(apiVersion)/\(kind)"] }

    static func definedKind(_ crd: Resource) -> String? {
        guard crd.group == "apiextensions.k8s.io", crd.kind == "CustomResourceDefinition",
            let group = crd.string("spec", "group"), let kind = crd.string("spec", "names", "kind")
        else { return nil }
        return "\(group)/\(kind)"
    }
}
