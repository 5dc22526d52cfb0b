import BosunCore

/// A PersistentVolumeClaim is healthy once bound to a volume.
enum PersistentVolumeClaimHealth {
    static func health(_ claim: Resource) -> HealthStatus {
        let volume = claim.string("spec", "volumeName") ?? ""
        switch claim.string("status", "phase") ?? "" {
        case "Bound":
            return .healthy(volume.isEmpty ? "PVC is Bound" : "PVC is Bound to volume \(volume)")
        case "Pending":
            return .progressing("PVC is Pending: waiting for a volume to be bound")
        case "Lost":
            let named = volume.isEmpty ? "its volume" : "its volume \(volume)"
            return .degraded("PVC is Lost: \(named) no longer exists; restore the volume or recreate the claim")
        case "":
            return .unknown("PVC has no phase yet")
        case let phase:
            return .unknown("PVC is in phase \(phase)")
        }
    }
}
