import BosunCore

/// One kind's cached objects, indexed by their `bosun.dev/app` label, so reading one
/// application's objects costs what that application holds, not what the cluster holds
/// (a steady-state pass over 1,000 applications otherwise scans every object 1,000 times).
struct ObjectTable: Sequence, ExpressibleByDictionaryLiteral {
    private(set) var all: [ResourceKey: Resource] = [:]
    private var byApp: [String: Set<ResourceKey>] = [:]

    init() {}

    init(_ objects: [ResourceKey: Resource]) {
        for (key, object) in objects { self[key] = object }
    }

    init(dictionaryLiteral elements: (ResourceKey, Resource)...) {
        for (key, object) in elements { self[key] = object }
    }

    subscript(key: ResourceKey) -> Resource? {
        get { all[key] }
        set {
            if let app = all[key]?.label(Annotations.appLabel) {
                byApp[app]?.remove(key)
                if byApp[app]?.isEmpty == true { byApp[app] = nil }
            }
            all[key] = newValue.map(Self.withoutManagedFields)
            if let app = newValue?.label(Annotations.appLabel) { byApp[app, default: []].insert(key) }
        }
    }

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
    mutating func removeValue(forKey key: ResourceKey) -> Resource? {
        let old = all[key]
        self[key] = nil
        return old
    }

    /// The objects labelled for `app`.
    func objects(app: String) -> [(ResourceKey, Resource)] {
        (byApp[app] ?? []).compactMap { key in all[key].map { (key, $0) } }
    }

    func makeIterator() -> Dictionary<ResourceKey, Resource>.Iterator { all.makeIterator() }
}
