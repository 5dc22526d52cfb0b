import BosunCore
import BosunDiff
import BosunGit
import BosunStore
import Foundation

extension Engine {
    /// After a commit failed its health wait: sync the last healthy commit, say so, and do not
    /// retry the failed commit until a newer one arrives.
    func autoRollback(_ name: String, from failed: Commit, reason: String) async {
        guard let runtime = apps[name] else { return }
        apps[name]?.persisted.failedRevision = failed.sha
        await persist(name)
        guard let healthy = runtime.persisted.healthyRevision, healthy != failed.sha else {
            await setCondition(name, "RollbackBlocked",
                               "commit \(short(failed.sha)) is unhealthy (\(reason)) and there is no earlier healthy commit to go back to",
                               revision: failed.sha)
            return
        }
        let spec = runtime.spec
        do {
            let (commit, _) = try await resolve(spec, revision: .ref(healthy), forceFetch: false, fetch: false)
            let desired = try await desiredState(spec, commit: commit, context: context(spec, commit: commit.sha))
            let observation = try await compare(spec, desired: desired)
            await emit(app: name, .warning, "RollingBack",
                       "commit \(short(failed.sha)) did not become healthy (\(reason)); rolling back to \(short(healthy))")
            let outcome = await performSync(name, desired: desired, observation: observation, trigger: .autoRollback,
                                            prune: spec.sync.prune, onStart: nil)
            if case .succeeded = outcome {
                await emit(app: name, .warning, "RolledBack",
                           "rolled back from \(short(failed.sha)) to \(short(healthy)): \(reason); \(short(failed.sha)) is not retried until a newer commit arrives")
                await setCondition(name, "RollbackBlocked",
                                   "commit \(short(failed.sha)) failed (\(reason)) and was rolled back to \(short(healthy)); waiting for a newer commit",
                                   revision: failed.sha)
            }
        } catch {
            await setCondition(name, "SyncError", "rollback to \(short(healthy)) failed: \(error)", revision: failed.sha)
        }
    }

    /// Deletes everything an application holds (it left the config with `pruneOnDelete`).
    func pruneEverything(of spec: ApplicationSpec) async {
        guard let target = targets[spec.destination.target], let inventory = try? await store.inventory(app: spec.name) else { return }
        let ctx = context(spec, commit: "")
        var failures: [String] = []
        for key in inventory.keys.sorted(by: >) {
            do {
                try await target.delete(key, context: ctx)
                try await store.removeInventory(app: spec.name, key: key)
            } catch {
                failures.append("\(key.shortDescription): \(error)")
            }
        }
        if failures.isEmpty {
            await emit(app: spec.name, .normal, "Deleted", "application removed from the config; its \(plural(inventory.count, "resource")) were deleted (pruneOnDelete)")
        } else {
            await emit(app: spec.name, .warning, "DeleteFailed", "could not delete: \(failures.joined(separator: "; "))")
        }
    }
}
