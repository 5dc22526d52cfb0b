import BosunCore
import BosunStore

/// A target that refuses every change for an application whose lease this replica no longer
/// holds with a safety margin left. No target here can check a fencing token itself, so this is
/// the promise: no apply or delete starts after the lease is lost.
struct FencedTarget: DeploymentTarget {
    let base: any DeploymentTarget
    let leases: any ApplicationLeases
    var name: String { base.name }

    func start() async throws { try await base.start() }
    func shutdown() async { await base.shutdown() }

    func prepare(_ resources: [Resource], context: AppContext) async throws -> [Resource] {
        try await base.prepare(resources, context: context)
    }

    func live(keys: Set<ResourceKey>, context: AppContext) async throws -> [ResourceKey: Resource] {
        try await base.live(keys: keys, context: context)
    }

    func apply(_ resource: Resource, context: AppContext, dryRun: Bool) async throws -> Resource {
        if !dryRun { try checkLease(context, resource.key) }
        return try await base.apply(resource, context: context, dryRun: dryRun)
    }

    func delete(_ key: ResourceKey, context: AppContext) async throws {
        try checkLease(context, key)
        try await base.delete(key, context: context)
    }

    func health(of key: ResourceKey, live: Resource?, desired: Resource?, context: AppContext) async -> HealthStatus {
        await base.health(of: key, live: live, desired: desired, context: context)
    }

    func changes() -> AsyncStream<TargetChange> { base.changes() }
    func preview(_ resource: Resource, context: AppContext) async throws -> String? { try await base.preview(resource, context: context) }
    func useHealthRules(_ rules: [HealthRuleSet]) async { await base.useHealthRules(rules) }
    func capabilities() async -> TargetCapabilities? { await base.capabilities() }

    private func checkLease(_ context: AppContext, _ key: ResourceKey) throws {
        guard leases.mayAct(for: context.app) else {
            // Transient: either the next round renews the lease and a retry goes through, or the
            // application moves and this replica stops working on it.
            throw TargetError(.transient, "replica \(leases.replica) does not hold the lease of \(context.app) with time to spare (it was lost, or its renewal is late); nothing was changed", key: key,
                              retryAfter: Double(leases.renewEvery.components.seconds) + 1)
        }
    }
}
