import BosunCore
import BosunDiff
import BosunGit
import BosunStore
import Foundation

/// How a sync ended, and whether auto-rollback may act on it.
enum SyncOutcome: Sendable {
    case succeeded(healthy: Bool)
    /// `health`: the resources applied but did not become Healthy (Degraded or timed out).
    case failed(String, health: Bool, retryable: Bool)
    /// Bosun is stopping: the sync is cut off and recorded as Interrupted.
    case interrupted
    /// Someone stopped it (`bosun terminate`): recorded as Terminated, not retried.
    case terminated(by: String)
}

/// Thrown between two steps of a sync someone asked to stop.
struct SyncTerminated: Error {
    var actor: String
}

/// A failure inside a sync, with what it means for retries and rollback.
struct SyncFailure: Error {
    var message: String
    var health = false
    var retryable = false
}

extension Engine {
    /// Applies a plan: PreSync hooks, waves in order (each waits for health), Sync hooks, prune,
    /// PostSync hooks; SyncFail hooks when anything fails. Every step is recorded as it happens.
    func performSync(_ name: String, desired: DesiredState, observation: Observation, trigger: SyncTrigger, prune: Bool,
                     forcePrune: Bool = false, onStart: (@Sendable (Int64) -> Void)?) async -> SyncOutcome
    {
        guard let runtime = apps[name], let target = targets[runtime.spec.destination.target] else {
            return .failed("application or target gone", health: false, retryable: false)
        }
        let spec = runtime.spec
        let commit = desired.commit
        let ctx = context(spec, commit: commit.sha)
        let plan = Plan.make(desired: desired.resources + desired.hooks, diffs: observation.diffs, prune: prune)
        let diffText = observation.diffs.filter { $0.action != .unchanged }.map { $0.unified(color: false) }.joined(separator: "\n")

        await syncSlots.acquire()
        let syncID: Int64
        do {
            syncID = try await store.beginSync(app: name, trigger: trigger, revision: commit.sha, author: commit.author,
                                               subject: commit.subject, dryRun: false, diff: diffText, sources: commit.sources, at: clock.now)
        } catch {
            await syncSlots.release()
            await setCondition(name, "StoreError", "\(error)", revision: commit.sha)
            return .failed("\(error)", health: false, retryable: true)
        }
        onStart?(syncID)
        let syncStarted = ContinuousClock.now
        let total = plan.waves.reduce(0) { $0 + $1.steps.count } + plan.prunes.count + plan.hooks.count
        apps[name]?.operation = SyncProgress(syncID: syncID, phase: "PreSync", done: 0, total: total)
        apps[name]?.lastSync = SyncSummary(id: syncID, revision: commit.sha, result: .running, trigger: trigger,
                                           startedAt: clock.now, finishedAt: nil, message: "", author: commit.author, subject: commit.subject,
                                           sources: commit.sources)
        await emit(app: name, .normal, "SyncStarted", "sync \(syncID) of \(short(commit.sha)) (\(commit.subject)) started (\(trigger.rawValue))")

        var outcome: SyncOutcome
        do {
            try checkPruneSafety(plan, observation: observation, spec: spec, forcePrune: forcePrune)
            try await adoptApplied(name, desired: desired, observation: observation)
            try await runHooks(.preSync, plan: plan, syncID: syncID, name: name, target: target, ctx: ctx, timeout: spec.sync.healthTimeout)
            var scope = HealthWaitScope(selfHeal: spec.sync.selfHeal, ignoreDifferences: spec.ignoreDifferences)
            for wave in plan.waves {
                progress(name, phase: "Sync", wave: wave.number)
                try await applyWave(wave, syncID: syncID, name: name, revision: commit.sha, target: target, ctx: ctx)
                scope.add(wave)
                try await waitForHealth(wave.steps.compactMap(\.resource), name: name, target: target, ctx: ctx,
                                        timeout: spec.sync.healthTimeout, syncID: syncID, scope: scope)
            }
            try await runHooks(.sync, plan: plan, syncID: syncID, name: name, target: target, ctx: ctx, timeout: spec.sync.healthTimeout)
            progress(name, phase: "Prune", wave: nil)
            try await prunePlanned(plan, observation: observation, syncID: syncID, name: name, target: target, ctx: ctx)
            try await runHooks(.postSync, plan: plan, syncID: syncID, name: name, target: target, ctx: ctx, timeout: spec.sync.healthTimeout)
            outcome = .succeeded(healthy: true)
        } catch let stop as SyncTerminated {
            outcome = .terminated(by: stop.actor)
        } catch _ where Task.isCancelled {
            outcome = .interrupted
        } catch is CancellationError {
            outcome = .interrupted
        } catch let failure as SyncFailure {
            outcome = .failed(failure.message, health: failure.health, retryable: failure.retryable)
        } catch {
            outcome = .failed("\(error)", health: false, retryable: true)
        }
        if case .failed = outcome {
            try? await runHooks(.syncFail, plan: plan, syncID: syncID, name: name, target: target, ctx: ctx, timeout: spec.sync.healthTimeout)
        }
        // The slot is free before finishing: an auto-rollback started there needs one.
        await syncSlots.release()
        EngineMetrics.syncFinished(app: name, result: outcome.result, trigger: trigger, duration: ContinuousClock.now - syncStarted)
        await finish(name, syncID: syncID, commit: commit, trigger: trigger, outcome: outcome, desired: desired)
        return outcome
    }

