import BosunCore
import Foundation
import Logging
import Synchronization

/// Containers on one machine through Podman's libpod API. Kubernetes `Pod`, `Deployment`,
/// `ConfigMap`, `Secret` and `PersistentVolumeClaim` documents keep their resource keys; a
/// workload is played with `kube play` together with the ConfigMaps it reads, after every image
/// it needs is on the machine; its pods carry the app, the tracking id and a hash of everything
/// they depend on as labels, so the live state is read back by label (one list call per kind),
/// never by name. Secrets are Podman secrets, tracked by name through Bosun's inventory.
public final class PodmanTarget: DeploymentTarget {
    public let name: String
    public let client: PodmanClient
    let connection: PodmanConnection
    let logger: Logger
    let snapshots: PodmanSnapshots
    /// The prepared (stamped) resources of each application, for play streams and images.
    let prepared = Mutex<[String: [ResourceKey: Resource]]>([:])
    /// Prepared bodies by their hash label: the live view of an unchanged workload is its body.
    let bodies = Mutex<[String: Resource]>([:])
    /// Images known present since each application's last prepare.
    let ensured = Mutex<[String: Set<String>]>([:])
    /// The hash applied for each ConfigMap and Secret (`app|key`), which Podman cannot label; kept on disk.
    let applied = Mutex<[String: String]>([:])
    let stateFile: URL?
    /// Container inspections by (id, start time, state): re-read only when one of them moves.
    let inspections = Mutex<[String: PodmanInspection]>([:])
    /// Restart counts as first seen and when they last grew, for "a steady restart count".
    let restarts = Mutex<[String: (count: Int, grewAt: ContinuousClock.Instant?)]>([:])
    /// Keys Bosun is changing now: their events are Bosun's own, not drift.
    let busy = Mutex<Set<String>>([])
    let subscribers = Mutex<[AsyncStream<TargetChange>.Continuation]>([])
    let eventsTask = Mutex<Task<Void, Never>?>(nil)

    public init(name: String, connection: PodmanConnection, stateDirectory: URL? = nil, logger: Logger = Logger(label: "bosun.podman")) {
        self.name = name
        self.connection = connection
        self.logger = logger
        let client = PodmanClient(connection: connection)
        self.client = client
        snapshots = PodmanSnapshots { try await PodmanSnapshot.load(client) }
        stateFile = stateDirectory?.appendingPathComponent("\(name).json")
        if let stateFile, let data = try? Data(contentsOf: stateFile), let state = try? JSONParser.parse(data).objectValue {
            applied.withLock { map in for entry in state { map[entry.key] = entry.value.stringValue } }
        }
    }

    /// Follows the server's events (reconnecting until it answers), and checks its version.
    public func start() async throws {
        startEvents()
        _ = try await client.ping()
    }

    public func shutdown() async {
        eventsTask.withLock { $0?.cancel() }
        for subscriber in subscribers.withLock({ $0 }) { subscriber.finish() }
        await client.shutdown()
    }

    // MARK: Prepare

