import BosunCore

/// The defaults the real API server fills in on every write (the `SetDefaults_*` functions of
/// the built-in API groups), for the fields a GitOps diff most often trips over. Values the
/// client set are never changed.
enum Defaulting {
    static func apply(_ object: inout JSONObject, type: ResourceType) {
        guard !type.isCustom else { return }
        switch (type.group, type.kind) {
        case ("apps", "Deployment"): deployment(&object)
        case ("apps", "StatefulSet"): statefulSet(&object)
        case ("apps", "DaemonSet"): daemonSet(&object)
        case ("apps", "ReplicaSet"): replicaSet(&object)
        case ("batch", "Job"): job(&object)
        case ("batch", "CronJob"): cronJob(&object)
        case ("", "Pod"): pod(&object)
        case ("", "Service"): service(&object)
        case ("", "Secret"): secret(&object)
        case ("", "PersistentVolumeClaim"): persistentVolumeClaim(&object)
        case ("", "Namespace"): namespace(&object)
        case ("apiextensions.k8s.io", "CustomResourceDefinition"): customResourceDefinition(&object)
        default: break
        }
    }

    // MARK: Helpers

    static func setIfMissing(_ object: inout JSONObject, _ key: String, _ value: JSONValue) {
        if object[key] == nil || object[key]?.isNull == true { object[key] = value }
    }

    static func edit(_ object: inout JSONObject, _ key: String, _ body: (inout JSONObject) -> Void) {
        guard var child = object[key]?.objectValue else { return }
        object[key] = nil  // keep the child uniquely referenced while it changes
        body(&child)
        object[key] = .object(child)
    }

    static func editOrCreate(_ object: inout JSONObject, _ key: String, _ body: (inout JSONObject) -> Void) {
        if object[key]?.objectValue == nil { object[key] = .object(JSONObject()) }
        edit(&object, key, body)
    }

    static func editItems(_ object: inout JSONObject, _ key: String, _ body: (inout JSONObject) -> Void) {
        guard let items = object[key]?.arrayValue else { return }
        object[key] = .array(items.map { item in
            guard var child = item.objectValue else { return item }
            body(&child)
            return .object(child)
        })
    }

    // MARK: Workloads

    static func podTemplate(_ template: inout JSONObject) {
        editOrCreate(&template, "metadata") { metadata in setIfMissing(&metadata, "creationTimestamp", .null) }
        edit(&template, "spec") { podSpec(&$0) }
    }

    static func podSpec(_ spec: inout JSONObject) {
        for key in ["containers", "initContainers"] { editItems(&spec, key) { container(&$0) } }
        setIfMissing(&spec, "restartPolicy", "Always")
        setIfMissing(&spec, "terminationGracePeriodSeconds", 30)
        setIfMissing(&spec, "dnsPolicy", "ClusterFirst")
        setIfMissing(&spec, "securityContext", .object(JSONObject()))
        setIfMissing(&spec, "schedulerName", "default-scheduler")
    }

    static func container(_ container: inout JSONObject) {
        if container["imagePullPolicy"] == nil, let image = container["image"]?.stringValue {
            container["imagePullPolicy"] = .string(imagePullPolicy(image))
        }
        setIfMissing(&container, "resources", .object(JSONObject()))
        setIfMissing(&container, "terminationMessagePath", "/dev/termination-log")
        setIfMissing(&container, "terminationMessagePolicy", "File")
        editItems(&container, "ports") { setIfMissing(&$0, "protocol", "TCP") }
    }

    /// `Always` for `:latest` or an untagged image, `IfNotPresent` otherwise.
    static func imagePullPolicy(_ image: String) -> String {
        if image.contains("@") { return "IfNotPresent" }
        let lastPart = image.split(separator: "/").last ?? Substring(image)
        guard let colon = lastPart.lastIndex(of: ":") else { return "Always" }
        return lastPart[lastPart.index(after: colon)...] == "latest" ? "Always" : "IfNotPresent"
    }