    /// Ends the sync here when someone asked to terminate it.
    func stopIfTerminated(_ name: String, syncID: Int64) throws {
        if let termination = apps[name]?.termination, termination.syncID == syncID {
            throw SyncTerminated(actor: termination.actor)
        }
    }

    func progress(_ name: String, phase: String, wave: Int?, done: Int? = nil, message: String = "") {
        guard var op = apps[name]?.operation else { return }
        op.phase = phase
        op.wave = wave
        if let done { op.done = done }
        op.message = message
        apps[name]?.operation = op
    }

    func advance(_ name: String, message: String) {
        guard var op = apps[name]?.operation else { return }
        op.done += 1
        op.message = message
        apps[name]?.operation = op
    }

    /// A sync that would delete more than `maxPrunePercent` of what the application holds is
    /// refused unless forced: a broken commit must not wipe an environment.
    func checkPruneSafety(_ plan: Plan, observation: Observation, spec: ApplicationSpec, forcePrune: Bool) throws {
        guard !plan.prunes.isEmpty, !forcePrune else { return }
        let held = Set(observation.desired.map(\.key)).union(plan.prunes.map(\.key)).count
        let percent = plan.prunes.count * 100 / max(1, held)
        if percent > spec.sync.maxPrunePercent {
            throw SyncFailure(message: "refused to prune \(plural(plan.prunes.count, "resource")) of \(held) (\(percent) %, over maxPrunePercent \(spec.sync.maxPrunePercent) %); sync with --force-prune if this is meant")
        }
    }

    func applyWave(_ wave: Plan.Wave, syncID: Int64, name: String, revision: String, target: any DeploymentTarget, ctx: AppContext) async throws {
        for step in wave.steps {
            guard let resource = step.resource else { continue }
            try stopIfTerminated(name, syncID: syncID)
            if step.action == .unchanged {
                advance(name, message: "\(step.key.shortDescription) unchanged")
                continue
            }
            do {
                _ = try await target.apply(resource, context: ctx, dryRun: false)
                try await store.recordApplied(
                    syncID: syncID, app: name,
                    ResourceResult(key: step.key.description, action: step.action.rawValue, result: "Succeeded",
                                   message: step.action == .create ? "created" : "updated", wave: wave.number),
                    applied: try await forInventory(resource), removed: nil, revision: revision, at: clock.now)
                advance(name, message: "\(step.key.shortDescription) \(step.action == .create ? "created" : "updated")")
            } catch {
                // The target's answer may quote the object: no decrypted value in what is kept.
                let message = (resource.sensitive ?? SensitiveFields()).scrubbed("\(error)")
                try? await store.recordResult(syncID: syncID, ResourceResult(
                    key: step.key.description, action: step.action.rawValue, result: "Failed", message: message, wave: wave.number))
                let retryable = (error as? TargetError).map(Self.isWorthRetrying) ?? !(error is StoreError)
                throw SyncFailure(message: "\(step.key.shortDescription): \(message)", retryable: retryable)
            }
        }
    }

