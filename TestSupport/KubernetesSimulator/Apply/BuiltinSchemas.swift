import BosunCore

/// The merge-relevant parts of the built-in kinds' schemas, as Kubernetes' Go types declare them
/// with `+listType`, `+listMapKey`, `+mapType` and `+structType` markers.
enum BuiltinSchemas {
    static let objectMeta: FieldSchema = .structure(
        [
            "labels": .map(.scalar),
            "annotations": .map(.scalar),
            "ownerReferences": .keyed("uid"),
            "finalizers": .set,
            "managedFields": .atomic,
        ], alwaysPresent: true)

    /// `metav1.LabelSelector` is `+structType=atomic`.
    static let labelSelector: FieldSchema = .atomic

    static let resourceRequirements: FieldSchema = .structure([
        "limits": .map(.scalar), "requests": .map(.scalar), "claims": .keyed("name"),
    ])

    static let container: FieldSchema = .structure([
        "ports": .keyed("containerPort", "protocol", defaults: ["protocol": "TCP"]),
        "env": .keyed("name"),
        "envFrom": .atomic,
        "volumeMounts": .keyed("mountPath"),
        "volumeDevices": .keyed("devicePath"),
        "resizePolicy": .atomic,
        "resources": resourceRequirements,
        "args": .atomic,
        "command": .atomic,
    ])

    static let podSpec: FieldSchema = .structure(
        [
            "containers": .keyed("name", element: container),
            "initContainers": .keyed("name", element: container),
            "ephemeralContainers": .keyed("name", element: container),
            "volumes": .keyed("name"),
            "imagePullSecrets": .keyed("name"),
            "hostAliases": .keyed("ip"),
            "tolerations": .atomic,
            "topologySpreadConstraints": .keyed("topologyKey", "whenUnsatisfiable"),
            "nodeSelector": .atomic,
            "readinessGates": .atomic,
            "schedulingGates": .keyed("name"),
            "resourceClaims": .keyed("name"),
        ], alwaysPresent: true)

    static let podTemplate: FieldSchema = .structure(["metadata": objectMeta, "spec": podSpec], alwaysPresent: true)

    static let conditionsStatus: FieldSchema = .structure(["conditions": .keyed("type")], alwaysPresent: true)

    static func object(spec: FieldSchema? = nil, status: FieldSchema? = nil, other: [String: FieldSchema] = [:]) -> FieldSchema {
        var fields = other
        fields["metadata"] = objectMeta
        if let spec { fields["spec"] = spec }
        if let status { fields["status"] = status }
        return .structure(fields, alwaysPresent: true)
    }

    static let deployment = object(
        spec: .structure(
            [
                "selector": labelSelector, "template": podTemplate,
                "strategy": .structure(["rollingUpdate": .looseStructure], alwaysPresent: true),
            ], alwaysPresent: true),
        status: conditionsStatus)

    static let statefulSet = object(
        spec: .structure(
            [
                "selector": labelSelector, "template": podTemplate, "volumeClaimTemplates": .atomic,
                "updateStrategy": .structure([:], alwaysPresent: true),
            ], alwaysPresent: true),
        status: conditionsStatus)

    static let daemonSet = object(
        spec: .structure(
            [
                "selector": labelSelector, "template": podTemplate,
                "updateStrategy": .structure([:], alwaysPresent: true),
            ], alwaysPresent: true),
        status: conditionsStatus)

    static let replicaSet = object(
        spec: .structure(["selector": labelSelector, "template": podTemplate], alwaysPresent: true),
        status: conditionsStatus)

    static let jobSpec: FieldSchema = .structure(
        ["selector": labelSelector, "template": podTemplate, "podFailurePolicy": .looseStructure],
        alwaysPresent: true)

    static let job = object(spec: jobSpec, status: conditionsStatus)

    static let cronJob = object(
        spec: .structure(
            ["jobTemplate": .structure(["metadata": objectMeta, "spec": jobSpec], alwaysPresent: true)],
            alwaysPresent: true),
        status: .structure(["active": .atomic], alwaysPresent: true))

    static let service = object(
        spec: .structure(
            [
                "ports": .keyed("port", "protocol", defaults: ["protocol": "TCP"]),
                "selector": .atomic,
                "clusterIPs": .atomic, "ipFamilies": .atomic, "externalIPs": .atomic,
                "loadBalancerSourceRanges": .atomic,
            ], alwaysPresent: true),
        status: .structure(
            ["conditions": .keyed("type"), "loadBalancer": .structure(["ingress": .atomic])], alwaysPresent: true))

    static let pod = object(
        spec: podSpec,
        status: .structure(
            [
                "conditions": .keyed("type"), "containerStatuses": .atomic, "initContainerStatuses": .atomic,
                "podIPs": .keyed("ip"),
            ], alwaysPresent: true))

    static let persistentVolumeClaim = object(
        spec: .structure(
            ["accessModes": .atomic, "resources": resourceRequirements, "selector": labelSelector],
            alwaysPresent: true),
        status: .structure(
            ["accessModes": .atomic, "capacity": .map(.scalar), "conditions": .keyed("type")], alwaysPresent: true))

    static let configMap = object(other: ["data": .map(.scalar), "binaryData": .map(.scalar)])
    static let secret = object(other: ["data": .map(.scalar), "stringData": .map(.scalar)])
    static let serviceAccount = object(other: ["secrets": .keyed("name"), "imagePullSecrets": .atomic])
    static let namespace = object(
        spec: .structure(["finalizers": .atomic], alwaysPresent: true),
        status: .structure(["conditions": .keyed("type")], alwaysPresent: true))

    static let event = object(other: ["involvedObject": .looseStructure, "related": .looseStructure, "series": .looseStructure])
    static let role = object(other: ["rules": .atomic])
    static let clusterRole = object(other: ["rules": .atomic, "aggregationRule": .looseStructure])
    static let roleBinding = object(other: ["subjects": .atomic, "roleRef": .atomic])

    static let ingress = object(
        spec: .structure(["rules": .atomic, "tls": .atomic], alwaysPresent: true),
        status: .structure(["loadBalancer": .structure(["ingress": .atomic])], alwaysPresent: true))

    static let customResourceDefinition = object(
        spec: .structure(["versions": .atomic, "names": .looseStructure], alwaysPresent: true),
        status: .structure(["conditions": .keyed("type"), "storedVersions": .atomic], alwaysPresent: true))
}
