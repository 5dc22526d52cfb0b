import BosunCore

/// The StatefulSet, DaemonSet and ReplicaSet controllers, simulated: status follows each new
/// generation after `controllerDelayMilliseconds`; pods of an image containing `fail` never
/// become ready. DaemonSets run on one simulated node.
struct WorkloadController: Sendable {
    enum Kind: Sendable { case statefulSet, daemonSet, replicaSet }

    let context: ControllerContext
    let kind: Kind

    var type: ResourceType {
        switch kind {
        case .statefulSet: context.type("apps", "StatefulSet")
        case .daemonSet: context.type("apps", "DaemonSet")
        case .replicaSet: context.type("apps", "ReplicaSet")
        }
    }

    func run() async {
        let type = self.type
        await context.follow(type) { event in
            guard event.type != .deleted, let object = event.object?.object else { return }
            let metadata = object["metadata"]?.objectValue ?? JSONObject()
            let generation = metadata["generation"]?.intValue ?? 1
            guard metadata["deletionTimestamp"] == nil, object["status"]?["observedGeneration"]?.intValue != generation else { return }
            let namespace = metadata["namespace"]?.stringValue ?? ""
            let name = metadata["name"]?.stringValue ?? ""
            context.updateStatus(type, namespace: namespace, name: name) { current in
                status(current, generation: generation, ready: false)
            }
            context.after(context.delay) {
                context.updateStatus(type, namespace: namespace, name: name) { current in
                    guard current["metadata"]?["generation"]?.intValue == generation else { return nil }
                    return status(current, generation: generation, ready: true)
                }
            }
        }
    }

    private func status(_ object: JSONObject, generation: Int, ready settled: Bool) -> JSONObject? {
        guard object["metadata"]?["generation"]?.intValue ?? 1 == generation else { return nil }
        let spec = object["spec"]?.objectValue ?? JSONObject()
        let failing = FailureConvention.failingImage(spec["template"]?["spec"]?.objectValue) != nil
        let old = object["status"]?.objectValue ?? JSONObject()
        var status = JSONObject()
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        switch kind {
        case .statefulSet:
            let desired = spec["replicas"]?.intValue ?? 1
            let ready = settled && !failing ? desired : min(old["readyReplicas"]?.intValue ?? 0, desired)
            let revision = "\(name)-\(Identifiers.safeHash(spec["template"]?.jsonString() ?? ""))"
            status["observedGeneration"] = .int(generation)
            status["replicas"] = .int(desired)
            if ready > 0 { status["readyReplicas"] = .int(ready) }
            status["currentReplicas"] = .int(desired)
            status["updatedReplicas"] = .int(desired)
            status["currentRevision"] = .string(revision)
            status["updateRevision"] = .string(revision)
            status["collisionCount"] = 0
            status["availableReplicas"] = .int(ready)
        case .daemonSet:
            let ready = settled && !failing ? 1 : 0
            status["currentNumberScheduled"] = 1
            status["numberMisscheduled"] = 0
            status["desiredNumberScheduled"] = 1
            status["numberReady"] = .int(ready)
            status["observedGeneration"] = .int(generation)
            status["updatedNumberScheduled"] = 1
            if ready > 0 { status["numberAvailable"] = .int(ready) } else { status["numberUnavailable"] = 1 }
        case .replicaSet:
            let desired = spec["replicas"]?.intValue ?? 1
            let ready = settled && !failing ? desired : min(old["readyReplicas"]?.intValue ?? 0, desired)
            status["replicas"] = .int(desired)
            status["fullyLabeledReplicas"] = .int(desired)
            if ready > 0 {
                status["readyReplicas"] = .int(ready)
                status["availableReplicas"] = .int(ready)
            }
            status["observedGeneration"] = .int(generation)
        }
        return status
    }
}