    /// Waits until every resource is Healthy (or Suspended), within one deadline. Only evidence
    /// against the commit fails the sync as a health failure (which auto-rollback acts on): a
    /// resource the commit created or changed that is Degraded, or still Progressing at the
    /// deadline. Something deleted or edited under the sync (drift) is put back when self-heal is
    /// on and otherwise fails the sync as an ordinary, retried failure; Missing, Unknown and
    /// Degraded resources the commit did not touch fail it the same way, naming them.
    func waitForHealth(_ resources: [Resource], name: String, target: any DeploymentTarget, ctx: AppContext,
                       timeout: Duration, syncID: Int64, scope: HealthWaitScope) async throws
    {
        let watched = resources.filter { !$0.isHealthIgnored }
        guard !watched.isEmpty else { return }
        let deadline = clock.now.addingTimeInterval(timeout.seconds)
        let keys = Set(watched.map(\.key)).union(scope.applied.keys)
        while true {
            try stopIfTerminated(name, syncID: syncID)
            let live = try await target.live(keys: keys, context: ctx)
            var health: [ResourceKey: HealthStatus] = [:]
            for resource in watched {
                health[resource.key] = await target.health(of: resource.key, live: live[resource.key], desired: resource, context: ctx)
            }
            // A Degraded resource the commit changed is evidence even when it also differs from
            // what was applied: a target that reverts a failed rollout itself (Nomad's
            // auto_revert) shows both, and applying the commit again would fight it.
            if let failed = watched.first(where: { scope.changed.contains($0.key) && health[$0.key]?.status == .degraded }) {
                throw SyncFailure(message: "\(failed.key.shortDescription) is Degraded: \(health[failed.key]?.message ?? "")", health: true)
            }
            let drifted = scope.drift(live: live)
            if !drifted.isEmpty {
                try await repairDuringSync(drifted, scope: scope, syncID: syncID, name: name, target: target, ctx: ctx)
                if clock.now >= deadline {
                    let named = drifted.map(\.resource.key.shortDescription).joined(separator: ", ")
                    throw SyncFailure(message: "\(named) kept changing under the sync for \(DurationText.format(timeout))", retryable: true)
                }
                try await clock.sleep(for: options.healthPollInterval)
                continue
            }
            var waiting: [(key: ResourceKey, health: HealthStatus)] = []
            for resource in watched {
                let status = health[resource.key] ?? .unknown("not judged")
                switch status.status {
                case .healthy, .suspended: continue
                case .degraded:
                    throw SyncFailure(
                        message: "\(resource.key.shortDescription) is Degraded, and this commit did not change it: \(status.message)",
                        retryable: true)
                default:
                    waiting.append((resource.key, status))
                }
            }
            if waiting.isEmpty { return }
            progress(name, phase: apps[name]?.operation?.phase ?? "Sync", wave: apps[name]?.operation?.wave,
                     message: "waiting for health: \(waiting[0].key.shortDescription): \(waiting[0].health.description)")
            if clock.now >= deadline {
                let described = waiting.map { "\($0.key.shortDescription): \($0.health.description)" }.joined(separator: "; ")
                // Still progressing on its own after the commit changed it: the commit's fault.
                // Missing or Unknown, or a resource the commit left alone: not evidence against it.
                let evidence = waiting.contains { scope.changed.contains($0.key) && $0.health.status == .progressing }
                throw SyncFailure(message: "not healthy after \(DurationText.format(timeout)): \(described)",
                                  health: evidence, retryable: !evidence)
            }
            try await clock.sleep(for: options.healthPollInterval)
        }
    }

