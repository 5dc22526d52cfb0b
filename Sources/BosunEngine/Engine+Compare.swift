import BosunCore
import BosunDiff
import BosunGit
import BosunStore
import Foundation

extension Engine {
    func context(_ spec: ApplicationSpec, commit: String) -> AppContext {
        AppContext(app: spec.name, namespace: spec.destination.namespace, commit: commit,
                   createNamespace: spec.sync.createNamespace, force: spec.sync.force)
    }

    /// Compares what Git wants with what runs: a three-way diff per resource (last-applied from
    /// the inventory), each resource's health, and the application's sync and health status.
    func compare(_ spec: ApplicationSpec, desired: DesiredState) async throws -> Observation {
        guard let target = targets[spec.destination.target] else {
            throw EngineError(.invalid, "target \"\(spec.destination.target)\" is not available")
        }
        let ctx = context(spec, commit: desired.commit.sha)
        let inventory = try await store.inventory(app: spec.name)
        let keys = Set(desired.resources.map(\.key)).union(inventory.keys)
        var live = try await target.live(keys: keys, context: ctx)
        // Hooks left behind and objects another application tracks are never ours to prune.
        let expectedTracking = { (key: ResourceKey) in Annotations.trackingID(app: spec.name, key: key) }
        let foreign = live.compactMapValues { object -> String? in
            guard object.label(Annotations.appLabel) == spec.name, Hooks.phases(of: object) == nil,
                let tracking = object.annotation(Annotations.trackingID), tracking != expectedTracking(object.key),
                inventory[object.key] == nil, !desired.resources.contains(where: { $0.key == object.key })
            else { return nil }
            return tracking
        }
        live = live.filter { key, object in
            if inventory[key] != nil || desired.resources.contains(where: { $0.key == key }) { return true }
            return Hooks.phases(of: object) == nil && object.annotation(Annotations.trackingID) == Annotations.trackingID(app: spec.name, key: key)
        }
        // Decrypted values are kept sealed (keyed hashes): their places are marked for masking.
        let lastApplied = inventory.mapValues { lastAppliedForDiff($0.lastApplied) }
        // An unchanged resource shows no text: holding its three bodies would keep another copy of
        // everything that runs (the last-applied ones are parsed afresh from the store).
        let diffs = Differ.diff(desired: desired.resources, live: live, lastApplied: lastApplied,
                                options: DiffOptions(ignoreDifferences: spec.ignoreDifferences)).map { diff in
            guard diff.action == .unchanged else { return diff }
            var slim = diff
            (slim.desired, slim.live, slim.lastApplied) = (nil, nil, nil)
            return slim
        }
        var health: [ResourceKey: HealthStatus] = [:]
        // Health is judged against what Bosun applied: a commit not yet synced is OutOfSync, not unhealthy.
        for resource in desired.resources {
            var applied = resource
            if let stored = lastApplied[resource.key] { applied = await lastAppliedForHealth(stored, live: live[resource.key]) }
            health[resource.key] = await target.health(of: resource.key, live: live[resource.key], desired: applied, context: ctx)
        }
        let counted = desired.resources.filter { !$0.isHealthIgnored }.compactMap { health[$0.key] }
        return Observation(
            commit: desired.commit, desired: desired.resources, hooks: desired.hooks, diffs: diffs, live: live, health: health,
            appHealth: HealthStatus.worst(counted), outOfSync: diffs.contains { $0.action != .unchanged }, foreign: foreign)
    }

    /// Renders the status as the API and CLI show it.
    func status(of runtime: AppRuntime) -> ApplicationStatus {
        let obs = runtime.lastLook
        let synced = runtime.persisted.syncedRevision ?? ""
        let syncCode: SyncCode
        if let obs {
            syncCode = obs.outOfSync || obs.commit.sha != synced ? .outOfSync : .synced
        } else {
            syncCode = .unknown
        }
        let resources = (obs?.rows ?? []).map { row in
            ResourceStatus(
                key: row.key, sync: row.action == .unchanged ? .synced : .outOfSync,
                health: row.health ?? (row.action == .delete ? .unknown("not in Git; pruned on the next sync with prune") : .missing()))
        }
        let target = runtime.targetCommit ?? obs?.commit
        var status = ApplicationStatus(
            name: runtime.spec.name, target: runtime.spec.destination.target,
            sync: SyncInfo(status: syncCode, revision: synced, targetRevision: target?.sha),
            health: HealthInfo(obs?.appHealth ?? .unknown("not compared yet")),
            pinned: runtime.persisted.pinnedRevision != nil, pinnedRevision: runtime.persisted.pinnedRevision,
            resources: resources, lastSync: runtime.lastSync,
            commit: target,
            condition: runtime.condition, operation: runtime.operation, autoSync: runtime.spec.sync.auto,
            repository: runtime.spec.source.repository, path: runtime.spec.source.path,
            revisionSpec: runtime.spec.source.revision.description)
        status.applicationSet = declarations.owner[runtime.spec.name]
        status.replica = leases?.replica
        return status
    }

    /// Records status changes worth an event: drift, health turning.
    func reportChanges(_ name: String) async {
        guard let runtime = apps[name], let obs = runtime.lastLook else { return }
        let current = status(of: runtime)
        if current.sync.status != runtime.lastReportedSync {
            if current.sync.status == .outOfSync, runtime.lastReportedSync == .synced, obs.commit.sha == runtime.persisted.syncedRevision {
                let keys = obs.changedKeys.map(\.shortDescription)
                await emit(app: name, .warning, "DriftDetected", "live state differs from Git at \(short(obs.commit.sha)): \(keys.prefix(5).joined(separator: ", "))\(keys.count > 5 ? " and \(keys.count - 5) more" : "")")
            }
            apps[name]?.lastReportedSync = current.sync.status
        }
        if current.health.status != runtime.lastReportedHealth {
            if runtime.lastReportedHealth != nil || current.health.status != .healthy {
                await emit(app: name, current.health.status == .degraded ? .warning : .normal, "Health\(current.health.status.rawValue)",
                           current.health.message.isEmpty ? "application is \(current.health.status.rawValue)" : current.health.message)
            }
            apps[name]?.lastReportedHealth = current.health.status
            if current.health.status == .healthy { wakeDependents(of: name) }
        }
    }

    /// Applications waiting on this one look again now instead of at their next interval.
    func wakeDependents(of name: String) {
        for other in specIndex.dependents[name] ?? [] where apps[other] != nil {
            wake(other, .scheduled(.interval))
        }
    }

    /// Why the application may not sync yet, when a dependency is not Synced and Healthy at its
    /// current commit.
    func unmetDependency(_ spec: ApplicationSpec) -> String? {
        for dep in spec.dependsOn {
            guard let runtime = apps[dep] else { return "waiting for \(dep), which is not in the config" }
            let st = status(of: runtime)
            if st.sync.status != .synced || st.health.status != .healthy || runtime.operation != nil {
                return "waiting for \(dep) to be Synced and Healthy (it is \(st.sync.status.rawValue), \(st.health.status.rawValue))"
            }
        }
        return nil
    }
}
