import BosunCore

/// The kinds a Kubernetes API server serves without CRDs that are cluster-scoped, for when no
/// server can be asked (`bosun diff --desired F --live F`). Every other built-in kind is
/// namespaced; a custom kind is unknown here.
public enum BuiltInKinds {
    /// `group/kind` of the cluster-scoped built-in kinds.
    static let clusterScoped: Set<String> = [
        "/Namespace", "/Node", "/PersistentVolume", "/ComponentStatus",
        "rbac.authorization.k8s.io/ClusterRole", "rbac.authorization.k8s.io/ClusterRoleBinding",
        "apiextensions.k8s.io/CustomResourceDefinition", "apiregistration.k8s.io/APIService",
        "storage.k8s.io/StorageClass", "storage.k8s.io/CSIDriver", "storage.k8s.io/CSINode", "storage.k8s.io/VolumeAttachment",
        "storage.k8s.io/VolumeAttributesClass",
        "scheduling.k8s.io/PriorityClass", "node.k8s.io/RuntimeClass", "networking.k8s.io/IngressClass",
        "networking.k8s.io/IPAddress", "networking.k8s.io/ServiceCIDR",
        "admissionregistration.k8s.io/MutatingWebhookConfiguration", "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io/ValidatingAdmissionPolicy", "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
        "admissionregistration.k8s.io/MutatingAdmissionPolicy", "admissionregistration.k8s.io/MutatingAdmissionPolicyBinding",
        "certificates.k8s.io/CertificateSigningRequest", "certificates.k8s.io/ClusterTrustBundle",
        "flowcontrol.apiserver.k8s.io/FlowSchema", "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
        "policy/PodSecurityPolicy", "resource.k8s.io/DeviceClass", "resource.k8s.io/ResourceSlice",
        "authentication.k8s.io/TokenReview", "authentication.k8s.io/SelfSubjectReview",
        "authorization.k8s.io/SubjectAccessReview", "authorization.k8s.io/SelfSubjectAccessReview",
        "authorization.k8s.io/SelfSubjectRulesReview",
    ]

    /// The API groups whose kinds are all built in.
    static let builtInGroups: Set<String> = [
        "", "apps", "batch", "autoscaling", "policy", "networking.k8s.io", "extensions", "rbac.authorization.k8s.io",
        "storage.k8s.io", "scheduling.k8s.io", "node.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "events.k8s.io",
        "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io", "certificates.k8s.io",
        "flowcontrol.apiserver.k8s.io", "resource.k8s.io", "authentication.k8s.io", "authorization.k8s.io",
    ]

    /// Whether objects of `group/kind` live in a namespace; nil for a kind that is not built in.
    public static func isNamespaced(group: String, kind: String) -> Bool? {
        if clusterScoped.contains("\(group)/\(kind)") { return false }
        return builtInGroups.contains(group) ? true : nil
    }
}

/// Namespaces for desired objects that name none, as the engine gives them
/// `destination.namespace`, for comparing manifests from Git with objects saved by kubectl.
public enum NamespaceDefaults {
    /// `desired` with a namespace on each namespaced object that lacks one: `namespace` when
    /// given (as `destination.namespace` is), else the namespace of the live object of the same
    /// kind and name when exactly one exists. Cluster-scoped kinds lose one written by mistake
    /// (the API server ignores it). Whether a kind is namespaced comes from `scope` (a
    /// target's discovery), else the live objects of that kind, else the built-in list; a
    /// custom kind none of them knows is taken to be namespaced, as most are.
    public static func assign(
        _ desired: [Resource], live: [Resource], namespace: String?,
        scope: (Resource) async throws -> Bool? = { _ in nil }
    ) async throws -> [Resource] {
        var liveNamespaces: [String: Set<String>] = [:]
        var liveScope: [String: Bool] = [:]
        for object in live {
            let kind = "\(object.group)/\(object.kind)"
            liveScope[kind] = !object.namespace.isEmpty
            liveNamespaces["\(kind)/\(object.name)", default: []].insert(object.namespace)
        }
        var result: [Resource] = []
        result.reserveCapacity(desired.count)
        for var object in desired {
            let kind = "\(object.group)/\(object.kind)"
            let namespaced = try await scope(object) ?? liveScope[kind] ?? BuiltInKinds.isNamespaced(group: object.group, kind: object.kind)
            switch namespaced {
            case false?:
                if !object.namespace.isEmpty { object.setMetadata("namespace", nil) }
            case true?, nil:
                guard object.namespace.isEmpty else { break }
                let candidates = (liveNamespaces["\(kind)/\(object.name)"] ?? []).subtracting([""])
                if let namespace, !namespace.isEmpty {
                    object.setNamespace(namespace)
                } else if candidates.count == 1, let only = candidates.first {
                    object.setNamespace(only)
                }
            }
            result.append(object)
        }
        return result
    }
}
