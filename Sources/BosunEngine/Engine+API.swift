import BosunCore
import BosunDiff
import BosunGit
import BosunStore
import Foundation

/// What a dry run shows: the plan and the diff, nothing applied.
public struct DryRunResult: Sendable, Encodable {
    public var revision: String
    public var plan: Plan
    public var diffs: [ResourceDiff]
    public var diff: String
}

extension Engine {
    func runtime(_ name: String) throws -> AppRuntime {
        guard let runtime = apps[name] else { throw EngineError.unknownApp(name, known: Array(apps.keys)) }
        return runtime
    }

    /// An application this engine runs, or one another replica owns, for reads that the store
    /// answers alike on every replica (history, events).
    func requireKnown(_ name: String) throws {
        guard apps[name] == nil, leases != nil else {
            _ = try runtime(name)
            return
        }
        guard config.application(named: name) != nil else { throw EngineError.unknownApp(name, known: config.applications.map(\.name)) }
    }

    /// The spec and kept state of an application this engine runs; else, with replicas, as the
    /// config and the store have them, so a read-only look (diff, dry run) works on any replica.
    func lookingAt(_ name: String) async throws -> (spec: ApplicationSpec, persisted: PersistedAppState) {
        if let runtime = apps[name] { return (runtime.spec, runtime.persisted) }
        guard leases != nil, let spec = config.application(named: name) else {
            let runtime = try runtime(name)
            return (runtime.spec, runtime.persisted)
        }
        return (spec, try await store.appState(name))
    }

    public func applicationNames() -> [String] {
        leases == nil ? apps.keys.sorted() : config.applications.map(\.name).sorted()
    }

    /// The status of every application this engine runs (all of them without replicas).
    public func ownedStatuses() -> [ApplicationStatus] {
        apps.keys.sorted().compactMap { apps[$0].map(status(of:)) }
    }

    /// Every application's status: those this engine runs from memory; with replicas, the
    /// others as their owners last published them.
    public func statuses() async -> [ApplicationStatus] {
        var result = ownedStatuses()
        if let leases {
            let remote = config.applications.filter { apps[$0.name] == nil }
            if !remote.isEmpty {
                do {
                    let published = try await leases.publishedStatuses(nil)
                    let owners = try await leases.owners()
                    for spec in remote {
                        result.append(Self.shared(spec, published: published[spec.name], owner: owners[spec.name], unowned: unownedMessage(spec.name)))
                    }
                } catch {
                    // Not "unowned": nobody here can tell while the store does not answer.
                    let unknown = ApplicationStatus.Condition(type: "StoreUnavailable", message: "runs on another replica; the store, which holds its status, does not answer: \(error)")
                    for spec in remote {
                        var status = Self.shared(spec, published: nil, owner: nil, unowned: "")
                        status.condition = unknown
                        result.append(status)
                    }
                }
                result.sort { $0.name < $1.name }
            }
        }
        return result
    }

    public func status(_ name: String) async throws -> ApplicationStatus {
        if leases != nil, apps[name] == nil { return try await remoteStatus(name) }
        return status(of: try runtime(name))
    }

    /// Starts a sync and returns its id once it is recorded; a sync already running is a
    /// conflict naming its id.
    public func sync(_ name: String, _ request: SyncRequest) async throws -> Int64 {
        if let reply = try await onOwner(name, .sync, revision: request.revision, prune: request.prune, forcePrune: request.forcePrune) {
            return reply.syncID ?? 0
        }
        let rt = try runtime(name)
        if let op = rt.operation {
            throw EngineError(.conflict, "a sync of \(name) is running (sync \(op.syncID))", syncID: op.syncID)
        }
        if rt.pendingManualSync { throw EngineError(.conflict, "a sync of \(name) was just asked for") }
        apps[name]?.pendingManualSync = true
        return try await withCheckedThrowingContinuation { continuation in
            let once = ReplyOnce(continuation)
            wake(name, .sync(request, reply: { once.resume($0) }))
        }
    }

    /// Asks the running sync to stop between two steps; returns its id. It ends `Terminated`:
    /// no SyncFail hooks, no retry, no auto-rollback.
    public func terminate(_ name: String, actor: String = "api") async throws -> Int64 {
        if let reply = try await onOwner(name, .terminate, actor: actor) { return reply.syncID ?? 0 }
        let rt = try runtime(name)
        guard let op = rt.operation else {
            throw EngineError(.notFound, "no sync of \(name) is running; there is nothing to terminate")
        }
        apps[name]?.termination = (op.syncID, actor)
        progress(name, phase: op.phase, wave: op.wave, message: "terminating: asked by \(actor)")
        return op.syncID
    }

