import BosunCore
import Foundation
import Logging
import Synchronization

/// The live objects Bosun manages, kept in memory by a list and a watch per kind in use, as
/// Argo CD's cluster cache does: only objects labelled `bosun.dev/app` are listed, so a
/// steady-state compare reads memory and sends no request.
///
/// A kind is listed when first asked for, then watched from the list's resource version. It is
/// listed again when the watch breaks, stalls or the version is gone (410), and every
/// `resyncInterval` (checked when the watch hands over an event or ends). Changes seen after
/// the first list are announced on `changes()`.
public actor LiveCache {
    /// Something changed in the cluster: an object came, changed or went.
    public struct Change: Sendable, Hashable {
        public enum Kind: String, Sendable { case added, modified, deleted }
        public var kind: Kind
        public var key: ResourceKey
        /// The `bosun.dev/app` label of the object (before and after, when it changed).
        public var apps: Set<String>
    }

    /// What the cache knows about one kind.
    public enum KindState: Sendable, Equatable {
        case listing
        case synced
        /// The kind cannot be watched across namespaces (403): callers read it directly.
        case unwatchable(String)
        /// Listing failed after a success: the objects are stale.
        case failing(String)
    }

    private struct Watched {
        var resource: APIResource
        var objects = ObjectTable()
        var state: KindState = .listing
        var lastError: TargetError?
        var task: Task<Void, Never>?
        var waiters: [CheckedContinuation<Void, any Error>] = []
    }

    private let client: KubernetesClient
    private let labelSelector: String
    private let resyncInterval: TimeInterval
    private let clock: any BosunClock
    private let logger: Logger
    private var watched: [String: Watched] = [:]
    private let broadcast = Broadcast<Change>()
    private var stopped = false
    /// Keys being applied right now: their watch events are Bosun's own changes, not news.
    private var applying: [ResourceKey: Int] = [:]

    /// A cache reading through `client`, listing objects that match `labelSelector`.
    public init(
        client: KubernetesClient, labelSelector: String = Annotations.appLabel, resyncInterval: Duration = .seconds(600),
        clock: any BosunClock = SystemClock(), logger: Logger = Logger(label: "bosun.kubernetes.cache")
    ) {
        self.client = client
        self.labelSelector = labelSelector
        self.resyncInterval = resyncInterval.seconds
        self.clock = clock
        self.logger = logger
    }

    /// Changes seen by the watches (not the first list of a kind).
    public nonisolated func changes() -> AsyncStream<Change> { broadcast.subscribe() }

    /// Starts watching the kinds not watched yet and waits until each has been listed once.
    /// Throws the list error of a kind that never listed (except 403, which leaves the kind
    /// `unwatchable` for the caller to read directly).
    public func watch(_ resources: [APIResource]) async throws {
        for resource in resources where watched[Self.id(resource)] == nil {
            start(resource)
        }
        for resource in resources {
            let id = Self.id(resource)
            guard let entry = watched[id], entry.state == .listing else { continue }
            try await withCheckedThrowingContinuation { continuation in
                watched[id]?.waiters.append(continuation)
            }
        }
    }

    /// The state of a kind; nil when it is not watched.
    public func state(of resource: APIResource) -> KindState? { watched[Self.id(resource)]?.state }

    /// The kinds being watched.
    public var watchedResources: [APIResource] { watched.values.map(\.resource) }

    /// The cached object for `key`; nil when the cache does not hold it (which, for a watched
    /// kind, means no object with the label exists).
    public func object(_ key: ResourceKey) -> Resource? {
        watched["\(key.group)/\(key.kind)"]?.objects[key]
    }

    /// Whether the kind of `key` is watched and its list is current.
    public func covers(_ key: ResourceKey) -> Bool {
        watched["\(key.group)/\(key.kind)"]?.state == .synced
    }

    /// Throws when a watched kind's objects are stale (its list keeps failing) or it could not
    /// list at all, so no decision is made on old data.
    public func checkFresh(_ resource: APIResource) throws {
        guard let entry = watched[Self.id(resource)] else { return }
        if case .failing(let reason) = entry.state {
            throw entry.lastError ?? TargetError(.transient, "the watch of \(resource.qualifiedName) is failing: \(reason)")
        }
    }

    /// Every cached object labelled for `app`, across the watched kinds.
    public func objects(app: String) -> [ResourceKey: Resource] {
        var result: [ResourceKey: Resource] = [:]
        for entry in watched.values {
            for (key, object) in entry.objects.objects(app: app) { result[key] = object }
        }
        return result
    }

    /// Marks `key` as being applied, so the watch event the apply causes is not announced as
    /// a change someone else made.
    public func beginApply(_ key: ResourceKey) { applying[key, default: 0] += 1 }

    /// Ends what `beginApply` started.
    public func endApply(_ key: ResourceKey) {
        let remaining = (applying[key] ?? 1) - 1
        applying[key] = remaining > 0 ? remaining : nil
    }

    /// Takes in what an apply returned, so the next read sees it without waiting for the watch.
    public func record(_ object: Resource) {
        let id = "\(object.group)/\(object.kind)"
        guard watched[id]?.state == .synced else { return }
        guard object.label(Annotations.appLabel) != nil else {
            watched[id]?.objects[object.key] = nil
            return
        }
        if let cached = watched[id]?.objects.entry(object.key), Self.holds(object.resourceVersion, cached: cached.resourceVersion) { return }
        watched[id]?.objects[object.key] = object
    }

    /// Stops every watch.
    public func stop() {
        stopped = true
        for entry in watched.values {
            entry.task?.cancel()
            for waiter in entry.waiters { waiter.resume(throwing: CancellationError()) }
        }
        for id in watched.keys { watched[id]?.waiters = [] }
        broadcast.finish()
    }

    // MARK: The watch loop

    private static func id(_ resource: APIResource) -> String { "\(resource.group)/\(resource.kind)" }

    /// Objects per list page: client-go's reflector reads 500 at a time too.
    static let pageSize = 500

    private func start(_ resource: APIResource) {
        let id = Self.id(resource)
        watched[id] = Watched(resource: resource)
        guard !stopped else { return }
        watched[id]?.task = Task { [client, labelSelector, clock, resyncInterval, logger] in
            var listFailures = 0
            var watchFailures = 0
            while !Task.isCancelled {
                // List: on failure the cached objects go stale, so readers are told (`checkFresh`).
                var fresh = ObjectTable()
                let listVersion: String
                do {
                    listVersion = try await client.list(resource, labelSelector: labelSelector, pageSize: Self.pageSize) { page in
                        for object in page { fresh[object.key] = object }
                    }
                    listFailures = 0
                } catch is CancellationError {
                    return
                } catch let error as TargetError where error.code == .forbidden {
                    self.markUnwatchable(id, error)
                    return
                } catch {
                    listFailures += 1
                    let failure = error as? TargetError ?? TargetError(.transient, "listing \(resource.qualifiedName) failed: \(error)")
                    self.failed(id, failure)
                    logger.warning("list failed; trying again", metadata: ["kind": "\(resource.qualifiedName)", "error": "\(failure.message)"])
                    try? await clock.sleep(for: Self.backoff(listFailures))
                    continue
                }
                self.replace(id, with: fresh)

                // Watch from the list's version, resuming where the server closed it, until a
                // resync is due; a broken or expired watch means listing again.
                let resyncAt = clock.now.addingTimeInterval(resyncInterval)
                var version = listVersion
                do {
                    while !Task.isCancelled, clock.now < resyncAt {
                        guard let resumed = try await self.follow(resource, id: id, from: version, until: resyncAt) else {
                            logger.notice("watch stalled (open past its timeout with nothing sent); listing again",
                                          metadata: ["kind": "\(resource.qualifiedName)"])
                            break
                        }
                        if resumed != version { watchFailures = 0 }
                        version = resumed
                    }
                } catch is CancellationError {
                    return
                } catch WatchError.gone {
                    logger.debug("watch expired (410); listing again", metadata: ["kind": "\(resource.qualifiedName)"])
                } catch {
                    // The objects stay as they were while the list is made again.
                    watchFailures += 1
                    logger.notice("watch broke; listing again", metadata: ["kind": "\(resource.qualifiedName)", "error": "\(error)"])
                    try? await clock.sleep(for: Self.backoff(watchFailures))
                }
            }
        }
    }

    /// Follows one watch until the server ends it or a resync is due, returning the version to
    /// resume from; nil when it stalled: the server ends a watch at its `timeoutSeconds`, so one
    /// still open half as long again is a dead connection something in between holds open.
    ///
    /// The watch runs as a task of its own that a stall abandons (cancelled, not awaited): a
    /// request that never got an answer may not end on cancellation before its own deadline,
    /// and waiting for it would stall the cache with it.
    private func follow(_ resource: APIResource, id: String, from start: String, until resyncAt: Date) async throws -> String? {
        let (client, labelSelector, clock) = (self.client, self.labelSelector, self.clock)
        let stallAfter = client.options.watchTimeout * 3 / 2
        let watch = Task { () throws -> String? in
            var version = start
            for try await event in client.watch(resource, labelSelector: labelSelector, resourceVersion: version) {
                version = self.handle(event, id: id) ?? version
                if clock.now >= resyncAt { break }
            }
            return version
        }
        let race = FirstAnswer<String?>()
        let timer = Task {
            try? await Task.sleep(for: stallAfter)
            race.answer(.success(nil))
        }
        let forward = Task { race.answer(await watch.result) }
        defer {
            watch.cancel()
            timer.cancel()
            forward.cancel()
        }
        return try await withTaskCancellationHandler {
            try await race.value()
        } onCancel: {
            race.answer(.failure(CancellationError()))
        }
    }

    /// Half a second, doubling with each failure in a row, up to half a minute.
    private static func backoff(_ failures: Int) -> Duration {
        .milliseconds(Int64(min(30.0, 0.25 * pow(2.0, Double(min(failures, 7)))) * 1000))
    }

    /// A fresh list replaces the kind's objects; after the first list, differences are changes.
    private func replace(_ id: String, with fresh: ObjectTable) {
        guard var entry = watched[id] else { return }
        if entry.state != .listing {
            for (key, new) in fresh {
                if let old = entry.objects.entry(key) {
                    if old.resourceVersion != new.resourceVersion { announce(.modified, key: key, apps: [new.app, old.app]) }
                } else {
                    announce(.added, key: key, apps: [new.app])
                }
            }
            for (key, old) in entry.objects where fresh.entry(key) == nil { announce(.deleted, key: key, apps: [old.app]) }
        }
        entry.objects = fresh
        entry.state = .synced
        entry.lastError = nil
        let waiters = entry.waiters
        entry.waiters = []
        watched[id] = entry
        for waiter in waiters { waiter.resume() }
    }

    /// Applies one watch event; returns the resource version it brings.
    private func handle(_ event: WatchEvent, id: String) -> String? {
        switch event {
        case .added(let object), .modified(let object):
            let old = watched[id]?.objects.entry(object.key)
            // An older version, or the one Bosun's apply already recorded: kept as it is, not packed again.
            if let old, Self.holds(object.resourceVersion, cached: old.resourceVersion) { return object.resourceVersion }
            watched[id]?.objects[object.key] = object
            // Bosun's own apply (already recorded, or still in flight) is not news.
            let ours = old?.resourceVersion == object.resourceVersion || applying[object.key] != nil
            if !ours { announce(old == nil ? .added : .modified, object, before: old?.app) }
            return object.resourceVersion
        case .deleted(let object):
            let old = watched[id]?.objects.removeValue(forKey: object.key)
            announce(.deleted, object, before: old?.app)
            return object.resourceVersion
        case .bookmark(let version):
            return version.isEmpty ? nil : version
        }
    }

    private func failed(_ id: String, _ error: TargetError) {
        guard var entry = watched[id] else { return }
        entry.lastError = error
        if entry.state == .listing {
            let waiters = entry.waiters
            entry.waiters = []
            watched[id] = entry
            for waiter in waiters { waiter.resume(throwing: error) }
        } else {
            entry.state = .failing(error.message)
            watched[id] = entry
        }
    }

    private func markUnwatchable(_ id: String, _ error: TargetError) {
        guard var entry = watched[id] else { return }
        logger.notice("cannot watch a kind across namespaces; reading it directly", metadata: ["kind": "\(entry.resource.qualifiedName)", "error": "\(error.message)"])
        entry.state = .unwatchable(error.message)
        entry.lastError = error
        entry.objects = [:]
        let waiters = entry.waiters
        entry.waiters = []
        watched[id] = entry
        for waiter in waiters { waiter.resume() }
    }

    /// Tells the applications `object` is labelled for, now and (`before`) until now.
    private func announce(_ kind: Change.Kind, _ object: Resource, before: String?) {
        announce(kind, key: object.key, apps: [object.label(Annotations.appLabel), before])
    }

    private func announce(_ kind: Change.Kind, key: ResourceKey, apps: [String?]) {
        let apps = Set(apps.compactMap { $0 })
        guard !apps.isEmpty else { return }
        broadcast.send(Change(kind: kind, key: key, apps: apps))
    }

    /// Whether the cached version makes resource version `new` no news: it is the same version,
    /// or a newer one (versions compare as numbers when both are numbers, as etcd's are;
    /// otherwise the newcomer wins).
    static func holds(_ new: String, cached: String) -> Bool {
        if !new.isEmpty && new == cached { return true }
        guard let new = Int(new), let old = Int(cached) else { return false }
        return new < old
    }
}

extension Resource {
    /// `metadata.resourceVersion`; empty when unset.
    public var resourceVersion: String { metadata["resourceVersion"]?.stringValue ?? "" }
}

/// The first of several answers, to whoever waits for it; later answers are dropped.
final class FirstAnswer<Value: Sendable>: Sendable {
    private enum State {
        case waiting(CheckedContinuation<Value, any Error>?)
        case answered(Result<Value, any Error>)
    }

    private let state = Mutex<State>(.waiting(nil))

    func answer(_ result: Result<Value, any Error>) {
        let waiter: CheckedContinuation<Value, any Error>? = state.withLock { state in
            guard case .waiting(let continuation) = state else { return nil }
            state = .answered(result)
            return continuation
        }
        waiter?.resume(with: result)
    }

    func value() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<Value, any Error>? = state.withLock { state in
                switch state {
                case .answered(let result): return result
                case .waiting:
                    state = .waiting(continuation)
                    return nil
                }
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