    /// Refuses kinds kube play does not hold, host paths outside `hostPathAllowed` and
    /// privileged containers (unless allowed); drops namespaces (Podman has none) and stamps
    /// each resource's hash.
    public func prepare(_ resources: [Resource], context: AppContext) async throws -> [Resource] {
        try PodmanManifests.check(resources, connection: connection, target: name)
        let stamped = PodmanManifests.stamped(resources)
        prepared.withLock { $0[context.app] = Dictionary(stamped.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a }) }
        ensured.withLock { $0[context.app] = [] }
        bodies.withLock { cache in
            if cache.count > 20_000 { cache.removeAll() }
            for resource in stamped { if let hash = resource.label(PodmanManifests.hashLabel) { cache[hash] = resource } }
        }
        return stamped
    }

    // MARK: Live

    /// Every object of the application, and any other object whose key is asked for, from one
    /// snapshot of what Bosun manages on the machine.
    public func live(keys: Set<ResourceKey>, context: AppContext) async throws -> [ResourceKey: Resource] {
        let snapshot = try await snapshots.get()
        var result: [ResourceKey: Resource] = [:]
        let containersByPod = snapshot.containersByPod
        for (tracking, pods) in snapshot.podsByTracking {
            guard let parsed = PodmanManifests.key(fromTracking: tracking), PodmanManifests.isWorkload(parsed.key) else { continue }
            let key = parsed.key
            let appLabel = pods.first?.labels[Annotations.appLabel] ?? parsed.app
            guard appLabel == context.app || keys.contains(key) else { continue }
            result[key] = liveWorkload(key, pods: pods.sorted { $0.name < $1.name }, containers: containersByPod, tracking: tracking, app: appLabel)
        }
        for volume in snapshot.volumes {
            guard let tracking = volume.labels[Annotations.trackingID], let parsed = PodmanManifests.key(fromTracking: tracking) else { continue }
            let key = parsed.key
            let appLabel = volume.labels[Annotations.appLabel] ?? parsed.app
            guard appLabel == context.app || keys.contains(key) else { continue }
            var body = prepared.withLock { $0[appLabel]?[key] } ?? Self.minimal(key)
            body.setLabel(Annotations.appLabel, appLabel)
            body.setAnnotation(Annotations.trackingID, tracking)
            result[key] = body
        }
        // ConfigMaps and Secrets: Podman cannot label them, so the keys Bosun asks for (what Git and
        // the inventory hold) are looked up by name, with the hash Bosun applied.
        for key in keys where key.group == "" && (key.kind == "ConfigMap" || key.kind == "Secret") {
            if key.kind == "Secret", !snapshot.secrets.contains(key.name) { continue }
            guard let hash = applied.withLock({ $0[Self.stateKey(context.app, key)] }) else {
                if key.kind == "ConfigMap" { continue }
                // A secret made by hand under the same name: shown as Bosun's, with unknown data.
                result[key] = Self.minimal(key, app: context.app)
                continue
            }
            var body = bodies.withLock { $0[hash] } ?? Self.minimal(key)
            body.setLabel(PodmanManifests.hashLabel, hash)
            body.setLabel(Annotations.appLabel, context.app)
            body.setAnnotation(Annotations.trackingID, Annotations.trackingID(app: context.app, key: key))
            result[key] = body
        }
        return result
    }

    /// A workload's live view: the body it was played from (found by its hash label), less any
    /// container that was removed or stopped by hand, with as many replicas as there are pods;
    /// `status.pods` carries what the health check reads.
    func liveWorkload(_ key: ResourceKey, pods: [PodmanSnapshot.Pod], containers: [String: [PodmanSnapshot.Container]],
                      tracking: String, app: String) -> Resource {
        let hash = pods.first?.labels[PodmanManifests.hashLabel] ?? ""
        var body = bodies.withLock { $0[hash] } ?? Self.minimal(key)
        body.setLabel(PodmanManifests.hashLabel, hash)
        body.setLabel(Annotations.appLabel, app)
        body.setAnnotation(Annotations.trackingID, tracking)
        let restartPolicy = PodmanManifests.podSpec(body.body)?["restartPolicy"]?.stringValue ?? "Always"
        var missing: Set<String> = []
        var statusPods: [JSONValue] = []
        for pod in pods {
            let inPod = containers[pod.id] ?? []
            var entries: [JSONValue] = []
            for container in PodmanManifests.podSpec(body.body).map({ PodmanManifests.containers($0, initContainers: false) }) ?? [] {
                let cname = container["name"]?.stringValue ?? ""
                guard let live = inPod.first(where: { $0.name == "\(pod.name)-\(cname)" }) else {
                    missing.insert(cname)
                    entries.append(["name": .string(cname), "state": "removed"])
                    continue
                }
                // Stopped by hand (a stop signal's exit, no crash) where the pod should keep it running.
                let stopped = live.state != "running" && restartPolicy == "Always" && [0, 137, 143].contains(live.exitCode)
                    && live.state != "created" && live.state != "configured"
                if stopped || live.labels[PodmanManifests.hashLabel] != hash { missing.insert(cname) }
                entries.append([
                    "name": .string(cname), "id": .string(live.id), "state": .string(live.state), "exitCode": .int(live.exitCode),
                    "startedAt": .int(live.startedAt), "stoppedByHand": .bool(stopped),
                ])
            }
            statusPods.append(["name": .string(pod.name), "id": .string(pod.id), "status": .string(pod.status), "containers": .array(entries)])
        }
        if !missing.isEmpty { body = Self.without(containers: missing, in: body) }
        if key.kind == "Deployment", body["spec", "replicas"] != nil || pods.count != 1 {
            var spec = body.body["spec"]?.objectValue ?? JSONObject()
            spec["replicas"] = .int(pods.count)
            body.body["spec"] = .object(spec)
        }
        body.body["status"] = ["pods": .array(statusPods)]
        return body
    }

    static func without(containers names: Set<String>, in resource: Resource) -> Resource {
        var body = resource.body
        func strip(_ spec: JSONValue?) -> JSONValue? {
            guard var spec = spec?.objectValue else { return spec }
            let kept = (spec["containers"]?.arrayValue ?? []).filter { !names.contains($0["name"]?.stringValue ?? "") }
            spec["containers"] = .array(kept)
            return .object(spec)
        }
        if resource.kind == "Deployment" {
            if var spec = body["spec"]?.objectValue, var template = spec["template"]?.objectValue {
                template["spec"] = strip(template["spec"])
                spec["template"] = .object(template)
                body["spec"] = .object(spec)
            }
        } else {
            body["spec"] = strip(body["spec"])
        }
        return Resource(body, source: resource.source)
    }

    /// What is known of an object whose body Bosun no longer holds (after a restart with a new commit).
    static func minimal(_ key: ResourceKey, app: String? = nil) -> Resource {
        let body: JSONObject = [
            "apiVersion": .string(key.group.isEmpty ? "v1" : "\(key.group)/v1"), "kind": .string(key.kind), "metadata": ["name": .string(key.name)],
        ]
        var resource = Resource(body)
        if let app {
            resource.setLabel(Annotations.appLabel, app)
            resource.setAnnotation(Annotations.trackingID, Annotations.trackingID(app: app, key: key))
        }
        return resource
    }

    static func stateKey(_ app: String, _ key: ResourceKey) -> String { "\(app)|\(key.description)" }

    func saveState() {
        guard let stateFile else { return }
        let object = applied.withLock { map in JSONObject(map.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .string($0.value)) }) }
        try? FileManager.default.createDirectory(at: stateFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? Data(JSONValue.object(object).prettyJSONString(sortKeys: true).utf8).write(to: stateFile, options: .atomic)
    }
}