    /// Puts back what someone deleted or edited while the sync waited (self-heal), recording each
    /// repair; without self-heal the sync fails naming the drift, and is retried as any failure.
    func repairDuringSync(_ drifted: [(resource: Resource, why: String)], scope: HealthWaitScope, syncID: Int64, name: String,
                          target: any DeploymentTarget, ctx: AppContext) async throws
    {
        let named = drifted.map { "\($0.resource.key.shortDescription) \($0.why)" }.joined(separator: ", ")
        guard scope.selfHeal else {
            throw SyncFailure(message: "changed during the sync, not by this commit: \(named) (selfHeal is off)", retryable: true)
        }
        await emit(app: name, .warning, "DriftDuringSync", "sync \(syncID): \(named) while waiting for health; applied again")
        for (resource, why) in drifted {
            do {
                _ = try await target.apply(resource, context: ctx, dryRun: false)
                try? await store.recordResult(syncID: syncID, ResourceResult(
                    key: resource.key.description, action: "update", result: "Succeeded",
                    message: "\(why) during the sync; applied again (self-heal)"))
            } catch {
                let retryable = (error as? TargetError).map(Self.isWorthRetrying) ?? true
                throw SyncFailure(message: "\(resource.key.shortDescription) \(why) during the sync and could not be applied again: \(error)",
                                  retryable: retryable)
            }
        }
    }

    /// Deletes what Git no longer declares, last and in reverse order; only what this
    /// application's tracking id names.
    func prunePlanned(_ plan: Plan, observation: Observation, syncID: Int64, name: String, target: any DeploymentTarget, ctx: AppContext) async throws {
        for step in plan.prunes {
            try stopIfTerminated(name, syncID: syncID)
            if let live = observation.live[step.key],
                let tracking = live.annotation(Annotations.trackingID), tracking != Annotations.trackingID(app: name, key: step.key)
            {
                // No longer ours: out of the inventory, or every later pass would plan the same prune.
                try? await store.recordApplied(
                    syncID: syncID, app: name,
                    ResourceResult(key: step.key.description, action: "delete", result: "PruneSkipped",
                                   message: "tracked by another application (\(tracking)); not deleted", wave: step.wave),
                    applied: nil, removed: step.key, revision: observation.commit.sha, at: clock.now)
                continue
            }
            do {
                try await target.delete(step.key, context: ctx)
                try await store.recordApplied(
                    syncID: syncID, app: name,
                    ResourceResult(key: step.key.description, action: "delete", result: "Pruned", message: "pruned", wave: step.wave),
                    applied: nil, removed: step.key, revision: observation.commit.sha, at: clock.now)
                advance(name, message: "\(step.key.shortDescription) pruned")
            } catch {
                try? await store.recordResult(syncID: syncID, ResourceResult(
                    key: step.key.description, action: "delete", result: "Failed", message: "\(error)", wave: step.wave))
                throw SyncFailure(message: "pruning \(step.key.shortDescription): \(error)", retryable: (error as? TargetError)?.isRetryable ?? true)
            }
        }
        for key in plan.keptFromPrune {
            try? await store.recordResult(syncID: syncID, ResourceResult(
                key: key.description, action: "delete", result: "PruneSkipped", message: "bosun.dev/prune: \"false\""))
        }
        for (key, tracking) in observation.foreign.sorted(by: { $0.key < $1.key }) {
            try? await store.recordResult(syncID: syncID, ResourceResult(
                key: key.description, action: "delete", result: "PruneSkipped",
                message: "labelled \(Annotations.appLabel)=\(name) but tracked by another application (\(tracking)); not deleted"))
        }
    }