    /// What a sync would do, applying nothing (the target validates each change in dry-run mode).
    public func dryRun(_ name: String, revision: String?, prune: Bool) async throws -> DryRunResult {
        let rt = try await lookingAt(name)
        let spec = rt.spec
        let rev: RevisionSpec = revision.map { .ref($0) } ?? rt.persisted.pinnedRevision.map { .ref($0) } ?? spec.source.revision
        let commit: Commit
        let desired: DesiredState
        do {
            (commit, _) = try await resolve(spec, revision: rev, forceFetch: revision != nil)
            desired = try await desiredState(spec, commit: commit, context: context(spec, commit: commit.sha))
        } catch {
            throw EngineError.classifying(error)
        }
        let ctx = context(spec, commit: commit.sha)
        let observation = try await compare(spec, desired: desired)
        let plan = Plan.make(desired: desired.resources + desired.hooks, diffs: observation.diffs, prune: prune || spec.sync.prune)
        if let target = targets[spec.destination.target] {
            for wave in plan.waves {
                for step in wave.steps where step.action != .unchanged {
                    if let resource = step.resource { _ = try await target.apply(resource, context: ctx, dryRun: true) }
                }
            }
        }
        let changed = observation.diffs.filter { $0.action != .unchanged }
        return DryRunResult(revision: commit.sha, plan: plan, diffs: changed,
                            diff: changed.map { $0.unified(color: false) }.joined(separator: "\n"))
    }

    /// Syncs an earlier commit and pins the application there. `to`: a history id or a commit;
    /// nil: the commit of the last successful sync before the current one.
    public func rollback(_ name: String, to: String?) async throws -> Int64 {
        if let reply = try await onOwner(name, .rollback, revision: to) { return reply.syncID ?? 0 }
        let rt = try runtime(name)
        let revision: String
        if let to, let id = Int64(to), to.count < 7 {
            guard let detail = try await store.sync(id: id), try await store.appOfSync(id: id) == name else {
                throw EngineError(.notFound, "\(name) has no sync \(id) in its history; see `bosun history \(name)`")
            }
            revision = detail.sync.revision
        } else if let to {
            revision = to
        } else {
            let current = rt.persisted.syncedRevision
            guard let previous = try await store.history(app: name, limit: 200)
                .first(where: { $0.result == .succeeded && $0.revision != current })
            else {
                // The application's state, not the request, is in the way: a conflict.
                throw EngineError(.conflict, "\(name) has no earlier successful sync to roll back to; name a commit with --to")
            }
            revision = previous.revision
        }
        return try await sync(name, SyncRequest(revision: revision, prune: rt.spec.sync.prune, trigger: .rollback, pin: true))
    }

    /// Pauses automatic syncs at a commit (the synced one by default).
    public func pin(_ name: String, revision: String?) async throws {
        if try await onOwner(name, .pin, revision: revision) != nil { return }
        let rt = try runtime(name)
        guard let sha = revision ?? rt.persisted.syncedRevision else {
            throw EngineError(.invalid, "\(name) has not synced yet; name a commit to pin")
        }
        apps[name]?.persisted.pinnedRevision = sha
        await persist(name)
        await emit(app: name, .normal, "Pinned", "pinned at \(short(sha)); automatic syncs pause until unpinned")
    }

    public func unpin(_ name: String) async throws {
        if try await onOwner(name, .unpin) != nil { return }
        let rt = try runtime(name)
        guard rt.persisted.pinnedRevision != nil else { return }
        apps[name]?.persisted.pinnedRevision = nil
        await persist(name)
        await emit(app: name, .normal, "Unpinned", "unpinned; automatic syncs resume")
        wake(name, .refresh(.manual))
    }

    /// Re-resolves now (fetching), for `bosun refresh` and webhooks. Asks that arrive while a
    /// refresh is queued and not yet started join it; returns false for such a joined ask.
    @discardableResult
    public func refresh(_ name: String, trigger: SyncTrigger = .manual) async throws -> Bool {
        if try await onOwner(name, .refresh) != nil { return true }
        return try refreshHere(name, trigger: trigger)
    }

    func refreshHere(_ name: String, trigger: SyncTrigger) throws -> Bool {
        let rt = try runtime(name)
        guard !rt.refreshQueued else { return false }
        apps[name]?.refreshQueued = true
        wake(name, .refresh(trigger))
        return true
    }

    /// Looks at every application once, now, and returns when all are done: what an interval
    /// tick does, on demand (benchmarks and tests measure a pass with it).
    public func pass(fetch: Bool = true) async {
        // A tick: every repository is due once, and the first application to look fetches it for all.
        if fetch { lastFetch.removeAll() }
        await withTaskGroup(of: Void.self) { group in
            for name in apps.keys {
                let (stream, continuation) = AsyncStream<Void>.makeStream()
                wake(name, .pass(fetch: fetch, done: { continuation.finish() }))
                group.addTask { for await _ in stream {} }
            }
        }
    }

