import BosunCore
import Synchronization

/// The kinds the simulator serves right now: the built-in ones, plus those of every
/// CustomResourceDefinition that reports Established. Shared by the HTTP layer, the API logic
/// and the controllers; lookups take a lock only for a dictionary read.
public final class ResourceRegistry: Sendable {
    private struct State {
        var types: [GroupResource: ResourceType] = [:]
        var byKind: [GroupKind: GroupResource] = [:]
        var order: [GroupResource] = []
        /// Bumped on every change, so discovery answers can carry an ETag.
        var revision = 1
    }

    private let state = Mutex(State())

    init(_ types: [ResourceType]) {
        for type in types { register(type) }
    }

    /// The type served at `/apis/<group>/<version>/<resource>`, if that version is served.
    public func type(group: String, version: String, resource: String) -> ResourceType? {
        state.withLock { state in
            guard let type = state.types[GroupResource(group: group, resource: resource)],
                type.versions.contains(version)
            else { return nil }
            return type
        }
    }

    /// The type of objects of `kind` in `apiVersion`, if that version is served.
    public func type(apiVersion: String, kind: String) -> ResourceType? {
        let group = Resource.group(ofAPIVersion: apiVersion)
        let version = apiVersion.split(separator: "/").last.map(String.init) ?? apiVersion
        return state.withLock { state in
            guard let resource = state.byKind[GroupKind(group: group, kind: kind)],
                let type = state.types[resource], type.versions.contains(version)
            else { return nil }
            return type
        }
    }

    public func type(_ resource: GroupResource) -> ResourceType? {
        state.withLock { $0.types[resource] }
    }

    /// Every served type, in registration order.
    public var all: [ResourceType] {
        state.withLock { state in state.order.compactMap { state.types[$0] } }
    }

    var revision: Int { state.withLock { $0.revision } }

    func register(_ type: ResourceType) {
        state.withLock { state in
            let key = type.groupResource
            if state.types[key] == nil { state.order.append(key) }
            state.types[key] = type
            state.byKind[type.groupKind] = key
            state.revision += 1
        }
    }

    func unregister(_ resource: GroupResource) {
        state.withLock { state in
            guard let type = state.types.removeValue(forKey: resource) else { return }
            state.byKind[type.groupKind] = nil
            state.order.removeAll { $0 == resource }
            state.revision += 1
        }
    }

    /// The served groups in discovery order, each with its versions (preferred first).
    var groups: [(name: String, versions: [String])] {
        let types = all
        var names: [String] = []
        var versions: [String: [String]] = [:]
        for type in types {
            if versions[type.group] == nil { names.append(type.group) }
            for v in type.versions where !(versions[type.group] ?? []).contains(v) {
                versions[type.group, default: []].append(v)
            }
        }
        let builtinOrder = BuiltinResourceTypes.groupOrder
        names.sort { a, b in
            let ia = builtinOrder.firstIndex(of: a) ?? Int.max
            let ib = builtinOrder.firstIndex(of: b) ?? Int.max
            return ia != ib ? ia < ib : a < b
        }
        return names.map { ($0, versions[$0] ?? []) }
    }
}