    /// Runs the hooks of one phase: each applied (after deleting a leftover, by default), waited
    /// for, and deleted per its delete policy.
    func runHooks(_ phase: HookPhase, plan: Plan, syncID: Int64, name: String, target: any DeploymentTarget, ctx: AppContext,
                  timeout: Duration) async throws
    {
        let hooks = plan.hooks(phase)
        guard !hooks.isEmpty else { return }
        progress(name, phase: phase.rawValue, wave: nil)
        for hook in hooks {
            try stopIfTerminated(name, syncID: syncID)
            // A hook under metadata.generateName is a new object each run: it is waited for,
            // recorded and deleted under the name the server gave it.
            var key = hook.resource.key
            let policies = hook.deletePolicies.isEmpty ? [HookDeletePolicy.beforeHookCreation] : hook.deletePolicies
            var succeeded = false
            var failure: SyncFailure?
            do {
                if policies.contains(.beforeHookCreation) {
                    if hook.resource.hasGeneratedName {
                        try await deleteEarlierRuns(of: hook.resource, target: target, ctx: ctx)
                    } else {
                        try await target.delete(key, context: ctx)
                    }
                }
                let created = try await target.apply(hook.resource, context: ctx, dryRun: false)
                var waited = hook.resource
                if hook.resource.hasGeneratedName, !created.name.isEmpty, created.name != hook.resource.name {
                    waited.setMetadata("name", .string(created.name))
                    key = waited.key
                }
                try await waitForHealth([waited], name: name, target: target, ctx: ctx, timeout: timeout, syncID: syncID,
                                        scope: HealthWaitScope(hook: key))
                succeeded = true
                try? await store.recordResult(syncID: syncID, ResourceResult(
                    key: key.description, action: "hook", result: "Succeeded", message: "\(phase.rawValue) hook completed", wave: hook.wave, phase: phase.rawValue))
                advance(name, message: "\(phase.rawValue) hook \(key.shortDescription) completed")
            } catch let stop as SyncTerminated {
                throw stop
            } catch {
                failure = error as? SyncFailure
                try? await store.recordResult(syncID: syncID, ResourceResult(
                    key: key.description, action: "hook", result: "Failed", message: (hook.resource.sensitive ?? SensitiveFields()).scrubbed("\(error)"),
                    wave: hook.wave, phase: phase.rawValue))
            }
            if (succeeded && policies.contains(.hookSucceeded)) || (!succeeded && policies.contains(.hookFailed)) {
                try? await target.delete(key, context: ctx)
            }
            if !succeeded && phase != .syncFail {
                // A hook that ran and failed is evidence against the commit; one that could not be
                // applied is an ordinary failure.
                throw SyncFailure(message: "\(phase.rawValue) hook \(key.shortDescription) failed\(failure.map { ": \($0.message)" } ?? "")",
                                  health: failure?.health ?? false, retryable: failure?.retryable ?? false)
            }
        }
    }

