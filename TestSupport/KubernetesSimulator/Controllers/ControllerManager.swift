import BosunCore
import Synchronization

/// Runs the simulated controllers: the apiextensions controller (always, as it is part of the
/// API server) and, unless `controllersEnabled` is off, the simulated kube-controller-manager
/// (Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, Pods, PVCs, load balancers,
/// namespace termination, garbage collection).
final class ControllerManager: Sendable {
    let api: KubernetesAPI
    let options: SimulatorOptions
    private let tasks = Mutex<[Task<Void, Never>]>([])

    init(api: KubernetesAPI, options: SimulatorOptions) {
        self.api = api
        self.options = options
    }

    func start() {
        let context = ControllerContext(api: api, options: options)
        var loops: [@Sendable () async -> Void] = [
            { await CustomResourceDefinitionController(context: context).run() }
        ]
        if options.controllersEnabled {
            loops += [
                { await DeploymentController(context: context).run() },
                { await WorkloadController(context: context, kind: .statefulSet).run() },
                { await WorkloadController(context: context, kind: .daemonSet).run() },
                { await WorkloadController(context: context, kind: .replicaSet).run() },
                { await JobController(context: context).run() },
                { await PodController(context: context).run() },
                { await PersistentVolumeClaimController(context: context).run() },
                { await LoadBalancerController(context: context, kind: "Service").run() },
                { await LoadBalancerController(context: context, kind: "Ingress").run() },
                { await NamespaceController(context: context).run() },
                { await GarbageCollector(context: context).run() },
            ]
        }
        let started = loops.map { loop in Task { await loop() } }
        tasks.withLock { $0 = started }
    }

    func stop() async {
        let running = tasks.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in running { task.cancel() }
        api.store.dropAllWatches()
        for task in running { await task.value }
    }
}

/// What every controller uses: the API, the timing options, and helpers to follow a collection
/// and write status the way kube-controller-manager does.
struct ControllerContext: Sendable {
    let api: KubernetesAPI
    let options: SimulatorOptions
    static let manager = "kube-controller-manager"

    var delay: Duration { .milliseconds(options.controllerDelayMilliseconds) }

    func type(_ group: String, _ kind: String) -> ResourceType { api.type(group: group, kind: kind) }

    /// Follows a collection as a client-go informer does: every current object, then each
    /// change; after a dropped watch it resumes from the last resourceVersion seen (or starts
    /// over when that is too old). Returns when the task is cancelled.
    func follow(_ type: ResourceType, _ handle: @Sendable (WatchEvent) async -> Void) async {
        var lastSeen: Int?
        while !Task.isCancelled {
            let options = ListOptions(resourceVersion: lastSeen.map(String.init))
            guard let subscription = try? api.watch(type, namespace: nil, options: options) else {
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            await withTaskCancellationHandler {
                for await event in subscription.events {
                    if event.type == .error {
                        lastSeen = nil
                        break
                    }
                    lastSeen = max(lastSeen ?? 0, event.resourceVersion)
                    await handle(event)
                }
            } onCancel: {
                subscription.stop()
            }
        }
    }

    /// Runs `body` after `delay` in its own task (controllers never block their event loop).
    func after(_ delay: Duration, _ body: @escaping @Sendable () async -> Void) {
        Task {
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            await body()
        }
    }

    /// Rewrites an object's status through the status subresource as kube-controller-manager,
    /// retrying on conflicts; `change` returns nil to leave the object alone.
    @discardableResult
    func updateStatus(_ type: ResourceType, namespace: String, name: String, _ change: (JSONObject) -> JSONObject?) -> StoredObject? {
        for _ in 0..<16 {
            guard let current = try? api.get(type, namespace: namespace, name: name) else { return nil }
            guard let status = change(current.object) else { return current }
            var object = current.object
            object["status"] = .object(status)
            if object == current.object { return current }
            do {
                return try api.update(
                    type, namespace: namespace, name: name, object: object, subresource: type.hasStatusSubresource ? "status" : "",
                    options: WriteOptions(fieldManager: Self.manager))
            } catch where error.code == 409 {
                continue
            } catch {
                return nil
            }
        }
        return nil
    }

    /// Rewrites an object (not its status) as kube-controller-manager, retrying on conflicts.
    @discardableResult
    func updateObject(_ type: ResourceType, namespace: String, name: String, subresource: String = "", _ change: (JSONObject) -> JSONObject?) -> StoredObject? {
        for _ in 0..<16 {
            guard let current = try? api.get(type, namespace: namespace, name: name) else { return nil }
            guard let object = change(current.object), object != current.object else { return current }
            do {
                return try api.update(
                    type, namespace: namespace, name: name, object: object, subresource: subresource,
                    options: WriteOptions(fieldManager: Self.manager))
            } catch where error.code == 409 {
                continue
            } catch {
                return nil
            }
        }
        return nil
    }
}

/// Conditions as controllers keep them: `lastTransitionTime` moves only when the status does.
enum Conditions {
    static func set(
        _ conditions: [JSONValue], type: String, status: String, reason: String, message: String, now: String,
        updateTime: Bool = false
    ) -> [JSONValue] {
        var out = conditions
        let existing = out.firstIndex { $0["type"]?.stringValue == type }
        var condition: JSONObject = ["type": .string(type), "status": .string(status)]
        if updateTime {
            let unchanged = existing.map { out[$0]["reason"]?.stringValue == reason && out[$0]["message"]?.stringValue == message } ?? false
            condition["lastUpdateTime"] = unchanged ? (existing.flatMap { out[$0]["lastUpdateTime"] } ?? .string(now)) : .string(now)
        }
        let sameStatus = existing.map { out[$0]["status"]?.stringValue == status } ?? false
        condition["lastTransitionTime"] = sameStatus ? (existing.flatMap { out[$0]["lastTransitionTime"] } ?? .string(now)) : .string(now)
        condition["reason"] = .string(reason)
        condition["message"] = .string(message)
        if let existing { out[existing] = .object(condition) } else { out.append(.object(condition)) }
        return out
    }

    static func isTrue(_ object: JSONObject, _ type: String) -> Bool {
        (object["status"]?["conditions"]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == type && $0["status"]?.stringValue == "True"
        }
    }
}

/// The convention tests use to ask for a failure: an image whose name contains `fail`.
enum FailureConvention {
    static func failingImage(_ podSpec: JSONObject?) -> String? {
        for key in ["initContainers", "containers"] {
            for container in podSpec?[key]?.arrayValue ?? [] {
                if let image = container["image"]?.stringValue, image.contains("fail") { return image }
            }
        }
        return nil
    }
}
