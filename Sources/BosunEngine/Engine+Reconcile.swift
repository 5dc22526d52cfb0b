import BosunCore
import BosunDiff
import BosunGit
import BosunStore
import Foundation

extension Engine {
    /// One look at an application, as a script of stages: resolve, render, compare, decide, sync.
    /// At most `maxConcurrentRefreshes` look at once (what a burst of applications costs in
    /// memory stays bounded); the sync that may follow waits for a sync slot instead.
    func reconcile(_ name: String, trigger: SyncTrigger, forceFetch: Bool, fetch: Bool = true) async {
        await refreshSlots.acquire()
        let looked = await look(name, trigger: trigger, forceFetch: forceFetch, fetch: fetch)
        await refreshSlots.release()
        guard let (desired, observation) = looked, let spec = apps[name]?.spec,
            let syncTrigger = await decide(name, observation: observation, trigger: trigger)
        else { return }
        _ = await performSync(name, desired: desired, observation: observation, trigger: syncTrigger,
                              prune: spec.sync.prune, onStart: nil)
    }

    /// Resolve, render and compare; the desired state and what was observed, or nil when a
    /// stage failed (the condition says which).
    func look(_ name: String, trigger: SyncTrigger, forceFetch: Bool, fetch: Bool) async -> (DesiredState, Observation)? {
        guard let runtime = apps[name] else { return nil }
        let spec = runtime.spec
        let started = ContinuousClock.now
        defer { EngineMetrics.reconciled(app: name, trigger: trigger, duration: ContinuousClock.now - started) }

        // Resolve: the pinned commit, else the tracked revision. A dead remote keeps what runs.
        let revision: RevisionSpec = runtime.persisted.pinnedRevision.map { .ref($0) } ?? spec.source.revision
        let commit: Commit
        let fetchWarning: String?
        do {
            (commit, fetchWarning) = try await resolve(spec, revision: revision, forceFetch: forceFetch, fetch: fetch)
        } catch {
            guard !Task.isCancelled else { return nil }
            // An untrusted signature is not a source outage: it says so, and never deploys.
            let type = error is VerificationFailure ? "VerificationFailed" : "SourceUnavailable"
            await setCondition(name, type, "\(error)", revision: runtime.persisted.lastGoodRevision)
            return nil
        }
        apps[name]?.targetCommit = commit

        // Render: a commit that does not render or validate never touches what runs.
        let desired: DesiredState
        let reused = runtime.lastLook.flatMap { $0.commit.sha == commit.sha ? $0 : nil }
        if let reused {
            desired = reused.desiredState
        } else {
            do {
                desired = try await desiredState(spec, commit: commit, context: context(spec, commit: commit.sha))
            } catch {
                guard !Task.isCancelled else { return nil }
                await setCondition(name, "ComparisonError", "commit \(short(commit.sha)) (\(commit.subject)): \(error)", revision: commit.sha)
                return nil
            }
        }

        // Compare.
        let observation: Observation
        do {
            observation = try await compare(spec, desired: desired)
        } catch {
            guard !Task.isCancelled else { return nil }
            await setCondition(name, "ComparisonError", "cannot read the live state: \(error)", revision: commit.sha)
            return nil
        }
        apps[name]?.lastLook = LastLook(observation, desiredFrom: reused)
        if apps[name]?.persisted.lastGoodRevision != commit.sha {
            apps[name]?.persisted.lastGoodRevision = commit.sha
            await persist(name)
        }
        if let fetchWarning {
            await setCondition(name, "SourceUnavailable", "\(fetchWarning); using the last fetched state at \(short(commit.sha))", revision: commit.sha)
        } else {
            await clearCondition(name, unless: ["RollbackBlocked", "SyncError", "PruneRefused", "WaitingForDependencies", "SyncTerminated"])
        }
        // A commit that changes nothing this application renders needs no sync: it is synced there.
        if !observation.outOfSync, commit.sha != apps[name]?.persisted.syncedRevision, apps[name]?.persisted.syncedRevision != nil,
            apps[name]?.operation == nil, commit.sha != apps[name]?.persisted.failedRevision
        {
            apps[name]?.persisted.syncedRevision = commit.sha
            if observation.appHealth.status == .healthy { apps[name]?.persisted.healthyRevision = commit.sha }
            await persist(name)
        }
        await reportChanges(name)
        return (desired, observation)
    }

