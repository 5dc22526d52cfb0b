import BosunCore
import NIOCore

/// An object as the store holds it: the JSON tree (for reads that look inside), the JSON bytes
/// every GET and watch event sends as they are, and the resourceVersion it was written at.
public struct StoredObject: Sendable {
    public let object: JSONObject
    /// Compact JSON of `object`, ready to send.
    public let json: ByteBuffer
    public let resourceVersion: Int

    init(object: JSONObject, resourceVersion: Int) {
        self.object = object
        self.json = JSONEncoding.buffer(.object(object), capacity: 512)
        self.resourceVersion = resourceVersion
    }

    public var metadata: JSONObject { object["metadata"]?.objectValue ?? JSONObject() }
    public var name: String { metadata["name"]?.stringValue ?? "" }
    public var namespace: String { metadata["namespace"]?.stringValue ?? "" }
    public var uid: String { metadata["uid"]?.stringValue ?? "" }
    public var labels: JSONObject { metadata["labels"]?.objectValue ?? JSONObject() }
    public var resource: Resource { Resource(object) }
}

/// One change to a collection, as a watch delivers it.
public struct WatchEvent: Sendable {
    public enum Kind: String, Sendable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
        case bookmark = "BOOKMARK"
        case error = "ERROR"
    }

    public var type: Kind
    /// The object after the change (for DELETED, the last state at the deletion's version);
    /// nil for bookmarks and errors.
    public var object: StoredObject?
    /// The object before the change, for MODIFIED; it decides how a filtered watch sees it.
    var previous: JSONObject?
    public var resourceVersion: Int
    /// For ERROR events: the Status to send.
    public var error: APIError?
    /// Bookmarks that end the initial events of a `sendInitialEvents` watch say so.
    var initialEventsEnd = false
}

/// Recent events of one collection, oldest first, kept so a watch can resume from a
/// resourceVersion; older history is forgotten and answers 410 Expired.
struct EventWindow: Sendable {
    private var events: [WatchEvent] = []
    private var start = 0
    let capacity: Int
    /// The resourceVersion of the newest event dropped from the window; 0 while nothing was dropped.
    private(set) var forgottenThrough = 0

    init(capacity: Int) { self.capacity = max(1, capacity) }

    mutating func append(_ event: WatchEvent) {
        if events.count < capacity {
            events.append(event)
            return
        }
        forgottenThrough = events[start].resourceVersion
        events[start] = event
        start = (start + 1) % capacity
    }

    /// The events after `resourceVersion`, or nil when some of them were forgotten.
    func events(after resourceVersion: Int) -> [WatchEvent]? {
        if resourceVersion < forgottenThrough { return nil }
        var out: [WatchEvent] = []
        for i in 0..<events.count {
            let event = events[(start + i) % events.count]
            if event.resourceVersion > resourceVersion { out.append(event) }
        }
        return out
    }

    /// The oldest resourceVersion a watch can still resume from.
    var oldestResumable: Int { forgottenThrough }
}
