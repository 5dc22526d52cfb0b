import BosunCore

/// A DaemonSet is healthy when its pod runs updated and available on every node it should.
enum DaemonSetHealth {
    static func health(_ set: Resource) -> HealthStatus {
        let generation = set.generation
        let observed = set.observedGeneration ?? 0
        guard generation <= observed else {
            return .progressing("Waiting for the daemon set controller to observe generation \(generation) (observed \(observed))")
        }
        let desired = set.int("status", "desiredNumberScheduled") ?? 0
        let updated = set.int("status", "updatedNumberScheduled") ?? 0
        let available = set.int("status", "numberAvailable") ?? 0
        if set.string("spec", "updateStrategy", "type") == "OnDelete" {
            return .healthy("\(updated) out of \(desired) pods have been updated (updateStrategy OnDelete: pods are updated only when deleted)")
        }
        if updated < desired {
            return .progressing("Waiting for daemon set \"\(set.name)\" rollout to finish: \(updated) out of \(desired) new pods have been updated...")
        }
        if available < desired {
            return .progressing("Waiting for daemon set \"\(set.name)\" rollout to finish: \(available) of \(desired) updated pods are available...")
        }
        return .healthy("\(available) of \(desired) pods are available")
    }
}
