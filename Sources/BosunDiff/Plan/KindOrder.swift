import BosunCore

/// The order kinds are applied in inside one sync wave: what others depend on first
/// (namespaces, policies, accounts, configuration, storage, CRDs, RBAC), then services and
/// workloads, then ingress; kinds Bosun does not know after those (by kind name); admission
/// webhooks last, so they cannot block the resources they would check.
public enum KindOrder {
    /// The kinds whose order is fixed, first to last.
    public static let known: [String] = [
        "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
        "ServiceAccount", "Secret", "ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
        "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service",
        "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler",
        "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
    ]
    /// Applied after every other kind.
    public static let last: [String] = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]

    /// Kinds of other targets that sort as the Kubernetes kind they play the part of.
    static let aliases: [String: [String: String]] = [
        "host.bosun.dev": ["File": "ConfigMap", "Process": "Deployment"],
        "nomad": ["Job": "Deployment"],
    ]

    private static let rankOfKnown: [String: Int] = Dictionary(
        uniqueKeysWithValues: known.enumerated().map { ($0.element, $0.offset) })

    /// Where `kind` of `group` sorts: a known kind's position, then unknown kinds (ordered by
    /// name through `unknownName`), then the webhooks.
    public static func rank(group: String, kind: String) -> Rank {
        let kind = aliases[group]?[kind] ?? kind
        if let index = rankOfKnown[kind] { return Rank(tier: 0, index: index, unknownName: "") }
        if let index = last.firstIndex(of: kind) { return Rank(tier: 2, index: index, unknownName: "") }
        return Rank(tier: 1, index: 0, unknownName: kind)
    }

    /// A kind's place in the order; lower applies first.
    public struct Rank: Sendable, Hashable, Comparable {
        var tier: Int
        var index: Int
        var unknownName: String

        public static func < (a: Rank, b: Rank) -> Bool {
            (a.tier, a.index, a.unknownName) < (b.tier, b.index, b.unknownName)
        }
    }

    /// Whether `a` applies before `b` in one wave: by kind order, then namespace, then name
    /// (group and kind break the last ties so the order never depends on input order).
    public static func applyOrder(_ a: ResourceKey, _ b: ResourceKey) -> Bool {
        let rankA = rank(group: a.group, kind: a.kind)
        let rankB = rank(group: b.group, kind: b.kind)
        if rankA != rankB { return rankA < rankB }
        return (a.namespace, a.name, a.group, a.kind) < (b.namespace, b.name, b.group, b.kind)
    }
}