    static func deployment(_ object: inout JSONObject) {
        edit(&object, "spec") { spec in
            setIfMissing(&spec, "replicas", 1)
            editOrCreate(&spec, "strategy") { strategy in
                setIfMissing(&strategy, "type", "RollingUpdate")
                if strategy["type"]?.stringValue == "RollingUpdate" {
                    editOrCreate(&strategy, "rollingUpdate") { rolling in
                        setIfMissing(&rolling, "maxUnavailable", "25%")
                        setIfMissing(&rolling, "maxSurge", "25%")
                    }
                }
            }
            setIfMissing(&spec, "revisionHistoryLimit", 10)
            setIfMissing(&spec, "progressDeadlineSeconds", 600)
            edit(&spec, "template") { podTemplate(&$0) }
        }
    }

    static func statefulSet(_ object: inout JSONObject) {
        edit(&object, "spec") { spec in
            setIfMissing(&spec, "replicas", 1)
            setIfMissing(&spec, "podManagementPolicy", "OrderedReady")
            editOrCreate(&spec, "updateStrategy") { strategy in
                setIfMissing(&strategy, "type", "RollingUpdate")
                if strategy["type"]?.stringValue == "RollingUpdate" {
                    editOrCreate(&strategy, "rollingUpdate") { setIfMissing(&$0, "partition", 0) }
                }
            }
            setIfMissing(&spec, "revisionHistoryLimit", 10)
            editOrCreate(&spec, "persistentVolumeClaimRetentionPolicy") { policy in
                setIfMissing(&policy, "whenDeleted", "Retain")
                setIfMissing(&policy, "whenScaled", "Retain")
            }
            edit(&spec, "template") { podTemplate(&$0) }
        }
    }

    static func daemonSet(_ object: inout JSONObject) {
        edit(&object, "spec") { spec in
            editOrCreate(&spec, "updateStrategy") { strategy in
                setIfMissing(&strategy, "type", "RollingUpdate")
                if strategy["type"]?.stringValue == "RollingUpdate" {
                    editOrCreate(&strategy, "rollingUpdate") { rolling in
                        setIfMissing(&rolling, "maxUnavailable", 1)
                        setIfMissing(&rolling, "maxSurge", 0)
                    }
                }
            }
            setIfMissing(&spec, "revisionHistoryLimit", 10)
            edit(&spec, "template") { podTemplate(&$0) }
        }
    }

    static func replicaSet(_ object: inout JSONObject) {
        edit(&object, "spec") { spec in
            setIfMissing(&spec, "replicas", 1)
            edit(&spec, "template") { podTemplate(&$0) }
        }
    }

    static func jobSpec(_ spec: inout JSONObject) {
        if spec["completions"] == nil && spec["parallelism"] == nil { spec["completions"] = 1 }
        setIfMissing(&spec, "parallelism", 1)
        setIfMissing(&spec, "backoffLimit", 6)
        setIfMissing(&spec, "completionMode", "NonIndexed")
        setIfMissing(&spec, "suspend", false)
        setIfMissing(&spec, "podReplacementPolicy", "TerminatingOrFailed")
        edit(&spec, "template") { podTemplate(&$0) }
    }

    static func job(_ object: inout JSONObject) {
        let uid = object["metadata"]?["uid"]?.stringValue ?? ""
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        edit(&object, "spec") { spec in
            jobSpec(&spec)
            // The server selects the job's pods by the job's uid unless the client chose a selector.
            if spec["selector"] == nil, !uid.isEmpty {
                spec["selector"] = ["matchLabels": ["batch.kubernetes.io/controller-uid": .string(uid)]]
                edit(&spec, "template") { template in
                    editOrCreate(&template, "metadata") { metadata in
                        editOrCreate(&metadata, "labels") { labels in
                            setIfMissing(&labels, "batch.kubernetes.io/controller-uid", .string(uid))
                            setIfMissing(&labels, "batch.kubernetes.io/job-name", .string(name))
                            setIfMissing(&labels, "controller-uid", .string(uid))
                            setIfMissing(&labels, "job-name", .string(name))
                        }
                    }
                }
            }
        }
    }

