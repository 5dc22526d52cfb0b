import BosunCore

/// A CustomResourceDefinition is healthy once its names are accepted and it is established
/// (the API server serves its kind), with a structural schema.
enum CustomResourceDefinitionHealth {
    static func health(_ crd: Resource) -> HealthStatus {
        let conditions = crd.conditions
        if conditions.isEmpty {
            return .progressing("Waiting for the API server to accept the CRD (no status conditions yet)")
        }
        if let terminating = crd.condition("Terminating"), terminating.isTrue {
            return .progressing("CRD is being terminated: \(terminating.explanation)")
        }
        if let names = crd.condition("NamesAccepted"), names.isFalse {
            return .degraded("CRD names have not been accepted: \(names.explanation)")
        }
        guard let established = crd.condition("Established"), established.isTrue else {
            let why = crd.condition("Established")?.explanation ?? "no Established condition yet"
            return .progressing("CRD is not established yet: \(why)")
        }
        if let schema = crd.condition("NonStructuralSchema"), schema.isTrue {
            return .degraded("CRD schema is not structural: \(schema.explanation)")
        }
        let kind = crd.string("spec", "names", "kind") ?? crd.name
        return .healthy("CRD is established: kind \(kind) is served")
    }
}
