import BosunCore
import Foundation
import Synchronization

/// The deployment controller, simulated: each new generation is a rollout that reports
/// progress at once and converges after `controllerDelayMilliseconds` (status fields and the
/// Available / Progressing conditions as the real controller writes them). A rollout whose
/// pod template names an image containing `fail` never becomes ready and ends with
/// `ProgressDeadlineExceeded` after the progress deadline.
final class DeploymentController: Sendable {
    let context: ControllerContext

    /// What the controller remembers about each Deployment's current rollout.
    private struct Rollout: Sendable {
        var generation: Int
        var failingImage: String?
        /// Pods of the previous (good) version still serving while this one rolls out.
        var previousReady: Int
        /// The new ReplicaSet's name: the Deployment's name and its pod-template hash.
        var replicaSet: String
        /// Whether this generation changed the pod template (a new rollout, not a rescale).
        var newTemplate = true
    }

    private let rollouts = Mutex<[String: Rollout]>([:])

    init(context: ControllerContext) { self.context = context }

    var type: ResourceType { context.type("apps", "Deployment") }

    func run() async {
        await context.follow(type) { event in
            guard let object = event.object?.object else { return }
            let resource = Resource(object)
            if event.type == .deleted {
                rollouts.withLock { _ = $0.removeValue(forKey: resource.metadata["uid"]?.stringValue ?? "") }
                return
            }
            observe(object)
        }
    }

    /// Starts a rollout when the Deployment has a generation the controller has not seen.
    private func observe(_ object: JSONObject) {
        let metadata = object["metadata"]?.objectValue ?? JSONObject()
        guard let uid = metadata["uid"]?.stringValue, metadata["deletionTimestamp"] == nil else { return }
        let generation = metadata["generation"]?.intValue ?? 1
        let status = object["status"]?.objectValue ?? JSONObject()
        let spec = object["spec"]?.objectValue ?? JSONObject()
        let isNew: Bool = rollouts.withLock { rollouts in
            if let known = rollouts[uid], known.generation == generation { return false }
            let previous = rollouts[uid]
            let previousSucceeded = previous.map { $0.failingImage == nil } ?? true
            let replicaSet = "\(metadata["name"]?.stringValue ?? "")-\(Identifiers.safeHash(spec["template"]?.jsonString() ?? ""))"
            rollouts[uid] = Rollout(
                generation: generation, failingImage: FailureConvention.failingImage(spec["template"]?["spec"]?.objectValue),
                previousReady: previousSucceeded ? (status["readyReplicas"]?.intValue ?? 0) : (previous?.previousReady ?? 0),
                replicaSet: replicaSet, newTemplate: previous?.replicaSet != replicaSet)
            return true
        }
        guard isNew else { return }
        let namespace = metadata["namespace"]?.stringValue ?? ""
        let name = metadata["name"]?.stringValue ?? ""
        writeStatus(namespace: namespace, name: name, uid: uid, finished: false, timedOut: false)
        let deadline = min(spec["progressDeadlineSeconds"]?.intValue ?? 600, context.options.progressDeadlineSeconds)
        context.after(context.delay) {
            self.writeStatus(namespace: namespace, name: name, uid: uid, finished: true, timedOut: false)
        }
        if FailureConvention.failingImage(spec["template"]?["spec"]?.objectValue) != nil {
            context.after(.seconds(deadline)) {
                self.writeStatus(namespace: namespace, name: name, uid: uid, finished: true, timedOut: true)
            }
        }
    }

    /// Writes the status of the rollout the controller tracks for `uid`, if it is still current.
    private func writeStatus(namespace: String, name: String, uid: String, finished: Bool, timedOut: Bool) {
        context.updateStatus(type, namespace: namespace, name: name) { object in
            guard object["metadata"]?["uid"]?.stringValue == uid,
                let rollout = rollouts.withLock({ $0[uid] }),
                object["metadata"]?["generation"]?.intValue ?? 1 == rollout.generation
            else { return nil }
            return status(for: object, rollout: rollout, finished: finished, timedOut: timedOut)
        }
    }

