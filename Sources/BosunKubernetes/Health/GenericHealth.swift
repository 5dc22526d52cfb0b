import BosunCore

/// Health for kinds without a rule of their own, from the fields most controllers write
/// (the conventions kstatus and Flux follow): `spec.suspend`, `status.observedGeneration`,
/// and the `Stalled`, `Reconciling` and `Ready` conditions. A kind with no status at all is
/// healthy once it exists (ConfigMap, Secret, RBAC...).
enum GenericHealth {
    /// `Ready=False` reasons that mean "not yet" rather than "failed".
    static let progressingReasons: Set<String> = [
        "Progressing", "Reconciling", "Pending", "Creating", "Initializing", "Initialising", "Waiting", "InProgress",
        "DependencyNotReady", "Provisioning", "Deploying", "Updating", "Starting", "Scaling", "NotReconciled",
    ]

    static func health(_ object: Resource) -> HealthStatus {
        let kind = object.kind.isEmpty ? "object" : object.kind
        if object.bool("spec", "suspend") == true {
            return .suspended("\(kind) is suspended (spec.suspend: true)")
        }
        if let observed = object.observedGeneration, observed < object.generation {
            return .progressing("Waiting for the controller to observe generation \(object.generation) (observed \(observed))")
        }
        if let stalled = object.condition("Stalled"), stalled.isTrue {
            return .degraded("Stalled: \(stalled.explanation)")
        }
        if let reconciling = object.condition("Reconciling"), reconciling.isTrue {
            return .progressing("Reconciling: \(reconciling.explanation)")
        }
        if let ready = object.condition("Ready") {
            if ready.isTrue { return .healthy(ready.message.isEmpty ? "Ready" : ready.message) }
            if ready.isFalse {
                if isProgressingReason(ready.reason) { return .progressing("Not ready yet: \(ready.explanation)") }
                return .degraded("Not ready: \(ready.explanation)")
            }
            return .progressing("Readiness is unknown: \(ready.explanation)")
        }
        return .healthy()
    }

    static func isProgressingReason(_ reason: String) -> Bool {
        if progressingReasons.contains(reason) { return true }
        let lowered = reason.lowercased()
        return lowered.contains("progress") || lowered.contains("pending") || lowered.hasPrefix("waiting")
    }
}
