import BosunCore

/// Field ownership through writes, as the API server's field manager keeps it in
/// `metadata.managedFields`: server-side apply (merge, prune what the applier dropped, conflicts
/// with other managers unless forced) and the `Update` bookkeeping of every other write.
struct FieldManager {
    let type: ResourceType
    /// Empty for the main resource; `status` or `scale` for a subresource.
    let subresource: String

    var schema: FieldSchema { type.schema }

    /// The part of `set` a write through this endpoint can own: never the server's bookkeeping;
    /// not `status` through the main resource of a kind with a status subresource; only `status`
    /// through that subresource.
    func ownable(_ set: FieldSet) -> FieldSet {
        var set = set.subtracting(ManagedFields.strippedFields)
        let status = PathElement.field("status")
        if subresource == "scale" {
            var only = FieldSet()
            only.insert([.field("spec"), .field("replicas")])
            return set.intersection(only)
        }
        if subresource == "status" {
            var only = FieldSet()
            if set.members.contains(status) { only.members.insert(status) }
            only.children[status] = set.children[status]
            return only
        }
        if subresource.isEmpty && type.hasStatusSubresource {
            set.members.remove(status)
            set.children[status] = nil
        }
        return set
    }

    private func ownable(_ comparison: Comparison) -> Comparison {
        Comparison(added: ownable(comparison.added), modified: ownable(comparison.modified), removed: ownable(comparison.removed))
    }

    static func withoutManagedFields(_ object: JSONObject) -> JSONObject {
        guard var metadata = object["metadata"]?.objectValue, metadata["managedFields"] != nil else { return object }
        metadata["managedFields"] = nil
        var copy = object
        copy["metadata"] = .object(metadata)
        return copy
    }

    static func settingManagedFields(_ managed: ManagedFields, on object: JSONObject) -> JSONObject {
        var metadata = object["metadata"]?.objectValue ?? JSONObject()
        metadata["managedFields"] = managed.entries.isEmpty ? JSONValue?.none : managed.json
        var copy = object
        copy["metadata"] = .object(metadata)
        return copy
    }

    // MARK: Apply

    /// `config` applied by `manager` to `live` (nil when the apply creates the object): the merged
    /// object with its new `managedFields`, and whether anything but the timestamps changed.
    func apply(
        live: JSONObject?, config: JSONObject, manager: String, apiVersion: String, force: Bool, now: String,
        objectName: String
    ) throws(APIError) -> (object: JSONObject, changed: Bool) {
        let liveValue: JSONValue? = live.map { .object(Self.withoutManagedFields($0)) }
        var managers = ManagedFields()
        if let live {
            do { managers = try ManagedFields(metadata: live["metadata"]?.objectValue ?? JSONObject(), validate: false) } catch {
                throw APIError.internalError("the stored managedFields of \(objectName) cannot be read: \(error)")
            }
        }
        let configValue = JSONValue.object(config)
        let newSet: FieldSet
        var merged: JSONValue
        do {
            newSet = ownable(try TypedOperations.fieldSet(configValue, schema: schema))
            merged = try TypedOperations.merge(liveValue, configValue, schema) ?? .object(JSONObject())
        } catch {
            throw APIError.unknown("failed to create typed patch object (\(objectName); \(apiVersion), Kind=\(type.kind)): \(error)")
        }

        let applier = ManagedFieldsEntry.Identity(manager: manager, operation: .apply, subresource: subresource, apiVersion: "")
        let previous = managers[applier]

        // Prune: fields this applier set last time and no longer sets, unless something at or
        // beneath them is still owned (by another manager, or by this apply: a map it owned
        // whole and now owns entry by entry stays).
        if let lastSet = previous?.fields, case let dropped = lastSet.subtracting(newSet), !dropped.isEmpty {
            var owned = newSet
            for entry in managers.entries where entry.identity != applier { owned.formUnion(entry.fields) }
            var removal = FieldSet()
            for path in dropped.paths where !owned.containsPrefix(path.elements[...]) {
                removal.insert(path.elements)
            }
            merged = TypedOperations.removing(removal, from: merged, schema)
        }

        // Conflicts: fields the apply changes that another manager owns.
        let comparison = ownable(TypedOperations.compare(liveValue, merged, schema))
        let changes = comparison.added.union(comparison.modified)
        var conflicts: [(entry: ManagedFieldsEntry, paths: [FieldPath])] = []
        for entry in managers.entries where entry.identity != applier {
            let owned = entry.owned(in: changes)
            if !owned.isEmpty { conflicts.append((entry, owned.paths)) }
        }
        if !conflicts.isEmpty && !force { throw Self.conflictError(conflicts) }

        // Ownership: forced conflicts and removed fields leave the other managers.
        let lost = changes.union(comparison.removed)
        for i in managers.entries.indices where managers.entries[i].identity != applier {
            managers.entries[i].remove(lost)
        }
        let changed = liveValue.map { $0 != merged } ?? true
        managers.set(
            ManagedFieldsEntry(
                manager: manager, operation: .apply, apiVersion: apiVersion,
                time: changed || previous == nil ? now : previous?.time, fields: newSet, subresource: subresource))
        managers.removeEmpty()
        let object = merged.objectValue ?? JSONObject()
        let ownershipChanged = live.map { $0["metadata"]?["managedFields"] != managers.json } ?? true
        return (Self.settingManagedFields(managers, on: object), changed || ownershipChanged)
    }