    private func status(for object: JSONObject, rollout: Rollout, finished: Bool, timedOut: Bool) -> JSONObject {
        let spec = object["spec"]?.objectValue ?? JSONObject()
        let old = object["status"]?.objectValue ?? JSONObject()
        let desired = spec["replicas"]?.intValue ?? 1
        let now = Timestamp.now()
        let replicaSet = rollout.replicaSet
        let maxUnavailable = Self.resolve(spec["strategy"]?["rollingUpdate"]?["maxUnavailable"], of: desired, roundUp: false, default: desired / 4)
        let maxSurge = Self.resolve(spec["strategy"]?["rollingUpdate"]?["maxSurge"], of: desired, roundUp: true, default: (desired + 3) / 4)
        let paused = spec["paused"]?.boolValue == true

        let ready: Int
        let updated: Int
        let total: Int
        if finished && rollout.failingImage == nil || desired == 0 {
            ready = desired
            updated = desired
            total = desired
        } else {
            // Mid-rollout (or stuck): the old ready pods keep serving beside the surge of new,
            // not yet ready ones, as the real controller reports it (replicas > updatedReplicas).
            ready = min(rollout.previousReady, desired)
            updated = ready > 0 ? min(desired, max(1, maxSurge)) : desired
            total = ready + updated
        }
        var status = JSONObject()
        status["observedGeneration"] = .int(rollout.generation)
        if total > 0 { status["replicas"] = .int(total) }
        if updated > 0 { status["updatedReplicas"] = .int(updated) }
        if ready > 0 { status["readyReplicas"] = .int(ready) }
        if ready > 0 { status["availableReplicas"] = .int(ready) }
        if total - ready > 0 { status["unavailableReplicas"] = .int(total - ready) }

        var conditions = old["conditions"]?.arrayValue ?? []
        let available = ready >= desired - maxUnavailable
        conditions = Conditions.set(
            conditions, type: "Available", status: available ? "True" : "False",
            reason: available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
            message: available ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
            now: now, updateTime: true)
        if paused {
            conditions = Conditions.set(
                conditions, type: "Progressing", status: "Unknown", reason: "DeploymentPaused", message: "Deployment is paused",
                now: now, updateTime: true)
        } else if timedOut && rollout.failingImage != nil {
            conditions = Conditions.set(
                conditions, type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded",
                message: "ReplicaSet \"\(replicaSet)\" has timed out progressing.", now: now, updateTime: true)
        } else if rollout.failingImage == nil && (finished || desired == 0) {
            conditions = Conditions.set(
                conditions, type: "Progressing", status: "True", reason: "NewReplicaSetAvailable",
                message: "ReplicaSet \"\(replicaSet)\" has successfully progressed.", now: now, updateTime: true)
        } else if !Self.hasTimedOut(old) || (rollout.newTemplate && !finished) {
            // A new pod template starts a new rollout: the real controller sets Progressing=True
            // again (NewReplicaSetCreated), clearing an earlier ProgressDeadlineExceeded.
            conditions = Conditions.set(
                conditions, type: "Progressing", status: "True", reason: "ReplicaSetUpdated",
                message: "ReplicaSet \"\(replicaSet)\" is progressing.", now: now, updateTime: true)
        }
        conditions.sort { ($0["type"]?.stringValue ?? "") < ($1["type"]?.stringValue ?? "") }
        status["conditions"] = .array(conditions)
        if let collisions = old["collisionCount"] { status["collisionCount"] = collisions }
        return status
    }

    static func hasTimedOut(_ status: JSONObject) -> Bool {
        (status["conditions"]?.arrayValue ?? []).contains { $0["reason"]?.stringValue == "ProgressDeadlineExceeded" }
    }

    /// An int-or-percent field (`maxUnavailable: 25%`) resolved against the replica count.
    static func resolve(_ value: JSONValue?, of total: Int, roundUp: Bool, default fallback: Int) -> Int {
        switch value {
        case .int(let n): return n
        case .string(let text) where text.hasSuffix("%"):
            guard let percent = Double(text.dropLast()) else { return fallback }
            let exact = Double(total) * percent / 100
            return Int(roundUp ? exact.rounded(.up) : exact.rounded(.down))
        case .string(let text): return Int(text) ?? fallback
        default: return fallback
        }
    }
}
