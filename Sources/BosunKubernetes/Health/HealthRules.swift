import BosunCore

/// The health of a live Kubernetes object, with a message a person can act on.
///
/// Built-in kinds have a rule of their own (one file per kind, as Argo CD's gitops-engine has);
/// every other kind falls back to the generic rules on `observedGeneration` and the
/// `Stalled` / `Reconciling` / `Ready` conditions that most controllers write.
public enum HealthRules {
    /// A kind-specific rule: the health of one object of that kind.
    typealias Rule = @Sendable (Resource) -> HealthStatus

    /// Rules by `group/kind`; the same kind served by an older group shares its rule.
    static let rules: [String: Rule] = [
        "apps/Deployment": DeploymentHealth.health,
        "extensions/Deployment": DeploymentHealth.health,
        "apps/StatefulSet": StatefulSetHealth.health,
        "apps/DaemonSet": DaemonSetHealth.health,
        "extensions/DaemonSet": DaemonSetHealth.health,
        "apps/ReplicaSet": ReplicaSetHealth.health,
        "extensions/ReplicaSet": ReplicaSetHealth.health,
        "/Pod": PodHealth.health,
        "batch/Job": JobHealth.health,
        "batch/CronJob": CronJobHealth.health,
        "/PersistentVolumeClaim": PersistentVolumeClaimHealth.health,
        "/Service": ServiceHealth.health,
        "networking.k8s.io/Ingress": IngressHealth.health,
        "extensions/Ingress": IngressHealth.health,
        "apiextensions.k8s.io/CustomResourceDefinition": CustomResourceDefinitionHealth.health,
        "autoscaling/HorizontalPodAutoscaler": HorizontalPodAutoscalerHealth.health,
    ]

    /// The health of `object` as it runs.
    public static func health(of object: Resource) -> HealthStatus {
        // An object on its way out is neither healthy nor broken: it waits for its finalizers.
        if object.deletionTimestamp != nil {
            let finalizers = object.array("metadata", "finalizers").compactMap(\.stringValue)
            if finalizers.isEmpty { return .progressing("Pending deletion") }
            return .progressing("Pending deletion: waiting for finalizers \(finalizers.joined(separator: ", "))")
        }
        if let rule = rules["\(object.group)/\(object.kind)"] {
            return rule(object)
        }
        return GenericHealth.health(object)
    }

    /// Whether `group/kind` has a rule of its own (otherwise the generic rules apply).
    public static func hasSpecificRule(group: String, kind: String) -> Bool {
        rules["\(group)/\(kind)"] != nil
    }
}
