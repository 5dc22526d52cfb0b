import BosunCore
import Foundation

extension NomadTarget {
    /// Health from the deployment of the version Bosun registered (else the latest), or from the
    /// allocations of jobs without deployments. A settled answer is kept until the job or its
    /// allocation summary (both from the list call) move, so a steady-state pass asks nothing.
    public func health(of key: ResourceKey, live: Resource?, desired: Resource?, context: AppContext) async -> HealthStatus {
        guard let live else { return .missing("job \(key.name) is not registered in namespace \(key.namespace)") }
        if live["spec", "Stop"]?.boolValue == true {
            return .suspended("job \(key.name) is stopped")
        }
        let cached = jobs.withLock { $0[key] }
        let mine = registered.withLock { $0[key] }
        let fingerprint = "\(cached?.modifyIndex ?? -1)|\(cached?.summary ?? "")|\(mine ?? -1)"
        if let hit = healthCache.withLock({ $0[key] }), hit.fingerprint == fingerprint { return hit.health }
        let health: HealthStatus
        do {
            health = try await judge(key, job: cached, registeredIndex: mine)
        } catch {
            return .unknown("cannot read the state of job \(key.name) from Nomad: \(error)")
        }
        if health.status == .healthy || health.status == .degraded || health.status == .suspended {
            healthCache.withLock { $0[key] = (fingerprint, health) }
        }
        return health
    }

    private func judge(_ key: ResourceKey, job: CachedJob?, registeredIndex: Int?) async throws -> HealthStatus {
        let type = job?.type ?? "service"
        let path = "/v1/job/\(NomadClient.escape(key.name))"
        if type == "service" {
            let call = NomadClient.Call(method: .GET, path: path + "/deployments", query: [("namespace", key.namespace)], operation: "deployments", key: key)
            let deployments = try await client.json(call, notFoundIsNil: true)?.arrayValue ?? []
            if let registeredIndex, let ours = deployments.first(where: { $0["JobModifyIndex"]?.intValue == registeredIndex }) {
                return NomadHealth.fromDeployment(ours, jobID: key.name)
            }
            if let registeredIndex, job?.jobModifyIndex == registeredIndex {
                // Bosun's version is current but its deployment is not created yet.
                return .progressing("waiting for Nomad to start the deployment of job \(key.name)")
            }
            if let latest = deployments.first {
                return NomadHealth.fromDeployment(latest, jobID: key.name)
            }
        }
        let call = NomadClient.Call(method: .GET, path: path + "/allocations", query: [("namespace", key.namespace)], operation: "allocations", key: key)
        let allocations = try await client.json(call, notFoundIsNil: true) ?? .array([])
        return NomadHealth.fromAllocations(allocations, jobType: type, jobVersion: job?.version)
    }
}
