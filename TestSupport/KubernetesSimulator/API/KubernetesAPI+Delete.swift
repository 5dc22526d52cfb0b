import BosunCore

/// Deletes: immediate when nothing holds the object, otherwise a `deletionTimestamp` and the
/// finalizers that make it wait (`foregroundDeletion` and `orphan` for those propagation
/// policies, a namespace's `kubernetes` finalizer).
extension KubernetesAPI {
    /// Namespaces the real server refuses to delete.
    static let protectedNamespaces: Set<String> = ["default", "kube-system", "kube-public"]

    public func delete(_ type: ResourceType, namespace: String, name: String, options: DeleteOptions = DeleteOptions()) throws(APIError) -> DeleteOutcome {
        let resource = type.groupResource
        let namespace = type.namespaced ? namespace : ""
        let isNamespace = type.group.isEmpty && type.kind == "Namespace"
        if isNamespace && Self.protectedNamespaces.contains(name) {
            throw APIError.forbidden(resource, name, "this namespace may not be deleted")
        }
        for _ in 0..<64 {
            guard let current = store.get(resource, namespace: namespace, name: name) else {
                throw APIError.notFound(resource, name)
            }
            if let uid = options.preconditionUID, uid != current.uid {
                throw APIError.conflict(
                    resource, name, "Precondition failed: UID in precondition: \(uid), UID in object meta: \(current.uid)")
            }
            if let version = options.preconditionResourceVersion, version != String(current.resourceVersion) {
                throw APIError.conflict(
                    resource, name,
                    "Precondition failed: ResourceVersion in precondition: \(version), ResourceVersion in object meta: \(current.resourceVersion)")
            }
            var metadata = current.metadata
            var finalizers = metadata["finalizers"]?.arrayValue ?? []
            switch options.propagationPolicy ?? .background {
            case .foreground where !finalizers.contains("foregroundDeletion"):
                finalizers.append("foregroundDeletion")
            case .orphan where !finalizers.contains("orphan"):
                finalizers.append("orphan")
            default: break
            }
            if !isNamespace && finalizers.isEmpty {
                if options.dryRun { return .deleted(current) }
                do {
                    let last = try store.write(resource, namespace: namespace, name: name, object: nil, precondition: .version(current.resourceVersion))
                    return .deleted(last)
                } catch {
                    continue
                }
            }
            // Something holds the object: it becomes terminating and waits.
            if metadata["deletionTimestamp"] == nil {
                metadata["deletionTimestamp"] = .string(Self.now())
                metadata["deletionGracePeriodSeconds"] = 0
            }
            metadata["finalizers"] = finalizers.isEmpty ? JSONValue?.none : .array(finalizers)
            var object = current.object
            object["metadata"] = .object(ObjectShape.normalizedMetadata(metadata))
            if isNamespace {
                var status = object["status"]?.objectValue ?? JSONObject()
                status["phase"] = "Terminating"
                object["status"] = .object(status)
            }
            if object == current.object { return .pending(current) }
            if options.dryRun { return .pending(StoredObject(object: object, resourceVersion: current.resourceVersion)) }
            do {
                let stored = try store.write(resource, namespace: namespace, name: name, object: object, precondition: .version(current.resourceVersion))
                return .pending(stored)
            } catch {
                continue
            }
        }
        throw APIError.internalError("too many concurrent writes to \(resource) \"\(name)\"; try again")
    }

    /// DELETE on a collection: every matching object, each as a single delete would.
    public func deleteCollection(_ type: ResourceType, namespace: String?, listOptions: ListOptions, options: DeleteOptions) throws(APIError) -> [StoredObject] {
        var listOptions = listOptions
        listOptions.limit = nil
        var deleted: [StoredObject] = []
        for object in try list(type, namespace: namespace, options: listOptions).items {
            do {
                switch try delete(type, namespace: object.namespace, name: object.name, options: options) {
                case .deleted(let last), .pending(let last): deleted.append(last)
                }
            } catch where error.code == 404 {
                continue
            }
        }
        return deleted
    }
}
