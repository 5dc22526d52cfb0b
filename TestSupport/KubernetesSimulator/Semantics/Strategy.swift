import BosunCore

/// What the server does to an object between decoding a write and storing it: the fields it
/// owns (uid, creationTimestamp, generation, resourceVersion), the status a main-resource write
/// may not touch, defaults, and per-kind allocations (a Service's cluster IP).
extension KubernetesAPI {
    /// The server-owned metadata a client may not set.
    static let serverMetadata = [
        "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation",
        "selfLink",
    ]

    /// A new object as the server stores it.
    func prepareCreate(_ input: JSONObject, type: ResourceType, namespace: String, name: String, apiVersion: String) -> JSONObject {
        var object = input
        object["apiVersion"] = .string(apiVersion)
        object["kind"] = .string(type.kind)
        var metadata = object["metadata"]?.objectValue ?? JSONObject()
        for key in Self.serverMetadata { metadata[key] = nil }
        metadata["name"] = .string(name)
        if type.namespaced { metadata["namespace"] = .string(namespace) } else { metadata["namespace"] = nil }
        if metadata["generateName"] != nil && metadata["generateName"]?.stringValue?.isEmpty != false {
            metadata["generateName"] = nil
        }
        metadata["uid"] = .string(Identifiers.uid())
        metadata["resourceVersion"] = ""
        if type.tracksGeneration { metadata["generation"] = 1 }
        metadata["creationTimestamp"] = .string(Self.now())
        if type.kind == "CustomResourceDefinition" && type.group == "apiextensions.k8s.io" {
            var finalizers = metadata["finalizers"]?.arrayValue ?? []
            let cleanup = JSONValue.string(CustomResourceDefinitions.cleanupFinalizer)
            if !finalizers.contains(cleanup) { finalizers.append(cleanup) }
            metadata["finalizers"] = .array(finalizers)
        }
        object["metadata"] = .object(ObjectShape.normalizedMetadata(metadata))
        if type.hasStatusSubresource { object["status"] = initialStatus(type) }
        if type.group.isEmpty && type.kind == "Service" { allocateServiceAddresses(&object, old: nil) }
        Defaulting.apply(&object, type: type)
        return ObjectShape.normalized(object)
    }

    /// The status a new object starts with, set by the server (not by a controller).
    func initialStatus(_ type: ResourceType) -> JSONValue? {
        guard !type.isCustom else { return nil }
        switch type.kind {
        case "Namespace": return ["phase": "Active"]
        case "PersistentVolumeClaim": return ["phase": "Pending"]
        case "Pod": return ["phase": "Pending", "qosClass": "BestEffort"]
        case "Service": return ["loadBalancer": .object(JSONObject())]
        case "Ingress": return ["loadBalancer": .object(JSONObject())]
        default: return .object(JSONObject())
        }
    }

    /// An updated object as the server stores it: identity and server fields kept from `old`,
    /// status kept or taken depending on the endpoint, generation bumped for spec changes.
    func prepareUpdate(_ input: JSONObject, old: JSONObject, type: ResourceType, subresource: String, apiVersion: String) throws(APIError) -> JSONObject {
        let oldMetadata = old["metadata"]?.objectValue ?? JSONObject()
        var object: JSONObject
        if subresource == "status" {
            // Only status changes through the status subresource.
            object = old
            object["status"] = input["status"]
            var metadata = oldMetadata
            metadata["managedFields"] = input["metadata"]?["managedFields"]
            object["metadata"] = .object(metadata)
        } else {
            object = input
            if type.hasStatusSubresource { object["status"] = old["status"] }
        }
        object["apiVersion"] = .string(apiVersion)
        object["kind"] = .string(type.kind)
        var metadata = object["metadata"]?.objectValue ?? JSONObject()
        if let uid = metadata["uid"]?.stringValue, !uid.isEmpty, uid != oldMetadata["uid"]?.stringValue {
            throw APIError.conflict(
                type.groupResource, oldMetadata["name"]?.stringValue ?? "",
                "Precondition failed: UID in precondition: \(uid), UID in object meta: \(oldMetadata["uid"]?.stringValue ?? "")")
        }
        for key in ["name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "selfLink"] {
            metadata[key] = oldMetadata[key]
        }
        if metadata["resourceVersion"]?.stringValue?.isEmpty != false { metadata["resourceVersion"] = oldMetadata["resourceVersion"] }
        if oldMetadata["deletionTimestamp"] != nil, let finalizers = metadata["finalizers"]?.arrayValue {
            // A terminating object may lose finalizers but gain none.
            let before = oldMetadata["finalizers"]?.arrayValue ?? []
            metadata["finalizers"] = .array(finalizers.filter { before.contains($0) })
        }
        object["metadata"] = .object(metadata)
        if type.group.isEmpty && type.kind == "Namespace" && subresource != "finalize" {
            object["spec"] = old["spec"] ?? object["spec"]
        }
        if type.group.isEmpty && type.kind == "Service" { allocateServiceAddresses(&object, old: old) }
        Defaulting.apply(&object, type: type)
        if type.tracksGeneration, subresource.isEmpty || subresource == "scale", Self.specChanged(old, object) {
            var bumped = object["metadata"]?.objectValue ?? JSONObject()
            bumped["generation"] = .int((oldMetadata["generation"]?.intValue ?? 1) + 1)
            object["metadata"] = .object(bumped)
        }
        return ObjectShape.normalized(object)
    }

    /// Whether anything but metadata and status differs: what bumps `metadata.generation`.
    static func specChanged(_ old: JSONObject, _ new: JSONObject) -> Bool {
        let ignored: Set<String> = ["metadata", "status", "apiVersion", "kind"]
        var a = old
        var b = new
        a.removeAll { ignored.contains($0.key) }
        b.removeAll { ignored.contains($0.key) }
        return a != b
    }

    /// A Service gets a cluster IP (kept across updates that leave it out) and node ports.
    func allocateServiceAddresses(_ object: inout JSONObject, old: JSONObject?) {
        guard var spec = object["spec"]?.objectValue else { return }
        let type = spec["type"]?.stringValue ?? "ClusterIP"
        if type != "ExternalName" {
            if (spec["clusterIP"]?.stringValue ?? "").isEmpty {
                spec["clusterIP"] = old?["spec"]?["clusterIP"] ?? .string(allocateClusterIP())
            }
            if spec["clusterIPs"] == nil, let ip = spec["clusterIP"] { spec["clusterIPs"] = [ip] }
        }
        if type == "NodePort" || type == "LoadBalancer", let ports = spec["ports"]?.arrayValue {
            let oldPorts = old?["spec"]?["ports"]?.arrayValue ?? []
            spec["ports"] = .array(ports.map { port in
                guard var port = port.objectValue, port["nodePort"] == nil else { return port }
                let previous = oldPorts.first { $0["port"] == port["port"] }?["nodePort"]
                port["nodePort"] = previous ?? .int(allocateNodePort())
                return .object(port)
            })
        }
        object["spec"] = .object(spec)
    }
}