    /// Whether to sync now, and as what trigger. Auto-sync takes a new commit; self-heal repairs
    /// drift at the same commit; a pin, a failed commit left by auto-rollback, a pending retry
    /// backoff and unmet dependencies all hold it back.
    func decide(_ name: String, observation: Observation, trigger: SyncTrigger) async -> SyncTrigger? {
        guard let runtime = apps[name] else { return nil }
        let spec = runtime.spec
        let sha = observation.commit.sha
        guard spec.sync.auto, runtime.persisted.pinnedRevision == nil, runtime.operation == nil else { return nil }
        // A changed definition (a reload, a file in Git, a set's template) that renders differently
        // at the synced commit is new desired state too.
        let isNewCommit = sha != runtime.persisted.syncedRevision || (trigger == .config && observation.outOfSync)
        guard isNewCommit || (observation.outOfSync && spec.sync.selfHeal) else {
            // In sync clears a sync's conditions, not the source's: those clear when Git answers again.
            if !observation.outOfSync { await clearCondition(name, unless: ["RollbackBlocked", "SourceUnavailable"]) }
            return nil
        }
        if sha == runtime.persisted.failedRevision {
            await setCondition(name, "RollbackBlocked",
                               "commit \(short(sha)) failed and was rolled back; waiting for a newer commit (or `bosun sync \(name)`)", revision: sha)
            return nil
        }
        if let retry = runtime.retry, retry.revision == sha {
            if let limit = spec.sync.retryLimit, retry.attempts > limit { return nil }
            if clock.now < retry.notBefore { return nil }
        }
        if let waiting = unmetDependency(spec) {
            await setCondition(name, "WaitingForDependencies", waiting, revision: sha)
            return nil
        }
        if isNewCommit { return trigger == .selfHeal ? .interval : trigger }
        return .selfHeal
    }

    /// A sync a person asked for: resolves the revision asked (or tracked), renders, compares
    /// and syncs; the reply carries the sync id as soon as the sync is recorded.
    func manualSync(_ name: String, _ request: SyncRequest, reply: @escaping @Sendable (Result<Int64, any Error>) -> Void) async {
        guard let runtime = apps[name] else {
            reply(.failure(EngineError.unknownApp(name, known: Array(apps.keys))))
            return
        }
        let spec = runtime.spec
        let revision: RevisionSpec = request.revision.map { .ref($0) } ?? runtime.persisted.pinnedRevision.map { .ref($0) } ?? spec.source.revision
        do {
            let (commit, _) = try await resolve(spec, revision: revision, forceFetch: true)
            let desired = try await desiredState(spec, commit: commit, context: context(spec, commit: commit.sha),
                                                 allowEmpty: request.forcePrune)
            let observation = try await compare(spec, desired: desired)
            if request.pin {
                apps[name]?.persisted.pinnedRevision = commit.sha
                await persist(name)
                await emit(app: name, .normal, "Pinned", "pinned at \(short(commit.sha)); automatic syncs pause until `bosun unpin \(name)`")
            }
            apps[name]?.retry = nil
            _ = await performSync(name, desired: desired, observation: observation, trigger: request.trigger,
                                  prune: request.prune || spec.sync.prune || request.forcePrune, forcePrune: request.forcePrune,
                                  onStart: { reply(.success($0)) })
            // Only answers when the sync never started (the reply resumes once).
            reply(.failure(EngineError(.unavailable, "the sync of \(name) could not start; see `bosun status \(name)`")))
        } catch {
            reply(.failure(EngineError.classifying(error)))
        }
    }

    // MARK: Conditions and persistence

    func setCondition(_ name: String, _ type: String, _ message: String, revision: String?) async {
        let condition = ApplicationStatus.Condition(type: type, message: message, revision: revision)
        let previous = apps[name]?.condition
        guard previous != condition else { return }
        apps[name]?.condition = condition
        // A condition that holds (same type, same commit) takes the newest message without a new
        // event: a broken Git host answering differently at each look must not flood the events.
        if previous?.type == type && previous?.revision == revision { return }
        await emit(app: name, .warning, type, message)
    }

    func clearCondition(_ name: String, unless kept: Set<String> = []) async {
        guard let condition = apps[name]?.condition, !kept.contains(condition.type) else { return }
        apps[name]?.condition = nil
        await emit(app: name, .normal, "\(condition.type)Resolved", "\(condition.type) cleared")
    }

    func persist(_ name: String) async {
        guard let state = apps[name]?.persisted else { return }
        do {
            try await store.setAppState(name, state, at: clock.now)
        } catch {
            await setCondition(name, "StoreError", "\(error)", revision: nil)
        }
    }
}
