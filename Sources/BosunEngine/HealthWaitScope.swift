import BosunCore
import BosunDiff

/// What a sync's health wait knows about the sync so far: what it applied (watched for drift,
/// so a deletion under the sync is put back rather than blamed on the commit) and which of those
/// the commit created or changed (the only resources whose failure is evidence against it).
struct HealthWaitScope: Sendable {
    var selfHeal = false
    var ignoreDifferences: [IgnoreDifference] = []
    private(set) var applied: [ResourceKey: Resource] = [:]
    private(set) var changed: Set<ResourceKey> = []

    init(selfHeal: Bool, ignoreDifferences: [IgnoreDifference]) {
        self.selfHeal = selfHeal
        self.ignoreDifferences = ignoreDifferences
    }

    /// A hook: created by this sync, so its failure counts; not watched for drift (applying a
    /// Job again would run it again).
    init(hook key: ResourceKey) {
        changed = [key]
    }

    mutating func add(_ wave: Plan.Wave) {
        for step in wave.steps {
            guard let resource = step.resource else { continue }
            applied[step.key] = resource
            if step.action != .unchanged { changed.insert(step.key) }
        }
    }

    /// What this sync applied that is now gone or differs from what it applied.
    func drift(live: [ResourceKey: Resource]) -> [(resource: Resource, why: String)] {
        let options = DiffOptions(ignoreDifferences: ignoreDifferences)
        return applied.keys.sorted().compactMap { key in
            guard let resource = applied[key] else { return nil }
            guard let object = live[key] else { return (resource, "was deleted") }
            let diff = Differ.diff(desired: resource, live: object, lastApplied: resource, options: options)
            return diff.action == .unchanged ? nil : (resource, "was changed")
        }
    }
}
