/// The kinds a fresh simulator serves, with the scope, verbs, short names and categories the
/// real API server (v1.32) reports in discovery.
enum BuiltinResourceTypes {
    static let namespaceVerbs = ["create", "delete", "get", "list", "patch", "update", "watch"]

    static let all: [ResourceType] = [
        // core/v1
        ResourceType(
            group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false, shortNames: ["ns"],
            verbs: namespaceVerbs, status: true, returnsDeletedObject: true, schema: BuiltinSchemas.namespace),
        ResourceType(
            group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true, shortNames: ["cm"],
            schema: BuiltinSchemas.configMap),
        ResourceType(
            group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true, schema: BuiltinSchemas.secret),
        ResourceType(
            group: "", version: "v1", kind: "Service", plural: "services", namespaced: true, shortNames: ["svc"],
            categories: ["all"],
            verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], status: true,
            schema: BuiltinSchemas.service),
        ResourceType(
            group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", namespaced: true,
            shortNames: ["sa"], schema: BuiltinSchemas.serviceAccount),
        ResourceType(
            group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true, shortNames: ["po"],
            categories: ["all"], status: true, returnsDeletedObject: true, schema: BuiltinSchemas.pod),
        ResourceType(
            group: "", version: "v1", kind: "Event", plural: "events", namespaced: true, shortNames: ["ev"],
            schema: BuiltinSchemas.event),
        ResourceType(
            group: "", version: "v1", kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims", namespaced: true,
            shortNames: ["pvc"], status: true, schema: BuiltinSchemas.persistentVolumeClaim),
        // apps/v1
        ResourceType(
            group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true,
            shortNames: ["deploy"], categories: ["all"], status: true, scale: ScaleSubresource(), generation: true,
            schema: BuiltinSchemas.deployment),
        ResourceType(
            group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", namespaced: true,
            shortNames: ["sts"], categories: ["all"], status: true, scale: ScaleSubresource(), generation: true,
            schema: BuiltinSchemas.statefulSet),
        ResourceType(
            group: "apps", version: "v1", kind: "DaemonSet", plural: "daemonsets", namespaced: true,
            shortNames: ["ds"], categories: ["all"], status: true, generation: true, schema: BuiltinSchemas.daemonSet),
        ResourceType(
            group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", namespaced: true,
            shortNames: ["rs"], categories: ["all"], status: true, scale: ScaleSubresource(), generation: true,
            schema: BuiltinSchemas.replicaSet),
        // batch/v1
        ResourceType(
            group: "batch", version: "v1", kind: "Job", plural: "jobs", namespaced: true, categories: ["all"],
            status: true, generation: true, schema: BuiltinSchemas.job),
        ResourceType(
            group: "batch", version: "v1", kind: "CronJob", plural: "cronjobs", namespaced: true, shortNames: ["cj"],
            categories: ["all"], status: true, generation: true, schema: BuiltinSchemas.cronJob),
        // rbac.authorization.k8s.io/v1
        ResourceType(
            group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", plural: "roles", namespaced: true,
            schema: BuiltinSchemas.role),
        ResourceType(
            group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding", plural: "rolebindings",
            namespaced: true, schema: BuiltinSchemas.roleBinding),
        ResourceType(
            group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", plural: "clusterroles",
            namespaced: false, schema: BuiltinSchemas.clusterRole),
        ResourceType(
            group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding", plural: "clusterrolebindings",
            namespaced: false, schema: BuiltinSchemas.roleBinding),
        // networking.k8s.io/v1
        ResourceType(
            group: "networking.k8s.io", version: "v1", kind: "Ingress", plural: "ingresses", namespaced: true,
            shortNames: ["ing"], status: true, generation: true, schema: BuiltinSchemas.ingress),
        // apiextensions.k8s.io/v1
        ResourceType(
            group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition",
            plural: "customresourcedefinitions", namespaced: false, shortNames: ["crd", "crds"], status: true,
            generation: true, schema: BuiltinSchemas.customResourceDefinition),
    ]

    /// The order groups appear in `/apis`, as the real server lists them.
    static let groupOrder = ["", "apps", "batch", "rbac.authorization.k8s.io", "networking.k8s.io", "apiextensions.k8s.io"]
}
