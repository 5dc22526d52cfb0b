import BosunCore
import Foundation

/// A deployment target that keeps objects in memory, for engine tests: health is scripted per
/// resource, failures are injected, and every call is counted.
public actor InMemoryTarget: DeploymentTarget {
    public nonisolated let name: String
    public private(set) var objects: [ResourceKey: Resource] = [:]
    public private(set) var applied: [ResourceKey] = []
    public private(set) var deleted: [ResourceKey] = []
    public private(set) var liveCalls = 0
    /// Health by key; default: Healthy when it exists, Missing otherwise.
    public var healthOverride: [ResourceKey: HealthStatus] = [:]
    /// Health by the value of `metadata.annotations["test.bosun.dev/health"]` of the live object
    /// (so a commit can declare a resource that never gets healthy).
    public var failApply: [ResourceKey: TargetError] = [:]
    private var changeContinuations: [AsyncStream<TargetChange>.Continuation] = []

    public init(name: String = "memory") { self.name = name }

    public func prepare(_ resources: [Resource], context: AppContext) async throws -> [Resource] {
        try resources.map { resource in
            if resource.annotation("test.bosun.dev/invalid") != nil {
                throw TargetError(.invalid, "refused by the test target", key: resource.key)
            }
            return resource
        }
    }

    public func live(keys: Set<ResourceKey>, context: AppContext) async throws -> [ResourceKey: Resource] {
        liveCalls += 1
        var result: [ResourceKey: Resource] = [:]
        for (key, object) in objects where keys.contains(key) || object.label(Annotations.appLabel) == context.app {
            result[key] = object
        }
        return result
    }

    public func apply(_ resource: Resource, context: AppContext, dryRun: Bool) async throws -> Resource {
        if let error = failApply[resource.key] { throw error }
        if dryRun { return resource }
        applied.append(resource.key)
        var stored = resource
        stored.source = nil
        objects[resource.key] = stored
        return stored
    }

    public func delete(_ key: ResourceKey, context: AppContext) async throws {
        if objects.removeValue(forKey: key) != nil { deleted.append(key) }
    }

    public func health(of key: ResourceKey, live: Resource?, desired: Resource?, context: AppContext) async -> HealthStatus {
        if let forced = healthOverride[key] { return forced }
        guard let live else { return .missing() }
        if let scripted = live.annotation("test.bosun.dev/health") {
            return HealthStatus(HealthCode(rawValue: scripted) ?? .unknown, "scripted by the test")
        }
        return .healthy()
    }

    public nonisolated func changes() -> AsyncStream<TargetChange> {
        let (stream, continuation) = AsyncStream<TargetChange>.makeStream()
        Task { await self.addContinuation(continuation) }
        return stream
    }

    private func addContinuation(_ c: AsyncStream<TargetChange>.Continuation) { changeContinuations.append(c) }

    // MARK: Test controls

    /// Changes a live object behind Bosun's back (drift) and tells the engine, as a watch would.
    public func edit(_ key: ResourceKey, notify: Bool = true, _ change: (inout Resource) -> Void) {
        guard var object = objects[key] else { return }
        change(&object)
        objects[key] = object
        if notify, let app = object.label(Annotations.appLabel) {
            for c in changeContinuations { c.yield(TargetChange(app: app, key: key, reason: "edited")) }
        }
    }

    public func remove(_ key: ResourceKey) { objects[key] = nil }
    public func put(_ resource: Resource) { objects[resource.key] = resource }
    public func setHealth(_ key: ResourceKey, _ health: HealthStatus?) { healthOverride[key] = health }
    public func setFailure(_ key: ResourceKey, _ error: TargetError?) { failApply[key] = error }
    public func resetCounters() {
        applied = []
        deleted = []
        liveCalls = 0
    }
}
