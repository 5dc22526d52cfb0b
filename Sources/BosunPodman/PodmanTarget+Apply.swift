import BosunCore
import Foundation

extension PodmanTarget {
    // MARK: Apply

    /// ConfigMaps are recorded (they travel with the pods that read them); Secrets become Podman
    /// secrets; claims become volumes; a workload pulls every image the application needs first,
    /// then its old pods (found by label) are removed and the new YAML played.
    public func apply(_ resource: Resource, context: AppContext, dryRun: Bool) async throws -> Resource {
        let key = resource.key
        if dryRun {
            try PodmanManifests.check([resource] + otherPrepared(context.app, except: key), connection: connection, target: name)
            return resource
        }
        let tracking = Annotations.trackingID(app: context.app, key: key)
        busy.withLock { _ = $0.insert(tracking) }
        defer {
            busy.withLock { _ = $0.remove(tracking) }
            Task { await snapshots.invalidate() }
        }
        switch key.kind {
        case "ConfigMap":
            record(resource, context: context)
        case "Secret":
            _ = try await client.status(.init(method: .DELETE, path: "/secrets/\(PodmanClient.escape(key.name))", operation: "delete-secret"), notFoundIsOK: true)
            _ = try await client.json(.init(
                method: .POST, path: "/secrets/create", query: [("name", key.name)], body: PodmanManifests.secretPayload(resource),
                contentType: "application/octet-stream", operation: "create-secret"))
            record(resource, context: context)
        case "PersistentVolumeClaim":
            try await createVolume(resource, tracking: tracking)
        default:
            try await ensureImages(app: context.app, including: resource)
            try await replace(resource, tracking: tracking, context: context)
        }
        await snapshots.invalidate()
        return resource
    }

    func otherPrepared(_ app: String, except key: ResourceKey) -> [Resource] {
        prepared.withLock { Array(($0[app] ?? [:]).filter { $0.key != key }.values) }
    }

    /// The hash Bosun applied for a ConfigMap or Secret, which Podman cannot keep as a label.
    func record(_ resource: Resource, context: AppContext) {
        let hash = resource.label(PodmanManifests.hashLabel) ?? PodmanManifests.hash([PodmanManifests.content(resource)])
        applied.withLock { $0[Self.stateKey(context.app, resource.key)] = hash }
        bodies.withLock { $0[hash] = resource }
        saveState()
    }

