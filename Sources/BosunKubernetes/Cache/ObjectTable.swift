import BosunCore

/// One kind's cached objects, packed (a parsed object costs about three times its packed bytes,
/// and the cache holds everything Bosun runs) and indexed by their `bosun.dev/app` label, so
/// reading one application's objects costs what that application holds, not what the cluster
/// holds (a steady-state pass over 1,000 applications otherwise scans every object 1,000 times).
///
/// The packed objects of a kind sit one after another in one buffer: twenty thousand small
/// allocations made among a first sync's garbage would each pin a page of it long after.
/// Objects are keyed by namespace and name alone: every key of a table has the same kind.
struct ObjectTable: Sequence, ExpressibleByDictionaryLiteral {
    /// An object as kept, with what the watch compares on every event beside it.
    struct Entry {
        fileprivate var offset: Int
        fileprivate var length: Int
        var app: String?
        var resourceVersion: String
    }

    private struct Slot: Hashable {
        var namespace: String
        var name: String
        init(_ key: ResourceKey) { (namespace, name) = (key.namespace, key.name) }
    }

    /// The kind of every key, learnt from the first one.
    private var group = ""
    private var kind = ""
    private var entries: [Slot: Entry] = [:]
    /// The packed objects; replaced ones leave their bytes until `compact` drops them.
    private var slab: [UInt8] = []
    private var unused = 0
    /// Lists, not sets: an application holds a few objects of a kind, and a thousand sets cost
    /// several times what their keys do.
    private var byApp: [String: [Slot]] = [:]

    init() {}

    init(dictionaryLiteral elements: (ResourceKey, Resource)...) {
        for (key, object) in elements { self[key] = object }
    }

    var count: Int { entries.count }

    /// The object as kept (without `metadata.managedFields`).
    subscript(key: ResourceKey) -> Resource? {
        get { entry(key).map(object) }
        set {
            if entries.isEmpty { (group, kind) = (key.group, key.kind) }
            let slot = Slot(key)
            let old = entries[slot]
            let oldApp = old?.app
            let newApp = newValue?.label(Annotations.appLabel)
            unused += old?.length ?? 0
            if let newValue {
                let packed = PackedJSON(Self.withoutManagedFields(newValue).value).bytes
                entries[slot] = Entry(offset: slab.count, length: packed.count, app: newApp,
                                      resourceVersion: newValue.resourceVersion)
                slab.append(contentsOf: packed)
            } else {
                entries[slot] = nil
            }
            if unused > 64 << 10, unused > slab.count / 2 { compact() }
            guard oldApp != newApp || newValue == nil else { return }
            if let oldApp, let index = byApp[oldApp]?.firstIndex(of: slot) {
                byApp[oldApp]?.remove(at: index)
                if byApp[oldApp]?.isEmpty == true { byApp[oldApp] = nil }
            }
            if let newApp { byApp[newApp, default: []].append(slot) }
        }
    }

    /// What the watch compares without unpacking: the app label and resource version.
    func entry(_ key: ResourceKey) -> Entry? {
        guard key.kind == kind, key.group == group else { return nil }
        return entries[Slot(key)]
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
    mutating func removeValue(forKey key: ResourceKey) -> Entry? {
        let old = entry(key)
        if old != nil { self[key] = nil }
        return old
    }

    /// The objects labelled for `app`.
    func objects(app: String) -> [(ResourceKey, Resource)] {
        (byApp[app] ?? []).compactMap { slot in entries[slot].map { (key(slot), object($0)) } }
    }

    func object(_ entry: Entry) -> Resource {
        let value = slab.withUnsafeBufferPointer { buffer in
            PackedJSON.value(of: UnsafeBufferPointer(rebasing: buffer[entry.offset..<entry.offset + entry.length]))
        }
        return Resource(value) ?? Resource(JSONObject())
    }

    /// Copies the objects in use into a buffer of their size, dropping the bytes of replaced ones.
    private mutating func compact() {
        var fresh: [UInt8] = []
        fresh.reserveCapacity(slab.count - unused)
        var i = entries.values.startIndex
        while i != entries.values.endIndex {
            let entry = entries.values[i]
            entries.values[i].offset = fresh.count
            fresh.append(contentsOf: slab[entry.offset..<entry.offset + entry.length])
            entries.values.formIndex(after: &i)
        }
        slab = fresh
        unused = 0
    }

    private func key(_ slot: Slot) -> ResourceKey { ResourceKey(group: group, kind: kind, namespace: slot.namespace, name: slot.name) }

    func makeIterator() -> some IteratorProtocol<(key: ResourceKey, value: Entry)> {
        entries.lazy.map { (key: key($0.key), value: $0.value) }.makeIterator()
    }
}
