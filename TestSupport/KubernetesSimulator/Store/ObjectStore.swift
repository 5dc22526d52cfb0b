import BosunCore
import Synchronization

/// What a write expects to find in the store.
enum WritePrecondition: Sendable {
    /// Create: nothing may exist under that name.
    case absent
    /// Update or delete the object written at exactly this resourceVersion.
    case version(Int)
}

/// Why the store refused a write; the API layer words it for the client.
enum StoreRefusal: Error, Sendable {
    case alreadyExists
    case notFound
    /// The object changed since the version the writer read.
    case modified
}

/// Which objects a watch sees.
struct WatchFilter: Sendable {
    var namespace: String?
    var labels: LabelSelector?
    var fields: FieldSelector?

    static let everything = WatchFilter()

    func matches(_ object: JSONObject) -> Bool {
        let metadata = object["metadata"]?.objectValue ?? JSONObject()
        if let namespace, metadata["namespace"]?.stringValue ?? "" != namespace { return false }
        if let labels, !labels.matches(metadata["labels"]?.objectValue ?? JSONObject()) { return false }
        if let fields, !fields.matches(object) { return false }
        return true
    }
}

/// Where a watch starts.
enum WatchStart: Sendable {
    /// Every current object as ADDED, then changes (no resourceVersion, or "0").
    case snapshot
    /// Like `snapshot`, then a BOOKMARK that marks the end of the initial events (`sendInitialEvents=true`).
    case snapshotThenBookmark
    /// Changes after this resourceVersion, from the window of recent events.
    case after(Int)
}

/// Every object of the simulated cluster, one global resourceVersion, and the watches on each
/// collection. One lock guards it; readers hold it only for dictionary lookups, writers for the
/// commit itself (the expensive work, merging and validating, happens before, optimistically).
public final class ObjectStore: Sendable {
    private struct Bucket {
        var objects: [String: [String: StoredObject]] = [:]
        var count = 0
        var window: EventWindow
        var watchers: [Int: Watcher] = [:]
    }

    private struct Watcher {
        var filter: WatchFilter
        var continuation: AsyncStream<WatchEvent>.Continuation
    }

    private struct State {
        var revision = 1
        var buckets: [GroupResource: Bucket] = [:]
        var nextWatcher = 1
        /// Counts deletions and writes of terminating objects, so the garbage collector knows
        /// when to look again.
        var deletionMarks = 0
    }

    private let state = Mutex(State())
    /// How many recent events each collection keeps for resuming watches.
    let windowCapacity: Int

    init(windowCapacity: Int) {
        self.windowCapacity = windowCapacity
    }

    /// The newest resourceVersion the cluster has handed out.
    public var revision: Int { state.withLock { $0.revision } }

    public func get(_ resource: GroupResource, namespace: String, name: String) -> StoredObject? {
        state.withLock { $0.buckets[resource]?.objects[namespace]?[name] }
    }

    /// The objects of a collection (in one namespace, or all), sorted by namespace and name as
    /// etcd returns them, with the resourceVersion the list is consistent with.
    public func list(_ resource: GroupResource, namespace: String? = nil) -> (items: [StoredObject], revision: Int) {
        let (groups, revision) = state.withLock { state -> ([(String, [String: StoredObject])], Int) in
            guard let bucket = state.buckets[resource] else { return ([], state.revision) }
            if let namespace {
                return (bucket.objects[namespace].map { [(namespace, $0)] } ?? [], state.revision)
            }
            return (bucket.objects.map { ($0.key, $0.value) }, state.revision)
        }
        var items: [StoredObject] = []
        for (_, objects) in groups.sorted(by: { $0.0 < $1.0 }) {
            for name in objects.keys.sorted() { if let object = objects[name] { items.append(object) } }
        }
        return (items, revision)
    }

    public func count(_ resource: GroupResource) -> Int {
        state.withLock { $0.buckets[resource]?.count ?? 0 }
    }

