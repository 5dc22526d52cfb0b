import BosunCore

/// An open watch: its events, in resourceVersion order, until it is stopped or dropped.
public struct WatchSubscription: Sendable {
    public let events: AsyncStream<WatchEvent>
    let resource: GroupResource
    let id: Int?
    let store: ObjectStore

    /// Ends the watch; `events` finishes.
    public func stop() {
        if let id { store.stopWatch(resource, id: id) }
    }

    /// Sends a BOOKMARK at the current resourceVersion, after every event already sent.
    func bookmark() {
        if let id { store.bookmark(resource, id: id) }
    }
}

extension KubernetesAPI {
    /// Watches a collection. Without a resourceVersion (or with "0") the watch starts with every
    /// current object as ADDED; with one, it replays the changes after it. A resourceVersion
    /// older than the collection's event window yields one ERROR event carrying 410 Expired, as
    /// the real server's watch cache answers.
    public func watch(_ type: ResourceType, namespace: String?, options: ListOptions = ListOptions()) throws(APIError) -> WatchSubscription {
        let labels = try options.labelSelector.map { text throws(APIError) in try LabelSelector(parsing: text) }
        let fields = try options.fieldSelector.map { text throws(APIError) in try FieldSelector(parsing: text, for: type) }
        let filter = WatchFilter(namespace: type.namespaced ? namespace : nil, labels: labels, fields: fields)
        let start: WatchStart
        switch options.resourceVersion {
        case nil, "", "0":
            start = options.sendInitialEvents ? .snapshotThenBookmark : .snapshot
        case .some(let text):
            guard let version = Int(text), version >= 0 else {
                throw APIError.badRequest("resourceVersion: Invalid value: \"\(text)\": must be a non-negative integer")
            }
            start = options.sendInitialEvents ? .snapshotThenBookmark : .after(version)
        }
        do {
            let (id, events) = try store.watch(type.groupResource, filter: filter, start: start)
            return WatchSubscription(events: events, resource: type.groupResource, id: id, store: store)
        } catch where error.code == 410 {
            let (events, continuation) = AsyncStream<WatchEvent>.makeStream()
            continuation.yield(WatchEvent(type: .error, object: nil, resourceVersion: store.revision, error: error))
            continuation.finish()
            return WatchSubscription(events: events, resource: type.groupResource, id: nil, store: store)
        }
    }
}
