import BosunCore
import BosunStore
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
    /// `refs` (empty: any ref). Pure, so the webhook receiver can answer from a config snapshot
    /// without queueing behind the engine's work.
    public nonisolated static func applications(in config: Config, repositoryURLs: [String], refs: [String],
                                                readingAny repositories: Set<String>) -> [String] {
        let urls = Set(repositoryURLs.map(normalizeRepositoryURL))
        return config.applications.filter { app in
            guard repositories.contains(app.source.repository), let repo = config.repository(named: app.source.repository),
                urls.contains(normalizeRepositoryURL(repo.url))
            else { return false }
            return refs.isEmpty || refs.contains { mayTrack(app.source.revision, ref: $0) }
        }.map(\.name).sorted()
    }

    /// Whether a push to `ref` can change what `revision` resolves to.
    nonisolated static func mayTrack(_ revision: RevisionSpec, ref: String) -> Bool {
        switch revision {
        case .ref(let r): ref == r || ref == "refs/heads/\(r)" || ref == "refs/tags/\(r)" || r.count == 40 || r == "HEAD"
        case .semver: ref.hasPrefix("refs/tags/")
        }
    }

    /// Refreshes several applications in one step (a webhook push); names no longer configured
    /// are skipped. Returns which were queued and which joined a refresh already queued.
    /// With replicas, the applications others own are refreshed by their owners (one message
    /// to all) and count as queued.
    public func refresh(_ names: [String], trigger: SyncTrigger) async -> (queued: [String], joined: [String]) {
        var queued: [String] = []
        var joined: [String] = []
        for name in names where apps[name] != nil {
            if (try? refreshHere(name, trigger: trigger)) == true { queued.append(name) } else { joined.append(name) }
        }
        let elsewhere = names.filter { apps[$0] == nil && config.application(named: $0) != nil }
        if let leases, !elsewhere.isEmpty, let body = try? JSONEncoder().encode(RemoteRefresh(apps: elsewhere, trigger: trigger)) {
            do {
                try await leases.send(ReplicaMessage(kind: .refresh, from: leases.replica, to: nil, body: String(decoding: body, as: UTF8.self)))
                queued += elsewhere
            } catch {
                logger.warning("could not pass the refresh of \(elsewhere.joined(separator: ", ")) to their replicas: \(error)")
            }
        }
        return (queued.sorted(), joined)
    }

    /// Events newer than `afterID`, oldest first (a stream resuming after a reconnect).
    public func events(app: String?, after afterID: Int64, limit: Int = 1000) async throws -> [EventRecord] {
        try await store.events(app: app, afterID: afterID, limit: limit).reversed()
    }
}