    /// Grows with every deletion and every write of a terminating object.
    var deletionMarks: Int { state.withLock { $0.deletionMarks } }

    /// Total objects in every collection.
    public var totalCount: Int { state.withLock { $0.buckets.values.reduce(0) { $0 + $1.count } } }

    /// Objects of every collection that satisfy `predicate`, for controllers that follow owner
    /// references across kinds.
    func objects(where predicate: (JSONObject) -> Bool) -> [(GroupResource, StoredObject)] {
        state.withLock { state in
            var out: [(GroupResource, StoredObject)] = []
            for (resource, bucket) in state.buckets {
                for objects in bucket.objects.values {
                    for object in objects.values where predicate(object.object) { out.append((resource, object)) }
                }
            }
            return out
        }
    }

    // MARK: Writes

    /// Commits `object` (or, when nil, the deletion of the object) if `precondition` holds, stamps
    /// the next resourceVersion into it, and tells the collection's watches. Returns what was
    /// stored (for a deletion, the last state at the deletion's version).
    @discardableResult
    func write(
        _ resource: GroupResource, namespace: String, name: String, object: JSONObject?, precondition: WritePrecondition
    ) throws(StoreRefusal) -> StoredObject {
        try state.withLock { state throws(StoreRefusal) -> StoredObject in
            var bucket = state.buckets[resource] ?? Bucket(window: EventWindow(capacity: windowCapacity))
            state.buckets[resource] = nil  // keep the bucket uniquely referenced while it changes
            defer { state.buckets[resource] = bucket }
            let current = bucket.objects[namespace]?[name]
            switch precondition {
            case .absent:
                if current != nil { throw .alreadyExists }
            case .version(let version):
                guard let current else { throw .notFound }
                if current.resourceVersion != version { throw .modified }
            }
            state.revision += 1
            let revision = state.revision
            let event: WatchEvent
            if object == nil || object?["metadata"]?["deletionTimestamp"] != nil { state.deletionMarks += 1 }
            if let object {
                let stored = StoredObject(object: Self.stamping(object, revision: revision), resourceVersion: revision)
                if current == nil { bucket.count += 1 }
                bucket.objects[namespace, default: [:]][name] = stored
                event = WatchEvent(
                    type: current == nil ? .added : .modified, object: stored, previous: current?.object,
                    resourceVersion: revision)
            } else {
                guard let current else { throw .notFound }
                bucket.objects[namespace]?[name] = nil
                if bucket.objects[namespace]?.isEmpty == true { bucket.objects[namespace] = nil }
                bucket.count -= 1
                let last = StoredObject(object: Self.stamping(current.object, revision: revision), resourceVersion: revision)
                event = WatchEvent(type: .deleted, object: last, previous: nil, resourceVersion: revision)
            }
            bucket.window.append(event)
            for watcher in bucket.watchers.values {
                if let delivered = Self.deliverable(event, to: watcher.filter) { watcher.continuation.yield(delivered) }
            }
            guard let stored = event.object else { throw .notFound }
            return stored
        }
    }

    /// The object with `metadata.resourceVersion` set, in place when the key is already there.
    static func stamping(_ object: JSONObject, revision: Int) -> JSONObject {
        var metadata = object["metadata"]?.objectValue ?? JSONObject()
        let hadKey = metadata["resourceVersion"] != nil
        metadata["resourceVersion"] = .string(String(revision))
        var copy = object
        copy["metadata"] = .object(hadKey ? metadata : ObjectShape.normalizedMetadata(metadata))
        return copy
    }

    /// How a filtered watch sees an event: an object that starts matching is ADDED to it, one
    /// that stops matching is DELETED from it.
    static func deliverable(_ event: WatchEvent, to filter: WatchFilter) -> WatchEvent? {
        guard let object = event.object else { return event }
        let now = filter.matches(object.object)
        switch event.type {
        case .modified:
            let before = event.previous.map(filter.matches) ?? false
            if before && now { return event }
            if now { return WatchEvent(type: .added, object: object, resourceVersion: event.resourceVersion) }
            if before { return WatchEvent(type: .deleted, object: object, resourceVersion: event.resourceVersion) }
            return nil
        default:
            return now ? event : nil
        }
    }

