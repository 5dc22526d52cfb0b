import BosunCore

/// The `scale` subresource: an `autoscaling/v1` Scale view of a workload's replicas.
extension KubernetesAPI {
    /// The Scale object of a stored workload.
    func scaleObject(_ stored: StoredObject, type: ResourceType) -> JSONObject {
        let paths = type.scale ?? ScaleSubresource()
        let object = JSONValue.object(stored.object)
        let metadata = stored.metadata
        var scaleMetadata = JSONObject()
        for key in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
            if let value = metadata[key] { scaleMetadata[key] = value }
        }
        var status: JSONObject = ["replicas": object[path: paths.statusReplicasPath] ?? 0]
        if type.isCustom {
            if let path = paths.labelSelectorPath, let selector = object[path: path] { status["selector"] = selector }
        } else if let selector = stored.object["spec"]?["selector"]?.objectValue {
            status["selector"] = .string(LabelSelector(object: selector).description)
        }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": .object(scaleMetadata),
            "spec": ["replicas": object[path: paths.specReplicasPath] ?? 0], "status": .object(status),
        ]
    }

    public func scale(_ type: ResourceType, namespace: String, name: String) throws(APIError) -> JSONObject {
        guard type.scale != nil else { throw APIError.pathNotFound() }
        return scaleObject(try get(type, namespace: namespace, name: name), type: type)
    }

    /// Writes the replicas of a Scale (from a PUT, or a patch already applied to the Scale
    /// object): the workload's `spec.replicas` changes, owned by the manager with subresource `scale`.
    func writeScale(_ type: ResourceType, namespace: String, name: String, scale: JSONObject, options: WriteOptions) throws(APIError) -> JSONObject {
        guard let paths = type.scale else { throw APIError.pathNotFound() }
        guard let replicas = scale["spec"]?["replicas"]?.intValue else {
            throw APIError.invalid(GroupKind(group: "autoscaling", kind: "Scale"), name, [.required("spec.replicas")])
        }
        if replicas < 0 {
            throw APIError.invalid(
                GroupKind(group: "autoscaling", kind: "Scale"), name,
                [.invalid("spec.replicas", .int(replicas), "must be greater than or equal to 0")])
        }
        let requestedVersion = scale["metadata"]?["resourceVersion"]?.stringValue ?? ""
        let (stored, _) = try write(type, namespace: namespace, name: name, subresource: "scale", options: options, mayCreate: false) { current throws(APIError) in
            guard let current else { throw APIError.notFound(type.groupResource, name) }
            var value = JSONValue.object(current.object)
            value = Self.setting(value, path: paths.specReplicasPath[...], to: .int(replicas))
            var object = value.objectValue ?? current.object
            if !requestedVersion.isEmpty {
                var metadata = object["metadata"]?.objectValue ?? JSONObject()
                metadata["resourceVersion"] = .string(requestedVersion)
                object["metadata"] = .object(metadata)
            }
            return Proposal(object: object, tracked: false)
        }
        return scaleObject(stored, type: type)
    }

    static func setting(_ value: JSONValue, path: ArraySlice<String>, to newValue: JSONValue) -> JSONValue {
        guard let first = path.first else { return newValue }
        var object = value.objectValue ?? JSONObject()
        object[first] = setting(object[first] ?? .object(JSONObject()), path: path.dropFirst(), to: newValue)
        return .object(object)
    }
}
