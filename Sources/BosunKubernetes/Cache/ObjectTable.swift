import BosunCore

/// One kind's cached objects, packed (a parsed object costs about three times its packed bytes,
/// and the cache holds everything Bosun runs) and indexed by their `bosun.dev/app` label, so
/// reading one application's objects costs what that application holds, not what the cluster
/// holds (a steady-state pass over 1,000 applications otherwise scans every object 1,000 times).
struct ObjectTable: Sequence, ExpressibleByDictionaryLiteral {
    /// An object as kept, with what the watch compares on every event beside it.
    struct Entry {
        var packed: PackedJSON
        var app: String?
        var resourceVersion: String

        var object: Resource { Resource(packed.value) ?? Resource(JSONObject()) }
    }

    private(set) var entries: [ResourceKey: Entry] = [:]
    /// Lists, not sets: an application holds a few objects of a kind, and a thousand sets cost
    /// several times what their keys do.
    private var byApp: [String: [ResourceKey]] = [:]

    init() {}

    init(dictionaryLiteral elements: (ResourceKey, Resource)...) {
        for (key, object) in elements { self[key] = object }
    }

    var count: Int { entries.count }

    /// The object as kept (without `metadata.managedFields`).
    subscript(key: ResourceKey) -> Resource? {
        get { entries[key]?.object }
        set {
            let oldApp = entries[key]?.app
            let newApp = newValue?.label(Annotations.appLabel)
            if let newValue {
                entries[key] = Entry(packed: PackedJSON(Self.withoutManagedFields(newValue).value), app: newApp,
                                     resourceVersion: newValue.resourceVersion)
            } else {
                entries[key] = nil
            }
            guard oldApp != newApp || newValue == nil else { return }
            if let oldApp, let index = byApp[oldApp]?.firstIndex(of: key) {
                byApp[oldApp]?.remove(at: index)
                if byApp[oldApp]?.isEmpty == true { byApp[oldApp] = nil }
            }
            if let newApp { byApp[newApp, default: []].append(key) }
        }
    }

    /// What the watch compares without unpacking: the app label and resource version.
    func entry(_ key: ResourceKey) -> Entry? { entries[key] }

    /// The object without `metadata.managedFields`: the diff ignores them, a conflict is resolved
    /// from a fresh read, and they are often most of an object's size.
    static func withoutManagedFields(_ object: Resource) -> Resource {
        guard case .object(var metadata)? = object.body["metadata"], metadata["managedFields"] != nil else { return object }
        metadata["managedFields"] = nil
        var slim = object
        slim.body["metadata"] = .object(metadata)
        return slim
    }

    @discardableResult
    mutating func removeValue(forKey key: ResourceKey) -> Entry? {
        let old = entries[key]
        self[key] = nil
        return old
    }

    /// The objects labelled for `app`.
    func objects(app: String) -> [(ResourceKey, Resource)] {
        (byApp[app] ?? []).compactMap { key in entries[key].map { (key, $0.object) } }
    }

    func makeIterator() -> some IteratorProtocol<(key: ResourceKey, value: Entry)> { entries.makeIterator() }
}