    /// Removes every object of a collection without events (its type stopped being served).
    func removeAll(_ resource: GroupResource) {
        state.withLock { state in
            if let bucket = state.buckets.removeValue(forKey: resource) {
                for watcher in bucket.watchers.values { watcher.continuation.finish() }
            }
        }
    }

    // MARK: Watches

    /// Starts a watch; the stream ends when the watch is stopped or dropped. Throws 410 Expired
    /// when `start` is older than the collection's window of recent events.
    func watch(_ resource: GroupResource, filter: WatchFilter, start: WatchStart) throws(APIError) -> (id: Int, events: AsyncStream<WatchEvent>) {
        let (stream, continuation) = AsyncStream<WatchEvent>.makeStream(bufferingPolicy: .unbounded)
        let id = try state.withLock { state throws(APIError) -> Int in
            var bucket = state.buckets[resource] ?? Bucket(window: EventWindow(capacity: windowCapacity))
            state.buckets[resource] = nil
            defer { state.buckets[resource] = bucket }
            switch start {
            case .snapshot, .snapshotThenBookmark:
                let namespaces = filter.namespace.map { [$0] } ?? bucket.objects.keys.sorted()
                for namespace in namespaces {
                    guard let objects = bucket.objects[namespace] else { continue }
                    for name in objects.keys.sorted() {
                        guard let object = objects[name], filter.matches(object.object) else { continue }
                        continuation.yield(WatchEvent(type: .added, object: object, resourceVersion: object.resourceVersion))
                    }
                }
                if case .snapshotThenBookmark = start {
                    var bookmark = WatchEvent(type: .bookmark, object: nil, resourceVersion: state.revision)
                    bookmark.initialEventsEnd = true
                    continuation.yield(bookmark)
                }
            case .after(let version):
                guard let events = bucket.window.events(after: version) else {
                    throw APIError.expired("too old resource version: \(version) (\(bucket.window.oldestResumable))")
                }
                for event in events {
                    if let delivered = Self.deliverable(event, to: filter) { continuation.yield(delivered) }
                }
            }
            let id = state.nextWatcher
            state.nextWatcher += 1
            bucket.watchers[id] = Watcher(filter: filter, continuation: continuation)
            return id
        }
        continuation.onTermination = { [weak self] _ in self?.stopWatch(resource, id: id) }
        return (id, stream)
    }

    func stopWatch(_ resource: GroupResource, id: Int) {
        let watcher = state.withLock { $0.buckets[resource]?.watchers.removeValue(forKey: id) }
        watcher?.continuation.finish()
    }

    /// Sends a BOOKMARK at the current resourceVersion to one watch, in order with its events.
    func bookmark(_ resource: GroupResource, id: Int) {
        state.withLock { state in
            guard let watcher = state.buckets[resource]?.watchers[id] else { return }
            watcher.continuation.yield(WatchEvent(type: .bookmark, object: nil, resourceVersion: state.revision))
        }
    }

    /// Ends every open watch, as when an API server restarts or a connection drops.
    public func dropAllWatches() {
        let watchers = state.withLock { state -> [Watcher] in
            var all: [Watcher] = []
            for key in state.buckets.keys {
                all.append(contentsOf: state.buckets[key]?.watchers.values ?? [:].values)
                state.buckets[key]?.watchers = [:]
            }
            return all
        }
        for watcher in watchers { watcher.continuation.finish() }
    }

    /// How many watches are open, for tests and the fault endpoint.
    public var openWatchCount: Int { state.withLock { $0.buckets.values.reduce(0) { $0 + $1.watchers.count } } }

    /// How many watches of one collection are open.
    public func openWatchCount(_ resource: GroupResource) -> Int {
        state.withLock { $0.buckets[resource]?.watchers.count ?? 0 }
    }
}
