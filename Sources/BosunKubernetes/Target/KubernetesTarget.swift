import BosunCore
import Foundation
import Logging
import Synchronization

/// A Kubernetes cluster as a deployment target: server-side apply as field manager `bosun`,
/// a watch-fed cache of the objects labelled `bosun.dev/app`, the health rules of
/// `HealthRules`, and deletes that only touch what the application's tracking id names.
public final class KubernetesTarget: DeploymentTarget {
    public let name: String
    public let client: KubernetesClient
    public let cache: LiveCache
    /// The namespace for namespaced objects that name none, when the application names none.
    public let defaultNamespace: String
    /// How deletes reach dependents unless an object asks otherwise.
    public let deletePropagation: DeletePropagation
    let clock: any BosunClock
    let logger: Logger
    /// Kinds of CRDs this target applied whose kind the server may not serve yet.
    let pendingKinds = Mutex<Set<String>>([])
    /// Namespaces known to exist (for `createNamespace`), so each is checked once.
    let knownNamespaces = Mutex<Set<String>>([])
    /// Health as last judged, under the rules users declared per kind.
    let healthMemo = HealthMemo()

    /// A target over `client`; watches resync every `resyncInterval`.
    public init(
        name: String, client: KubernetesClient, defaultNamespace: String? = nil, deletePropagation: DeletePropagation = .background,
        resyncInterval: Duration = .seconds(600), clock: any BosunClock = SystemClock(),
        logger: Logger = Logger(label: "bosun.kubernetes")
    ) {
        self.name = name
        self.client = client
        self.defaultNamespace = defaultNamespace ?? client.connection.namespace
        self.deletePropagation = deletePropagation
        self.clock = clock
        self.logger = logger
        cache = LiveCache(client: client, resyncInterval: resyncInterval, clock: clock, logger: logger)
    }

    /// Nothing to start: kinds are watched when first asked for.
    public func start() async throws {}

    /// Stops the watches and closes the connections.
    public func shutdown() async {
        await cache.stop()
        await client.shutdown()
    }

    /// The health rules on the live object; Missing when there is none.
    public func health(of key: ResourceKey, live: Resource?, desired: Resource?, context: AppContext) async -> HealthStatus {
        guard let live else { return .missing("\(key.shortDescription) does not exist") }
        return healthMemo.health(of: live)
    }

    /// Takes the rules users declared (`healthRules:`); they decide for their kinds from now on.
    public func useHealthRules(_ rules: [HealthRuleSet]) async {
        healthMemo.use(DeclaredHealthRules(rules))
    }

    /// Objects of an application that changed in the cluster (not by Bosun's own applies).
    public func changes() -> AsyncStream<TargetChange> {
        let source = cache.changes()
        return AsyncStream { continuation in
            let task = Task {
                for await change in source {
                    for app in change.apps.sorted() {
                        continuation.yield(TargetChange(app: app, key: change.key, reason: "\(change.key.shortDescription) \(change.kind.rawValue)"))
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The namespace a namespaced object without one goes to.
    func namespace(for context: AppContext) -> String {
        if let namespace = context.namespace, !namespace.isEmpty { return namespace }
        return defaultNamespace
    }
}