    static func cronJob(_ object: inout JSONObject) {
        edit(&object, "spec") { spec in
            setIfMissing(&spec, "concurrencyPolicy", "Allow")
            setIfMissing(&spec, "suspend", false)
            setIfMissing(&spec, "successfulJobsHistoryLimit", 3)
            setIfMissing(&spec, "failedJobsHistoryLimit", 1)
            edit(&spec, "jobTemplate") { template in
                editOrCreate(&template, "metadata") { setIfMissing(&$0, "creationTimestamp", .null) }
                edit(&template, "spec") { spec in
                    setIfMissing(&spec, "backoffLimit", 6)
                    setIfMissing(&spec, "completionMode", "NonIndexed")
                    setIfMissing(&spec, "suspend", false)
                    setIfMissing(&spec, "podReplacementPolicy", "TerminatingOrFailed")
                    edit(&spec, "template") { podTemplate(&$0) }
                }
            }
        }
    }

    // MARK: Core

    static func pod(_ object: inout JSONObject) {
        edit(&object, "spec") { spec in
            podSpec(&spec)
            setIfMissing(&spec, "enableServiceLinks", true)
            setIfMissing(&spec, "priority", 0)
            setIfMissing(&spec, "preemptionPolicy", "PreemptLowerPriority")
        }
    }

    static func service(_ object: inout JSONObject) {
        edit(&object, "spec") { spec in
            setIfMissing(&spec, "type", "ClusterIP")
            setIfMissing(&spec, "sessionAffinity", "None")
            let type = spec["type"]?.stringValue ?? "ClusterIP"
            if type != "ExternalName" {
                setIfMissing(&spec, "ipFamilyPolicy", "SingleStack")
                setIfMissing(&spec, "ipFamilies", ["IPv4"])
                setIfMissing(&spec, "internalTrafficPolicy", "Cluster")
            }
            if type == "NodePort" || type == "LoadBalancer" { setIfMissing(&spec, "externalTrafficPolicy", "Cluster") }
            if type == "LoadBalancer" { setIfMissing(&spec, "allocateLoadBalancerNodePorts", true) }
            editItems(&spec, "ports") { port in
                setIfMissing(&port, "protocol", "TCP")
                if port["targetPort"] == nil, let number = port["port"] { port["targetPort"] = number }
            }
        }
    }

    static func secret(_ object: inout JSONObject) {
        setIfMissing(&object, "type", "Opaque")
        // stringData is write-only: the server folds it into data, base64-encoded.
        if let stringData = object["stringData"]?.objectValue {
            var data = object["data"]?.objectValue ?? JSONObject()
            for entry in stringData {
                data[entry.key] = .string(Base64.encode(Array((entry.value.stringValue ?? "").utf8)))
            }
            object["data"] = .object(data)
            object["stringData"] = nil
        }
    }

    static func persistentVolumeClaim(_ object: inout JSONObject) {
        edit(&object, "spec") { spec in setIfMissing(&spec, "volumeMode", "Filesystem") }
    }

    static func namespace(_ object: inout JSONObject) {
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        edit(&object, "metadata") { metadata in
            editOrCreate(&metadata, "labels") { labels in labels["kubernetes.io/metadata.name"] = .string(name) }
        }
        editOrCreate(&object, "spec") { spec in setIfMissing(&spec, "finalizers", ["kubernetes"]) }
    }

    static func customResourceDefinition(_ object: inout JSONObject) {
        edit(&object, "spec") { spec in
            editOrCreate(&spec, "conversion") { setIfMissing(&$0, "strategy", "None") }
            edit(&spec, "names") { names in
                if names["singular"] == nil, let kind = names["kind"]?.stringValue { names["singular"] = .string(kind.lowercased()) }
                if names["listKind"] == nil, let kind = names["kind"]?.stringValue { names["listKind"] = .string(kind + "List") }
            }
        }
    }
}

/// Standard base64, for Secret data.
enum Base64 {
    private static let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i]
            let b1 = i + 1 < bytes.count ? bytes[i + 1] : 0
            let b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(table[Int(b0 >> 2)])
            out.append(table[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? table[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? table[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