    /// Records the end of a sync, updates what the application remembers, schedules retries,
    /// and rolls back on its own when the new commit did not become healthy.
    func finish(_ name: String, syncID: Int64, commit: Commit, trigger: SyncTrigger, outcome: SyncOutcome, desired: DesiredState) async {
        guard let spec = apps[name]?.spec else { return }
        let result: SyncResult
        let message: String
        switch outcome {
        case .succeeded:
            result = .succeeded
            message = "synced \(short(commit.sha)) and healthy"
        case .failed(let why, _, _):
            result = .failed
            message = why
        case .interrupted:
            result = .interrupted
            message = "cut off: Bosun stopped during this sync"
        case .terminated(let actor):
            result = .terminated
            message = "terminated by \(actor) before it finished; not retried"
        }
        // Look at the result before recording the end, so whoever sees the sync finished also
        // sees the status it left behind.
        let after: Observation?
        if case .interrupted = outcome { after = nil } else { after = try? await compare(spec, desired: desired) }
        do {
            try await store.finishSync(id: syncID, result: result, message: message, historyLimit: spec.historyLimit, at: clock.now)
        } catch {
            await setCondition(name, "StoreError", "\(error)", revision: commit.sha)
        }
        apps[name]?.operation = nil
        apps[name]?.termination = nil
        apps[name]?.lastSync?.result = result
        apps[name]?.lastSync?.message = message
        apps[name]?.lastSync?.finishedAt = clock.now
        apps[name]?.lastLook = after.map { LastLook($0) }
        switch outcome {
        case .succeeded:
            apps[name]?.persisted.syncedRevision = commit.sha
            apps[name]?.persisted.healthyRevision = commit.sha
        case .failed(_, true, _):
            apps[name]?.persisted.syncedRevision = commit.sha
        default:
            break
        }

        switch outcome {
        case .interrupted:
            await emit(app: name, .warning, "SyncInterrupted", "sync \(syncID): \(message)")
            return
        case .terminated:
            // Not retried: the commit waits for a newer one or a person's `bosun sync`.
            apps[name]?.retry = (commit.sha, Int.max / 2, .distantFuture)
            await emit(app: name, .warning, "SyncTerminated", "sync \(syncID) of \(commit.sha.prefix(7)): \(message)")
            if case .terminated(let actor) = outcome {
                await setCondition(name, "SyncTerminated",
                                   "sync \(syncID) of \(commit.sha.prefix(7)) was terminated by \(actor); not retried until a new commit or `bosun sync \(name)`",
                                   revision: commit.sha)
            }
        case .succeeded:
            if apps[name]?.persisted.failedRevision == commit.sha { apps[name]?.persisted.failedRevision = nil }
            apps[name]?.retry = nil
            await persist(name)
            await clearCondition(name)
            await emit(app: name, .normal, "SyncSucceeded", "sync \(syncID): \(message)")
            // Dependents woken when this application turned Healthy may have looked while this
            // sync still ran, and found it busy: they look again now, not at their next interval.
            wakeDependents(of: name)
        case .failed(let why, let health, let retryable):
            await emit(app: name, .warning, "SyncFailed", "sync \(syncID) of \(short(commit.sha)) failed: \(why)")
            if health {
                // Applied but unhealthy: the commit is what runs now (recorded above), and it is bad.
                await persist(name)
                if spec.sync.autoRollback, trigger != .autoRollback, trigger != .rollback {
                    await autoRollback(name, from: commit, reason: why)
                } else {
                    await setCondition(name, "SyncError", "sync \(syncID) failed: \(why)", revision: commit.sha)
                }
            } else {
                let attempts = (apps[name]?.retry?.revision == commit.sha ? apps[name]?.retry?.attempts ?? 0 : 0) + 1
                if retryable {
                    let wait = backoff(attempt: attempts, base: spec.sync.retryBackoff, maximum: spec.sync.retryMaxBackoff)
                    apps[name]?.retry = (commit.sha, attempts, clock.now.addingTimeInterval(wait.seconds))
                    let limitText = spec.sync.retryLimit.map { attempts > $0 ? "; giving up after \($0) retries until a new commit or a manual sync" : "; retry \(attempts) of \($0) in \(DurationText.format(wait))" } ?? "; retrying in \(DurationText.format(wait))"
                    await setCondition(name, "SyncError", "sync \(syncID) failed: \(why)\(limitText)", revision: commit.sha)
                } else {
                    apps[name]?.retry = (commit.sha, Int.max / 2, .distantFuture)
                    await setCondition(name, why.hasPrefix("refused to prune") ? "PruneRefused" : "SyncError",
                                       "sync \(syncID) failed: \(why); fix the commit or sync by hand", revision: commit.sha)
                }
            }
        }
        await reportChanges(name)
    }
}
