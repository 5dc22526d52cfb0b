import Foundation

/// What a target needs to know about the application it is acting for.
public struct AppContext: Sendable, Hashable {
    public var app: String
    /// The destination namespace, for targets that have namespaces.
    public var namespace: String?
    /// The commit being applied, for targets that record it (Nomad job meta).
    public var commit: String
    public var createNamespace: Bool
    /// Take over fields another manager owns (Kubernetes server-side apply `force`).
    public var force: Bool

    public init(app: String, namespace: String? = nil, commit: String = "", createNamespace: Bool = false, force: Bool = false) {
        self.app = app
        self.namespace = namespace
        self.commit = commit
        self.createNamespace = createNamespace
        self.force = force
    }
}

/// A change a target saw by itself (a process exited, a watched object changed), so the
/// engine can look at the application now instead of at its next interval.
public struct TargetChange: Sendable, Hashable {
    public var app: String
    public var key: ResourceKey?
    public var reason: String
    public init(app: String, key: ResourceKey? = nil, reason: String) {
        self.app = app
        self.key = key
        self.reason = reason
    }
}

/// A failure from a target, classified once so the engine decides retry or give up in one place.
public struct TargetError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Worth retrying: 5xx, 429, timeouts, connection refused.
        case transient
        /// The input is wrong (unknown kind, invalid field, path outside the root): retrying cannot help.
        case invalid
        /// Someone else changed or owns it (field manager conflict, check-and-set index moved).
        case conflict
        /// The credentials may not do this.
        case forbidden
        case notFound
    }

    public var code: Code
    public var message: String
    public var key: ResourceKey?
    /// Seconds the server asked us to wait (429 Retry-After).
    public var retryAfter: Double?

    public init(_ code: Code, _ message: String, key: ResourceKey? = nil, retryAfter: Double? = nil) {
        self.code = code
        self.message = message
        self.key = key
        self.retryAfter = retryAfter
    }

    public var isRetryable: Bool { code == .transient }

    public var description: String {
        if let key { return "\(key.shortDescription): \(message)" }
        return message
    }
}

/// A place Bosun deploys to: the host, a Kubernetes cluster, a Nomad cluster. The engine
/// knows targets only through this protocol; each implementation lives in its own module.
public protocol DeploymentTarget: Sendable {
    var name: String { get }

    /// Starts background work (process supervision, watches). Called once, before anything else.
    func start() async throws
    /// Stops background work gracefully. Called once, at shutdown.
    func shutdown() async

    /// Makes rendered manifests ready for this target: sets defaults such as the destination
    /// namespace and refuses what it cannot hold, naming the resource and field.
    func prepare(_ resources: [Resource], context: AppContext) async throws -> [Resource]

    /// The live objects for `keys`, plus any other object labelled for the application
    /// (so what Git dropped can be pruned). Absent keys do not exist.
    func live(keys: Set<ResourceKey>, context: AppContext) async throws -> [ResourceKey: Resource]

    /// Creates or updates one resource; returns the object as the target now holds it.
    /// With `dryRun`, nothing changes and the answer is what it would hold.
    func apply(_ resource: Resource, context: AppContext, dryRun: Bool) async throws -> Resource

    /// Deletes one resource. Deleting what does not exist is not an error.
    func delete(_ key: ResourceKey, context: AppContext) async throws

    /// The health of a resource from its live object (nil: it does not exist) and what Git wants.
    func health(of key: ResourceKey, live: Resource?, desired: Resource?, context: AppContext) async -> HealthStatus

    /// Changes the target noticed by itself.
    func changes() -> AsyncStream<TargetChange>

    /// A target-specific preview of the change (Nomad's plan), shown beside Bosun's own diff.
    func preview(_ resource: Resource, context: AppContext) async throws -> String?

    /// The health rules users declared per kind (config `healthRules:`), given at start and
    /// whenever they change; a target whose objects have no such kinds ignores them.
    func useHealthRules(_ rules: [HealthRuleSet]) async

    /// What the target serves (API versions, server version), for Helm's `.Capabilities`.
    func capabilities() async -> TargetCapabilities?
}

extension DeploymentTarget {
    public func start() async throws {}
    public func shutdown() async {}
    public func changes() -> AsyncStream<TargetChange> { AsyncStream { $0.finish() } }
    public func preview(_ resource: Resource, context: AppContext) async throws -> String? { nil }
    public func useHealthRules(_ rules: [HealthRuleSet]) async {}
}

/// What a target needs from its surroundings when it is built from config.
public struct TargetEnvironment: Sendable {
    /// Bosun's data directory.
    public var dataDirectory: URL
    /// Resolves a path written in the config (relative to the config file).
    public var resolvePath: @Sendable (String) -> String
    /// Environment variables, for tokens named by `...Env` fields.
    public var environment: [String: String]

    public init(dataDirectory: URL, resolvePath: @escaping @Sendable (String) -> String = { $0 },
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.dataDirectory = dataDirectory
        self.resolvePath = resolvePath
        self.environment = environment
    }
}

/// Builds targets from config by type. The CLI registers each target module's factory, so the
/// engine never imports a target.
public struct TargetFactory: Sendable {
    public typealias Make = @Sendable (TargetSpec, TargetEnvironment) throws -> any DeploymentTarget
    private var makers: [String: Make] = [:]

    public init() {}

    public mutating func register(_ type: String, _ make: @escaping Make) { makers[type] = make }

    public var types: [String] { makers.keys.sorted() }

    public func make(_ spec: TargetSpec, environment: TargetEnvironment) throws -> any DeploymentTarget {
        guard let make = makers[spec.type] else {
            throw TargetError(.invalid, "target \"\(spec.name)\" has type \"\(spec.type)\", which this build does not support (supported: \(types.joined(separator: ", ")))")
        }
        return try make(spec, environment)
    }
}

/// What a target serves, for renderers that ask (Helm's `.Capabilities`): the API versions
/// (`apps/v1`, `apps/v1/Deployment`) and the server's version (`v1.31.0`).
public struct TargetCapabilities: Sendable, Hashable {
    public var apiVersions: [String]
    public var kubeVersion: String?
    public init(apiVersions: [String], kubeVersion: String?) {
        self.apiVersions = apiVersions
        self.kubeVersion = kubeVersion
    }
}

extension DeploymentTarget {
    /// What the target serves; nil for targets without API discovery (host, Nomad).
    public func capabilities() async -> TargetCapabilities? { nil }
}
