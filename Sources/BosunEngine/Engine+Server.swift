import BosunCore
import Foundation

/// What the HTTP server asks of the engine beyond the application API: readiness and the
/// audit log of who asked for what.
extension Engine {
    /// True between `start()` and `stop()`: the loops run and the store has been opened.
    public var isRunning: Bool { running }

    /// Whether the store answers (for `/readyz`).
    public func storeIsReachable() async -> Bool {
        (try? await store.events(limit: 1)) != nil
    }

    /// Records an action a person or a script took through the API (token name as the actor).
    /// A failure to record is logged, never fatal to the action.
    public func audit(actor: String, action: String, app: String?, detail: String = "") async {
        do {
            try await store.audit(actor: actor, action: action, app: app, detail: detail, at: clock.now)
        } catch {
            logger.warning("could not record the audit entry for \(action) by \(actor): \(error)")
        }
    }

    /// The applications a webhook push refreshes: they read one of `repositories` (by name),
    /// that repository's URL is one of `repositoryURLs` (any form), and they may track one of
    /// `refs` (empty: any ref).
    public func applications(repositoryURLs: [String], refs: [String], readingAny repositories: Set<String>) -> [String] {
        var names: Set<String> = []
        for url in repositoryURLs {
            for ref in refs.isEmpty ? [nil] : refs.map(Optional.some) {
                names.formUnion(applications(repositoryURL: url, ref: ref))
            }
        }
        return names.filter { apps[$0].map { repositories.contains($0.spec.source.repository) } ?? false }.sorted()
    }

    /// Events newer than `afterID`, oldest first (a stream resuming after a reconnect).
    public func events(app: String?, after afterID: Int64, limit: Int = 1000) async throws -> [EventRecord] {
        try await store.events(app: app, afterID: afterID, limit: limit).reversed()
    }
}
