import BosunCore
import Metrics

/// A deployment target that counts what the engine asks of it:
/// `bosun_target_requests_total{target,verb,code}`, where verb is live, apply, dry-run, delete or
/// preview and code is `ok` or the `TargetError` code (`transient`, `invalid`, `conflict`,
/// `forbidden`, `notFound`; `error` for anything else). The engine never knows it is wrapped.
public struct MeteredTarget: DeploymentTarget {
    public let base: any DeploymentTarget
    public var name: String { base.name }

    public init(_ base: any DeploymentTarget) { self.base = base }

    public func start() async throws { try await base.start() }
    public func shutdown() async { await base.shutdown() }

    public func prepare(_ resources: [Resource], context: AppContext) async throws -> [Resource] {
        try await base.prepare(resources, context: context)
    }

    public func live(keys: Set<ResourceKey>, context: AppContext) async throws -> [ResourceKey: Resource] {
        try await counted("live") { try await base.live(keys: keys, context: context) }
    }

    public func apply(_ resource: Resource, context: AppContext, dryRun: Bool) async throws -> Resource {
        try await counted(dryRun ? "dry-run" : "apply") { try await base.apply(resource, context: context, dryRun: dryRun) }
    }

    public func delete(_ key: ResourceKey, context: AppContext) async throws {
        try await counted("delete") { try await base.delete(key, context: context) }
    }

    public func health(of key: ResourceKey, live: Resource?, desired: Resource?, context: AppContext) async -> HealthStatus {
        await base.health(of: key, live: live, desired: desired, context: context)
    }

    public func changes() -> AsyncStream<TargetChange> { base.changes() }

    public func useHealthRules(_ rules: [HealthRuleSet]) async { await base.useHealthRules(rules) }
    public func capabilities() async -> TargetCapabilities? { await base.capabilities() }

    public func preview(_ resource: Resource, context: AppContext) async throws -> String? {
        try await counted("preview") { try await base.preview(resource, context: context) }
    }

    private func counted<T>(_ verb: String, _ body: () async throws -> T) async throws -> T {
        do {
            let value = try await body()
            count(verb, "ok")
            return value
        } catch {
            count(verb, (error as? TargetError)?.code.rawValue ?? "error")
            throw error
        }
    }

    private func count(_ verb: String, _ code: String) {
        Counter(label: "bosun_target_requests_total", dimensions: [("target", name), ("verb", verb), ("code", code)]).increment()
    }
}