    /// Desired against live, three-way, as of now (no fetch). `serverSide`: each change is
    /// dry-run through the target (Kubernetes server-side dry run) and what the server would
    /// hold is compared with live, defaults and admission included.
    public func diff(_ name: String, serverSide: Bool = false) async throws -> [ResourceDiff] {
        let rt = try await lookingAt(name)
        let spec = rt.spec
        let rev: RevisionSpec = rt.persisted.pinnedRevision.map { .ref($0) } ?? spec.source.revision
        let (commit, _) = try await resolve(spec, revision: rev, forceFetch: false)
        let ctx = context(spec, commit: commit.sha)
        let desired = try await desiredState(spec, commit: commit, context: ctx)
        var diffs = try await compare(spec, desired: desired).diffs
        guard let target = targets[spec.destination.target] else { return diffs }
        for i in diffs.indices where diffs[i].action == .create || diffs[i].action == .update {
            guard let resource = diffs[i].desired else { continue }
            if serverSide {
                var wouldHold = try await target.apply(resource, context: ctx, dryRun: true)
                wouldHold.sensitive = resource.sensitive
                let live = diffs[i].live.map { [resource.key: $0] } ?? [:]
                let options = DiffOptions(ignoreDifferences: spec.ignoreDifferences)
                // Against live as both live and last-applied: what the server would drop shows too.
                if let rediffed = Differ.diff(desired: [wouldHold], live: live, lastApplied: live, options: options).first {
                    diffs[i] = rediffed
                }
            }
            do {
                diffs[i].preview = try await target.preview(resource, context: ctx)
            } catch {
                diffs[i].preview = "(the target could not plan this change: \(error))"
            }
        }
        return diffs
    }

    public func history(_ name: String, limit: Int = 100) async throws -> [SyncSummary] {
        try requireKnown(name)
        return try await store.history(app: name, limit: limit)
    }

    public func syncDetail(_ name: String, id: Int64) async throws -> SyncDetail {
        try requireKnown(name)
        guard try await store.appOfSync(id: id) == name, let detail = try await store.sync(id: id) else {
            throw EngineError(.notFound, "\(name) has no sync \(id)")
        }
        return detail
    }

    public func events(app: String? = nil, limit: Int = 100) async throws -> [EventRecord] {
        try await store.events(app: app, limit: limit)
    }

    /// Applications whose repository is `url` and whose revision could be `ref` (a webhook push).
    public func applications(repositoryURL: String, ref: String?) -> [String] {
        apps.values.filter { runtime in
            // A push to a repository the values come from is a new desired revision too.
            let values = (runtime.spec.source.helm?.valuesFrom ?? []).filter {
                config.repository(named: $0.repository).map { sameRepository($0.url, url: repositoryURL) } ?? false
            }
            if !values.isEmpty { return ref.map { ref in values.contains { Self.mayTrack($0.revision, ref: ref) } } ?? true }
            guard let repo = config.repository(named: runtime.spec.source.repository), sameRepository(repo.url, url: repositoryURL) else { return false }
            guard let ref else { return true }
            return Self.mayTrack(runtime.spec.source.revision, ref: ref)
        }.map(\.spec.name).sorted()
    }
}

/// Two URLs of one repository (clone, SSH and web forms), compared loosely.
public func sameRepository(_ a: String, url b: String) -> Bool { normalizeRepositoryURL(a) == normalizeRepositoryURL(b) }

/// `https://host/org/repo.git`, `git@host:org/repo`, `ssh://git@host/org/repo` → `host/org/repo`.
public func normalizeRepositoryURL(_ url: String) -> String {
    var s = url.trimmingCharacters(in: .whitespaces).lowercased()
    for scheme in ["https://", "http://", "ssh://", "git://", "file://"] where s.hasPrefix(scheme) { s = String(s.dropFirst(scheme.count)) }
    if let at = s.firstIndex(of: "@"), !s[..<at].contains("/") { s = String(s[s.index(after: at)...]) }
    if let colon = s.firstIndex(of: ":"), !s.hasPrefix("/") {
        let after = s[s.index(after: colon)...]
        if !(after.first?.isNumber ?? false) || after.contains("/") == false { s = s[..<colon] + "/" + after }
        else if let slash = after.firstIndex(of: "/") { s = s[..<colon] + String(after[slash...]) }
    }
    while s.hasSuffix("/") { s.removeLast() }
    if s.hasSuffix(".git") { s.removeLast(4) }
    return s
}

/// Resumes a continuation once, whatever calls it.
final class ReplyOnce: @unchecked Sendable {
    private var continuation: CheckedContinuation<Int64, any Error>?
    private let lock = NSLock()
    init(_ continuation: CheckedContinuation<Int64, any Error>) { self.continuation = continuation }
    func resume(_ result: Result<Int64, any Error>) {
        let c: CheckedContinuation<Int64, any Error>? = lock.withLock {
            defer { continuation = nil }
            return continuation
        }
        c?.resume(with: result)
    }
}
