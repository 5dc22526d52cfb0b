import BosunCore

/// A StatefulSet is healthy when every replica is ready and, for rolling updates, every pod
/// above the partition runs the update revision.
enum StatefulSetHealth {
    static func health(_ set: Resource) -> HealthStatus {
        let generation = set.generation
        let observed = set.observedGeneration ?? 0
        if observed == 0 || generation > observed {
            return .progressing("Waiting for the statefulset controller to observe generation \(generation) (observed \(observed))")
        }
        let wanted = set.specReplicas
        let ready = set.int("status", "readyReplicas") ?? 0
        if ready < wanted {
            return .progressing("Waiting for \(wanted - ready) of \(wanted) pods to be ready...")
        }
        let updated = set.int("status", "updatedReplicas") ?? 0
        let strategy = set.string("spec", "updateStrategy", "type") ?? "RollingUpdate"
        if strategy == "OnDelete" {
            return .healthy("\(ready) pods are ready (updateStrategy OnDelete: pods are updated only when deleted)")
        }
        if let partition = set.int("spec", "updateStrategy", "rollingUpdate", "partition"), partition > 0 {
            let expected = max(0, wanted - partition)
            if updated < expected {
                return .progressing("Waiting for partitioned roll out to finish: \(updated) out of \(expected) new pods have been updated...")
            }
            return .healthy("Partitioned roll out complete: \(updated) new pods have been updated (partition \(partition))")
        }
        let updateRevision = set.string("status", "updateRevision") ?? ""
        let currentRevision = set.string("status", "currentRevision") ?? ""
        if !updateRevision.isEmpty, updateRevision != currentRevision {
            return .progressing("Waiting for rolling update to finish: \(updated) of \(wanted) pods are at revision \(updateRevision)...")
        }
        return .healthy("\(ready) of \(wanted) pods are ready at revision \(currentRevision)")
    }
}
