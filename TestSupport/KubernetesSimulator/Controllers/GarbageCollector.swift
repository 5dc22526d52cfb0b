import BosunCore

/// The garbage collector, simulated: dependents whose owners are all gone are deleted
/// (background propagation); an owner deleted in the foreground keeps its `foregroundDeletion`
/// finalizer until its dependents are gone; an orphaning delete removes the owner references
/// from the dependents, then its `orphan` finalizer.
struct GarbageCollector: Sendable {
    let context: ControllerContext

    var api: KubernetesAPI { context.api }

    func run() async {
        var seen = -1
        while !Task.isCancelled {
            let marks = api.store.deletionMarks
            if marks != seen {
                seen = marks
                sweep()
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    private struct Entry {
        var type: ResourceType
        var object: StoredObject
    }

    /// One pass over every object.
    func sweep() {
        let all: [Entry] = api.store.objects(where: { object in
            object["metadata"]?["ownerReferences"] != nil || object["metadata"]?["deletionTimestamp"] != nil
        }).compactMap { resource, object in
            api.registry.type(resource).map { Entry(type: $0, object: object) }
        }
        guard !all.isEmpty else { return }
        var dependents: [String: [Entry]] = [:]
        for entry in all {
            for reference in entry.object.metadata["ownerReferences"]?.arrayValue ?? [] {
                if let uid = reference["uid"]?.stringValue { dependents[uid, default: []].append(entry) }
            }
        }
        for entry in all {
            let metadata = entry.object.metadata
            let references = metadata["ownerReferences"]?.arrayValue ?? []
            if !references.isEmpty && metadata["deletionTimestamp"] == nil,
                // Earlier steps of this pass may have changed it (an orphaning owner drops its references).
                let fresh = api.store.get(entry.type.groupResource, namespace: entry.object.namespace, name: entry.object.name),
                fresh.uid == entry.object.uid
            {
                let references = fresh.metadata["ownerReferences"]?.arrayValue ?? []
                let living = references.filter { ownerExists($0, namespace: entry.object.namespace) }
                if living.isEmpty && !references.isEmpty {
                    _ = try? api.delete(entry.type, namespace: entry.object.namespace, name: entry.object.name)
                } else if living.count < references.count {
                    setOwnerReferences(entry, living)
                }
            }
            guard metadata["deletionTimestamp"] != nil else { continue }
            let finalizers = (metadata["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
            let mine = dependents[entry.object.uid] ?? []
            if finalizers.contains("orphan") {
                for dependent in mine {
                    let rest = (dependent.object.metadata["ownerReferences"]?.arrayValue ?? []).filter {
                        $0["uid"]?.stringValue != entry.object.uid
                    }
                    setOwnerReferences(dependent, rest)
                }
                removeFinalizer("orphan", from: entry)
            } else if finalizers.contains("foregroundDeletion") {
                if mine.isEmpty {
                    removeFinalizer("foregroundDeletion", from: entry)
                } else {
                    for dependent in mine where dependent.object.metadata["deletionTimestamp"] == nil {
                        _ = try? api.delete(dependent.type, namespace: dependent.object.namespace, name: dependent.object.name)
                    }
                }
            }
        }
    }

    /// Whether the owner a reference names exists (with that uid) in the dependent's namespace or cluster-wide.
    private func ownerExists(_ reference: JSONValue, namespace: String) -> Bool {
        guard let apiVersion = reference["apiVersion"]?.stringValue, let kind = reference["kind"]?.stringValue,
            let name = reference["name"]?.stringValue, let uid = reference["uid"]?.stringValue,
            let type = api.registry.type(apiVersion: apiVersion, kind: kind)
        else { return false }
        let owner = api.store.get(type.groupResource, namespace: type.namespaced ? namespace : "", name: name)
        return owner?.uid == uid
    }

    private func setOwnerReferences(_ entry: Entry, _ references: [JSONValue]) {
        context.updateObject(entry.type, namespace: entry.object.namespace, name: entry.object.name) { current in
            guard current["metadata"]?["uid"]?.stringValue == entry.object.uid else { return nil }
            var object = current
            var metadata = object["metadata"]?.objectValue ?? JSONObject()
            metadata["ownerReferences"] = references.isEmpty ? JSONValue?.none : .array(references)
            object["metadata"] = .object(metadata)
            return object
        }
    }

    private func removeFinalizer(_ finalizer: String, from entry: Entry) {
        context.updateObject(entry.type, namespace: entry.object.namespace, name: entry.object.name) { current in
            guard current["metadata"]?["uid"]?.stringValue == entry.object.uid else { return nil }
            var object = current
            var metadata = object["metadata"]?.objectValue ?? JSONObject()
            let rest = (metadata["finalizers"]?.arrayValue ?? []).filter { $0.stringValue != finalizer }
            metadata["finalizers"] = rest.isEmpty ? JSONValue?.none : .array(rest)
            object["metadata"] = .object(metadata)
            return object
        }
    }
}
