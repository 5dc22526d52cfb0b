import BosunCore

extension KubernetesTarget {
    /// The annotation that asks for another delete propagation for one object
    /// (`Foreground`, `Background` or `Orphan`).
    public static let deletePropagationAnnotation = "bosun.dev/delete-propagation"

    /// Deletes an object this application tracks. An object whose tracking id names another
    /// application (or none) is refused and reported, never deleted; deleting what does not
    /// exist succeeds.
    public func delete(_ key: ResourceKey, context: AppContext) async throws {
        guard let served = try await client.discovery.resource(group: key.group, kind: key.kind) else { return }
        let live: Resource?
        if let cached = await cache.object(key) {
            live = cached
        } else {
            live = try await client.get(served, namespace: key.namespace, name: key.name)
        }
        guard let live else { return }
        let expected = Annotations.trackingID(app: context.app, key: key)
        let tracking = live.annotation(Annotations.trackingID)
        // A hook created under generateName carries the tracking id of its prefix (its name was
        // not known when it was annotated).
        var generated = key
        if let prefix = live.metadata["generateName"]?.stringValue, !prefix.isEmpty, key.name.hasPrefix(prefix) { generated.name = prefix }
        guard tracking == expected || tracking == Annotations.trackingID(app: context.app, key: generated) else {
            let found = tracking.map { "tracking id \"\($0)\"" } ?? "no tracking id"
            throw TargetError(.conflict, "not deleting \(key.shortDescription): it has \(found), not \"\(expected)\"; it belongs to another application or was not created by Bosun", key: key)
        }
        try await client.delete(served, namespace: key.namespace, name: key.name, propagation: propagation(for: live))
    }

    func propagation(for object: Resource) -> DeletePropagation {
        if let asked = object.annotation(Self.deletePropagationAnnotation) {
            for policy in [DeletePropagation.foreground, .background, .orphan] where policy.rawValue.lowercased() == asked.lowercased() {
                return policy
            }
        }
        // Argo CD's spelling of the same wish.
        if let options = object.annotation(Annotations.argoSyncOptions), options.contains("PrunePropagationPolicy=") {
            let lowered = options.lowercased()
            if lowered.contains("prunepropagationpolicy=foreground") { return .foreground }
            if lowered.contains("prunepropagationpolicy=orphan") { return .orphan }
            if lowered.contains("prunepropagationpolicy=background") { return .background }
        }
        return deletePropagation
    }
}