    /// The 409 the server answers an apply with when it would take fields from other managers,
    /// worded as `k8s.io/apimachinery/pkg/util/managedfields/internal/conflict.go` words it.
    static func conflictError(_ conflicts: [(entry: ManagedFieldsEntry, paths: [FieldPath])]) -> APIError {
        let sorted = conflicts.sorted { $0.entry.manager < $1.entry.manager }
        var causes: [JSONValue] = []
        var total = 0
        for conflict in sorted {
            for path in conflict.paths {
                total += 1
                causes.append([
                    "reason": "FieldManagerConflict", "message": .string("conflict with \(conflict.entry.displayName)"),
                    "field": .string(path.description),
                ])
            }
        }
        let message: String
        if total == 1, let only = sorted.first, let path = only.paths.first {
            message = "Apply failed with 1 conflict: conflict with \(only.entry.displayName): \(path)"
        } else {
            var lines: [String] = []
            for conflict in sorted {
                lines.append("conflicts with \(conflict.entry.displayName):")
                lines.append(contentsOf: conflict.paths.map { "- \($0)" })
            }
            message = "Apply failed with \(total) conflicts: " + lines.joined(separator: "\n")
        }
        return APIError(code: 409, reason: "Conflict", message: message, details: ["causes": .array(causes)])
    }

    // MARK: Update

    /// `updated` as written by `manager` with a create, update or patch, with `managedFields`
    /// telling that the manager now owns what it changed and the others lost it. When the request
    /// itself sets `managedFields` (differently from the stored ones), those are kept as given.
    func update(live: JSONObject?, updated: JSONObject, manager: String, apiVersion: String, now: String) throws(APIError) -> JSONObject {
        var managers = ManagedFields()
        let liveMetadata = live?["metadata"]?.objectValue ?? JSONObject()
        let requested = updated["metadata"]?["managedFields"]
        do {
            if let requested, let items = requested.arrayValue, !items.isEmpty, requested != liveMetadata["managedFields"] {
                managers = try ManagedFields(metadata: ["managedFields": requested])
            } else {
                managers = try ManagedFields(metadata: liveMetadata, validate: false)
            }
        } catch {
            throw APIError.invalid(type.groupKind, updated["metadata"]?["name"]?.stringValue ?? "", [error])
        }
        let old: JSONValue? = live.map { .object(Self.withoutManagedFields($0)) } ?? Self.skeleton(type)
        let new = Self.withoutManagedFields(updated)
        let comparison: Comparison
        if subresource == "status" {
            // Only status can change through the status subresource: compare just that.
            comparison = TypedOperations.compare(old?["status"], new["status"], schema.child("status"), at: [.field("status")])
        } else {
            comparison = ownable(TypedOperations.compare(old, .object(new), schema))
        }
        let taken = comparison.added.union(comparison.modified)
        let updater = ManagedFieldsEntry.Identity(manager: manager, operation: .update, subresource: subresource, apiVersion: apiVersion)
        let lost = taken.union(comparison.removed)
        for i in managers.entries.indices where managers.entries[i].identity != updater {
            managers.entries[i].remove(lost)
        }
        if !taken.isEmpty {
            let previous = managers[updater]?.fields.subtracting(comparison.removed) ?? FieldSet()
            managers.set(
                ManagedFieldsEntry(
                    manager: manager, operation: .update, apiVersion: apiVersion, time: now, fields: previous.union(taken),
                    subresource: subresource))
        } else if var previous = managers[updater] {
            previous.remove(comparison.removed)
            managers.set(previous)
        }
        managers.removeEmpty()
        return Self.settingManagedFields(managers, on: new)
    }

    /// What a new object is compared with to find what its creator set: the empty object of its
    /// Go type, whose non-omitempty fields serialize as null (pod template containers, template
    /// creation timestamps), so filling them in does not make the creator own them whole.
    static func skeleton(_ type: ResourceType) -> JSONValue? {
        guard !type.isCustom else { return nil }
        let template = ["spec", "template"]
        let nullPaths: [[String]]
        switch (type.group, type.kind) {
        case ("apps", _), ("batch", "Job"):
            nullPaths = [template + ["metadata", "creationTimestamp"], template + ["spec", "containers"]]
        case ("batch", "CronJob"):
            let job = ["spec", "jobTemplate"]
            nullPaths = [
                job + ["metadata", "creationTimestamp"], job + ["spec", "template", "metadata", "creationTimestamp"],
                job + ["spec", "template", "spec", "containers"],
            ]
        case ("", "Pod"):
            nullPaths = [["spec", "containers"]]
        default:
            return nil
        }
        var skeleton = JSONValue.object(JSONObject())
        for path in nullPaths { skeleton = KubernetesAPI.setting(skeleton, path: path[...], to: .null) }
        return skeleton
    }

    /// The manager name of a write that does not name one: the user agent up to its first `/`.
    static func manager(fieldManager: String?, userAgent: String?) -> String {
        if let fieldManager, !fieldManager.isEmpty { return fieldManager }
        let agent = (userAgent ?? "").split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return String(agent.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.prefix(128).map(Character.init))
    }
}
