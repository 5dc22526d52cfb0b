import BosunCore

/// A kubelet for pods created directly: after `controllerDelayMilliseconds` a pod runs and is
/// Ready, or (for an image containing `fail`) waits in ImagePullBackOff.
struct PodController: Sendable {
    let context: ControllerContext

    func run() async {
        let type = context.type("", "Pod")
        await context.follow(type) { event in
            guard event.type == .added, let object = event.object?.object,
                object["status"]?["phase"]?.stringValue == "Pending", object["status"]?["startTime"] == nil
            else { return }
            let metadata = object["metadata"]?.objectValue ?? JSONObject()
            let namespace = metadata["namespace"]?.stringValue ?? ""
            let name = metadata["name"]?.stringValue ?? ""
            let uid = metadata["uid"]?.stringValue ?? ""
            context.after(context.delay) {
                context.updateStatus(type, namespace: namespace, name: name) { current in
                    guard current["metadata"]?["uid"]?.stringValue == uid else { return nil }
                    return Self.status(current, now: Timestamp.now())
                }
            }
        }
    }

    static func status(_ pod: JSONObject, now: String) -> JSONObject {
        let spec = pod["spec"]?.objectValue ?? JSONObject()
        let containers = spec["containers"]?.arrayValue ?? []
        let failing = FailureConvention.failingImage(spec)
        var conditions: [JSONValue] = []
        let ready = failing == nil
        for (type, status) in [("PodReadyToStartContainers", "True"), ("Initialized", "True"), ("Ready", ready ? "True" : "False"),
                               ("ContainersReady", ready ? "True" : "False"), ("PodScheduled", "True")] {
            var condition: JSONObject = ["type": .string(type), "status": .string(status), "lastProbeTime": .null, "lastTransitionTime": .string(now)]
            if status == "False" {
                condition["reason"] = "ContainersNotReady"
                condition["message"] = .string("containers with unready status: [\(containers.compactMap { $0["name"]?.stringValue }.joined(separator: " "))]")
            }
            conditions.append(.object(condition))
        }
        let statuses: [JSONValue] = containers.map { container in
            let image = container["image"]?.stringValue ?? ""
            let state: JSONValue = image.contains("fail")
                ? ["waiting": ["reason": "ImagePullBackOff", "message": .string("Back-off pulling image \"\(image)\"")]]
                : ["running": ["startedAt": .string(now)]]
            return [
                "name": container["name"] ?? "", "state": state, "lastState": .object(JSONObject()),
                "ready": .bool(!image.contains("fail")), "restartCount": 0, "image": .string(image),
                "imageID": image.contains("fail") ? "" : .string("docker.io/library/\(image)@sha256:0"),
                "started": .bool(!image.contains("fail")),
            ]
        }
        return [
            "phase": failing == nil ? "Running" : "Pending", "conditions": .array(conditions), "hostIP": "172.18.0.2",
            "hostIPs": [["ip": "172.18.0.2"]], "podIP": "10.244.0.10", "podIPs": [["ip": "10.244.0.10"]], "startTime": .string(now),
            "containerStatuses": .array(statuses), "qosClass": "BestEffort",
        ]
    }
}

/// The volume binder: a PersistentVolumeClaim is Bound to a new volume after `controllerDelayMilliseconds`.
struct PersistentVolumeClaimController: Sendable {
    let context: ControllerContext

    func run() async {
        let type = context.type("", "PersistentVolumeClaim")
        await context.follow(type) { event in
            guard event.type == .added, let object = event.object?.object, object["status"]?["phase"]?.stringValue == "Pending" else { return }
            let metadata = object["metadata"]?.objectValue ?? JSONObject()
            let namespace = metadata["namespace"]?.stringValue ?? ""
            let name = metadata["name"]?.stringValue ?? ""
            let uid = metadata["uid"]?.stringValue ?? ""
            context.after(context.delay) {
                // The binder writes the volume name into the spec, then the status.
                context.updateObject(type, namespace: namespace, name: name) { current in
                    guard current["metadata"]?["uid"]?.stringValue == uid, current["spec"]?["volumeName"] == nil else { return nil }
                    var object = current
                    var spec = object["spec"]?.objectValue ?? JSONObject()
                    spec["volumeName"] = .string("pvc-\(uid)")
                    object["spec"] = .object(spec)
                    var metadata = object["metadata"]?.objectValue ?? JSONObject()
                    var annotations = metadata["annotations"]?.objectValue ?? JSONObject()
                    annotations["pv.kubernetes.io/bind-completed"] = "yes"
                    annotations["pv.kubernetes.io/bound-by-controller"] = "yes"
                    metadata["annotations"] = .object(annotations)
                    object["metadata"] = .object(metadata)
                    return object
                }
                context.updateStatus(type, namespace: namespace, name: name) { current in
                    guard current["metadata"]?["uid"]?.stringValue == uid else { return nil }
                    let spec = current["spec"]?.objectValue ?? JSONObject()
                    return [
                        "phase": "Bound", "accessModes": spec["accessModes"] ?? ["ReadWriteOnce"],
                        "capacity": ["storage": spec["resources"]?["requests"]?["storage"] ?? "1Gi"],
                    ]
                }
            }
        }
    }
}

/// A cloud load balancer and an ingress controller: LoadBalancer Services and Ingresses get an
/// address after `controllerDelayMilliseconds`.
struct LoadBalancerController: Sendable {
    let context: ControllerContext
    let kind: String

    func run() async {
        let type = kind == "Ingress" ? context.type("networking.k8s.io", "Ingress") : context.type("", "Service")
        let kind = self.kind
        await context.follow(type) { event in
            guard event.type != .deleted, let object = event.object?.object else { return }
            if kind == "Service" && object["spec"]?["type"]?.stringValue != "LoadBalancer" { return }
            if !(object["status"]?["loadBalancer"]?["ingress"]?.arrayValue ?? []).isEmpty { return }
            let metadata = object["metadata"]?.objectValue ?? JSONObject()
            let namespace = metadata["namespace"]?.stringValue ?? ""
            let name = metadata["name"]?.stringValue ?? ""
            let address = "172.18.255.\(200 + Int(Identifiers.safeHash(name).utf8.reduce(0) { $0 &+ Int($1) } % 50))"
            context.after(context.delay) {
                context.updateStatus(type, namespace: namespace, name: name) { current in
                    if kind == "Service" && current["spec"]?["type"]?.stringValue != "LoadBalancer" { return nil }
                    var status = current["status"]?.objectValue ?? JSONObject()
                    var ingress: JSONObject = ["ip": .string(address)]
                    if kind == "Service" { ingress["ipMode"] = "VIP" }
                    status["loadBalancer"] = ["ingress": [.object(ingress)]]
                    return status
                }
            }
        }
    }
}
