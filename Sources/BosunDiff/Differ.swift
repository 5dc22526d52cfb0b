import BosunCore

/// The three-way comparison of desired (Git), live (what runs) and last-applied (what Bosun
/// applied last time). Pure functions over BosunCore values.
public enum Differ {
    /// Compares one resource. Desired without live is `create`; live or last-applied without
    /// desired is `delete`; otherwise `update` when a field is drift (see `ThreeWayDiff`), else
    /// `unchanged`. Every side is normalised first (`DiffOptions.normalizers`, then
    /// `ignoreDifferences`).
    public static func diff(desired: Resource?, live: Resource?, lastApplied: Resource?, options: DiffOptions) -> ResourceDiff {
        let key = desired?.key ?? live?.key ?? lastApplied?.key ?? ResourceKey(group: "", kind: "", name: "")
        let action: ChangeAction
        var changes: [FieldChange] = []
        switch (desired, live) {
        case (nil, nil): action = lastApplied == nil ? .unchanged : .delete
        case (.some, nil): action = .create
        case (nil, .some): action = .delete
        case (let desired?, let live?):
            let sides = normalized(desired: desired, live: live, lastApplied: lastApplied, options: options)
            changes = ThreeWayDiff.changes(
                desired: sides.desired.body, live: sides.live.body, lastApplied: sides.lastApplied?.body,
                normalizers: options.normalizers)
            if SecretMasking.isSecret(desired) || SecretMasking.isSecret(live) {
                changes = changes.map { change in
                    var masked = change
                    masked.old = SecretMasking.reportable(change.old, at: change.path, of: live)
                    masked.new = SecretMasking.reportable(change.new, at: change.path, of: live)
                    return masked
                }
            }
            // Decrypted values (SOPS) of any kind, where desired or last-applied says they are.
            let sensitive = (desired.sensitive ?? SensitiveFields()).union(lastApplied?.sensitive)
            if !sensitive.isEmpty {
                changes = changes.map { change in
                    var masked = change
                    masked.old = SecretMasking.masking(change.old, at: change.path, sensitive)
                    masked.new = SecretMasking.masking(change.new, at: change.path, sensitive)
                    return masked
                }
            }
            action = changes.isEmpty ? .unchanged : .update
        }
        return ResourceDiff(
            key: key, action: action, changes: changes, desired: desired, live: live, lastApplied: lastApplied,
            options: options)
    }

    /// Set level: one diff per key in desired ∪ live ∪ lastApplied (keys only live/lastApplied has
    /// become `delete`), sorted by key. When desired repeats a key, the later resource wins.
    public static func diff(
        desired: [Resource], live: [ResourceKey: Resource], lastApplied: [ResourceKey: Resource], options: DiffOptions
    ) -> [ResourceDiff] {
        var desiredByKey: [ResourceKey: Resource] = [:]
        desiredByKey.reserveCapacity(desired.count)
        for resource in desired { desiredByKey[resource.key] = resource }
        var keys = Set(desiredByKey.keys)
        keys.formUnion(live.keys)
        keys.formUnion(lastApplied.keys)
        return keys.sorted().map { key in
            diff(desired: desiredByKey[key], live: live[key], lastApplied: lastApplied[key], options: options)
        }
    }

    /// What the object looks like after desired is applied over live: live's fields with the
    /// fields desired sets taken from desired (live's spelling kept where the two mean the same),
    /// minus fields last-applied had and desired no longer has. Server-set fields stay.
    public static func merged(
        live: Resource, desired: Resource, lastApplied: Resource? = nil, options: DiffOptions = DiffOptions()
    ) -> Resource {
        let body = Merge.merged(
            live: live.body, desired: desired.body, lastApplied: lastApplied?.body, normalizers: options.normalizers)
        return Resource(body, source: desired.source)
    }

    /// Every side with `options`' rewrites applied.
    static func normalized(desired: Resource, live: Resource, lastApplied: Resource?, options: DiffOptions)
        -> (desired: Resource, live: Resource, lastApplied: Resource?)
    {
        let normalizers = options.allNormalizers
        return (
            Normalizers.normalize(desired, with: normalizers),
            Normalizers.normalize(live, with: normalizers),
            lastApplied.map { Normalizers.normalize($0, with: normalizers) }
        )
    }

    static func normalized(_ resource: Resource, options: DiffOptions) -> Resource {
        Normalizers.normalize(resource, with: options.allNormalizers)
    }
}