    func createVolume(_ resource: Resource, tracking: String) async throws {
        let key = resource.key
        if let existing = try await client.json(.init(path: "/volumes/\(PodmanClient.escape(key.name))/json", operation: "inspect-volume"), notFoundIsNil: true) {
            let owner = existing["Labels"]?[Annotations.trackingID]?.stringValue
            if owner != tracking {
                throw TargetError(.conflict, "volume \"\(key.name)\" already exists on the machine\(owner.map { " and belongs to \($0)" } ?? " and is not Bosun's"); Bosun leaves it alone; rename the claim or remove the volume")
            }
            return
        }
        let labels: JSONValue = .object(JSONObject([
            .init(key: Annotations.appLabel, value: .string(resource.label(Annotations.appLabel) ?? "")),
            .init(key: Annotations.trackingID, value: .string(tracking)),
            .init(key: PodmanManifests.managedLabel, value: .string(PodmanManifests.managedValue)),
        ]))
        let body: JSONValue = ["Name": .string(key.name), "Label": labels, "Labels": labels]
        _ = try await client.json(.init(method: .POST, path: "/volumes/create", body: Array(body.jsonString().utf8), operation: "create-volume"))
    }

    /// Removes the workload's old pods and plays the new document with the ConfigMaps it reads.
    /// A pod of the same name that is not Bosun's is never removed: that is a conflict.
    func replace(_ resource: Resource, tracking: String, context: AppContext) async throws {
        let key = resource.key
        let snapshot = try await snapshots.get()
        let ownPods = snapshot.pods.filter { $0.labels[Annotations.trackingID] == tracking }
        var ours = ownPods.map(\.id)
        if key.kind == "Pod", !ownPods.contains(where: { $0.name == key.name }),
            let existing = try await client.json(.init(path: "/pods/\(PodmanClient.escape(key.name))/json", operation: "inspect-pod"), notFoundIsNil: true)
        {
            // Not in the snapshot but there: a play that outlived the Bosun that started it (killed
            // mid-sync, Podman finished the play) left it. Its labels say whether it is ours.
            guard PodmanSnapshot.labels(existing["Labels"])[Annotations.trackingID] == tracking, let id = existing["Id"]?.stringValue else {
                throw TargetError(.conflict, "a pod named \"\(key.name)\" already runs on the machine and is not this application's; Bosun does not remove it: rename one of them")
            }
            ours.append(id)
        }
        let grace = PodmanManifests.podSpec(resource.body)?["terminationGracePeriodSeconds"]?.intValue ?? 10
        for id in ours { try await removePod(id, grace: grace) }
        let spec = PodmanManifests.podSpec(resource.body) ?? JSONObject()
        let configMaps = PodmanManifests.references(spec).configMaps.keys.sorted()
        let preparedSet = prepared.withLock { $0[context.app] ?? [:] }
        var documents: [JSONValue] = configMaps.compactMap { name in
            preparedSet[ResourceKey(group: "", kind: "ConfigMap", name: name)].map { cm in
                var clean = cm
                clean.setLabel(PodmanManifests.hashLabel, nil)
                return clean.value
            }
        }
        documents.append(PodmanManifests.playDocument(resource, tracking: tracking))
        let yaml = YAMLWriter.documents(documents)
        do {
            let report = try await client.json(.init(
                method: .POST, path: "/play/kube", query: [("start", "true")], body: Array(yaml.utf8), contentType: "application/x-yaml",
                operation: "play"), timeout: connection.requestTimeout)
            // Podman 4.3 reports containers that failed to start in the report, not as an error.
            let errors = (report?["Pods"]?.arrayValue ?? []).flatMap { $0["ContainerErrors"]?.arrayValue ?? [] }.compactMap(\.stringValue)
            if !errors.isEmpty { throw TargetError(.invalid, "kube play of \(key.shortDescription): \(errors.joined(separator: "; "))") }
        } catch let error as TargetError {
            // Nothing half-applied: what this play created goes again.
            await snapshots.invalidate()
            if let left = try? await snapshots.get() {
                for pod in left.pods where pod.labels[Annotations.trackingID] == tracking { try? await removePod(pod.id, grace: 0) }
            }
            let text = error.message.replacingOccurrences(of: "Podman refused POST /play/kube: ", with: "")
            throw TargetError(error.code, "kube play of \(key.shortDescription) failed: \(text)")
        }
    }

    /// Stops a pod within its grace period, then removes it with its containers.
    func removePod(_ id: String, grace: Int) async throws {
        _ = try await client.status(.init(method: .POST, path: "/pods/\(id)/stop", query: [("t", "\(max(0, grace))")], operation: "stop-pod"), notFoundIsOK: true)
        _ = try await client.status(.init(method: .DELETE, path: "/pods/\(id)", query: [("force", "true")], operation: "remove-pod"), notFoundIsOK: true)
    }

    // MARK: Delete

    /// Removes the pods or volume whose tracking id names this application, or the Secret this
    /// application's inventory holds; anything else on the machine is left alone.
    public func delete(_ key: ResourceKey, context: AppContext) async throws {
        let tracking = Annotations.trackingID(app: context.app, key: key)
        busy.withLock { _ = $0.insert(tracking) }
        defer { busy.withLock { _ = $0.remove(tracking) } }
        await snapshots.invalidate()
        let snapshot = try await snapshots.get()
        switch key.kind {
        case "Pod", "Deployment":
            for pod in snapshot.pods where pod.labels[Annotations.trackingID] == tracking { try await removePod(pod.id, grace: 10) }
        case "PersistentVolumeClaim":
            if let volume = snapshot.volumes.first(where: { $0.name == key.name }) {
                guard volume.labels[Annotations.trackingID] == tracking else {
                    throw TargetError(.conflict, "volume \"\(key.name)\" belongs to \(volume.labels[Annotations.trackingID] ?? "no Bosun application"); not removing it")
                }
                _ = try await client.status(.init(method: .DELETE, path: "/volumes/\(PodmanClient.escape(key.name))", operation: "remove-volume"), notFoundIsOK: true)
            }
        case "Secret":
            _ = try await client.status(.init(method: .DELETE, path: "/secrets/\(PodmanClient.escape(key.name))", operation: "delete-secret"), notFoundIsOK: true)
            applied.withLock { $0[Self.stateKey(context.app, key)] = nil }
            saveState()
        default:
            applied.withLock { $0[Self.stateKey(context.app, key)] = nil }
            saveState()
        }
        await snapshots.invalidate()
    }
}
