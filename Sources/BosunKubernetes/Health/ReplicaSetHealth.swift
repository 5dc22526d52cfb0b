import BosunCore

/// A ReplicaSet is healthy when all its replicas are available; a `ReplicaFailure` condition
/// (quota exceeded, forbidden by a policy) means it cannot get there by itself.
enum ReplicaSetHealth {
    static func health(_ set: Resource) -> HealthStatus {
        let generation = set.generation
        let observed = set.observedGeneration ?? 0
        guard generation <= observed else {
            return .progressing("Waiting for the replica set controller to observe generation \(generation) (observed \(observed))")
        }
        if let failure = set.condition("ReplicaFailure"), failure.isTrue {
            return .degraded("ReplicaSet \"\(set.name)\" cannot create pods: \(failure.explanation)")
        }
        let wanted = set.specReplicas
        let available = set.int("status", "availableReplicas") ?? 0
        if available < wanted {
            return .progressing("Waiting for rollout to finish: \(available) out of \(wanted) new replicas are available...")
        }
        return .healthy("\(available) of \(wanted) replicas are available")
    }
}
