import BosunCore

/// The health of a live Kubernetes object, with a message a person can act on.
///
/// In order: an object being deleted is Progressing; the rules users declared for its kind
/// (`DeclaredHealthRules`); the built-in kind's own rule (one file per kind, as Argo CD's
/// gitops-engine has); the generic rules every other kind gets (`GenericHealth`).
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
        "apiregistration.k8s.io/APIService": APIServiceHealth.health,
    ]

    /// Which rule decided an object's health.
    public enum Origin: Sendable, Hashable, CustomStringConvertible {
        /// The object is being deleted.
        case deletion
        /// A declared rule, or a declared list's default.
        case declared(DeclaredHealthRules.Decision)
        /// The built-in rule of its kind.
        case builtIn
        /// The generic rules.
        case generic

        /// `bosun.yaml:14` for a declared rule, else `deletion`, `built-in` or `generic`.
        public var description: String {
            switch self {
            case .deletion: "deletion"
            case .declared(.rule(let rule)): rule.source.map { "\($0)" } ?? "declared rule"
            case .declared(.defaultOf(let set)): "default of " + (set.source.map { "\($0)" } ?? "declared rules")
            case .builtIn: "built-in"
            case .generic: "generic"
            }
        }
    }

    /// The health of `object` as it runs.
    public static func health(of object: Resource, declared: DeclaredHealthRules = DeclaredHealthRules()) -> HealthStatus {
        evaluate(object, declared: declared).health
    }

    /// The health of `object` and which rule decided it.
    public static func evaluate(_ object: Resource, declared: DeclaredHealthRules = DeclaredHealthRules()) -> (health: HealthStatus, origin: Origin) {
        // An object on its way out is neither healthy nor broken: it waits for its finalizers.
        if object.deletionTimestamp != nil {
            let finalizers = object.array("metadata", "finalizers").compactMap(\.stringValue)
            if finalizers.isEmpty { return (.progressing("Pending deletion"), .deletion) }
            return (.progressing("Pending deletion: waiting for finalizers \(finalizers.joined(separator: ", "))"), .deletion)
        }
        let kind = "\(object.group)/\(object.kind)"
        if let answer = declared.evaluate(object, kind: kind) {
            return (answer.health, .declared(answer.decision))
        }
        if let rule = rules[kind] {
            return (rule(object), .builtIn)
        }
        return (GenericHealth.health(object), .generic)
    }

    /// Whether `group/kind` has a rule of its own (otherwise the generic rules apply).
    public static func hasSpecificRule(group: String, kind: String) -> Bool {
        rules["\(group)/\(kind)"] != nil
    }
}
