import BosunCore
import Foundation

/// What Bosun manages on the machine, as three list calls return it (pods, containers, volumes,
/// each filtered by Bosun's label) plus the secret names: one snapshot serves every
/// application's look until an event or Bosun's own change makes it stale.
struct PodmanSnapshot: Sendable {
    struct Pod: Sendable {
        var id: String
        var name: String
        var status: String
        var labels: [String: String]
    }

    struct Container: Sendable {
        var id: String
        var name: String
        var podID: String
        var state: String
        var exitCode: Int
        var startedAt: Int
        var isInfra: Bool
        var labels: [String: String]
    }

    struct Volume: Sendable {
        var name: String
        var labels: [String: String]
    }

    var pods: [Pod] = []
    var containers: [Container] = []
    var volumes: [Volume] = []
    var secrets: Set<String> = []

    /// Pods by the tracking id in their label.
    var podsByTracking: [String: [Pod]] {
        var out: [String: [Pod]] = [:]
        for pod in pods {
            if let tracking = pod.labels[Annotations.trackingID] { out[tracking, default: []].append(pod) }
        }
        return out
    }

    var containersByPod: [String: [Container]] {
        Dictionary(grouping: containers.filter { !$0.isInfra }, by: \.podID)
    }

    static func labels(_ value: JSONValue?) -> [String: String] {
        var out: [String: String] = [:]
        for entry in value?.objectValue ?? JSONObject() { out[entry.key] = entry.value.stringValue ?? "" }
        return out
    }

    /// Reads the snapshot with one call per kind.
    static func load(_ client: PodmanClient) async throws -> PodmanSnapshot {
        let filter = PodmanClient.filters(["label": ["\(PodmanManifests.managedLabel)=\(PodmanManifests.managedValue)"]])
        async let podList = client.json(.init(path: "/pods/json", query: [filter], operation: "list-pods"))
        async let containerList = client.json(.init(path: "/containers/json", query: [("all", "true"), filter], operation: "list-containers"))
        async let volumeList = client.json(.init(path: "/volumes/json", query: [filter], operation: "list-volumes"))
        async let secretList = client.json(.init(path: "/secrets/json", operation: "list-secrets"))
        var snapshot = PodmanSnapshot()
        for pod in try await podList?.arrayValue ?? [] {
            snapshot.pods.append(Pod(
                id: pod["Id"]?.stringValue ?? "", name: pod["Name"]?.stringValue ?? "", status: pod["Status"]?.stringValue ?? "",
                labels: labels(pod["Labels"])))
        }
        for c in try await containerList?.arrayValue ?? [] {
            snapshot.containers.append(Container(
                id: c["Id"]?.stringValue ?? "", name: c["Names"]?.arrayValue?.first?.stringValue ?? "", podID: c["Pod"]?.stringValue ?? "",
                state: c["State"]?.stringValue ?? "", exitCode: c["ExitCode"]?.intValue ?? 0, startedAt: c["StartedAt"]?.intValue ?? 0,
                isInfra: c["IsInfra"]?.boolValue ?? false, labels: labels(c["Labels"])))
        }
        for v in try await volumeList?.arrayValue ?? [] {
            snapshot.volumes.append(Volume(name: v["Name"]?.stringValue ?? "", labels: labels(v["Labels"])))
        }
        for s in try await secretList?.arrayValue ?? [] {
            if let name = s["Spec"]?["Name"]?.stringValue { snapshot.secrets.insert(name) }
        }
        return snapshot
    }
}

/// Hands out the current snapshot; one load at a time however many applications look at once.
/// Stale after an event, after Bosun's own change, or after a while when no event stream is open.
actor PodmanSnapshots {
    private let load: @Sendable () async throws -> PodmanSnapshot
    private var current: (snapshot: PodmanSnapshot, generation: Int, at: ContinuousClock.Instant)?
    private var inflight: (task: Task<PodmanSnapshot, any Error>, generation: Int)?
    private var generation = 0
    private var streaming = false

    init(load: @escaping @Sendable () async throws -> PodmanSnapshot) { self.load = load }

    func invalidate() { generation += 1 }

    /// With the events stream open a snapshot holds until an event; without it, a second.
    func setStreaming(_ on: Bool) {
        streaming = on
        generation += 1
    }

    func get() async throws -> PodmanSnapshot {
        let maxAge: Duration = streaming ? .seconds(30) : .seconds(1)
        if let current, current.generation == generation, ContinuousClock.now - current.at < maxAge { return current.snapshot }
        if let inflight, inflight.generation == generation { return try await inflight.task.value }
        let wanted = generation
        let started = ContinuousClock.now
        let load = self.load
        let task = Task { try await load() }
        inflight = (task, wanted)
        defer { if inflight?.generation == wanted { inflight = nil } }
        let snapshot = try await task.value
        if wanted == generation { current = (snapshot, wanted, started) }
        return snapshot
    }
}
