import BosunCore
import Foundation
import Synchronization

/// The behaviour of the Kubernetes API, apart from HTTP: reads, writes (create, update, patch,
/// server-side apply), deletes and watches over the simulator's store, with the server-side
/// rules of the real API server. The HTTP layer, the simulated controllers and in-process tests
/// all go through it.
public final class KubernetesAPI: Sendable {
    public let registry: ResourceRegistry
    public let store: ObjectStore
    let options: SimulatorOptions
    private let allocations = Mutex(Allocations())

    private struct Allocations {
        var nextClusterIP = 10
        var nextNodePort = 30_000
    }

    init(options: SimulatorOptions) {
        self.options = options
        self.registry = ResourceRegistry(BuiltinResourceTypes.all)
        self.store = ObjectStore(windowCapacity: options.watchWindow)
        bootstrap()
    }

    /// The namespaces and objects every cluster starts with.
    private func bootstrap() {
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            _ = try? create(
                namespaceType, namespace: "", object: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]],
                options: WriteOptions(fieldManager: "kube-apiserver"))
        }
        _ = try? create(
            type(group: "", kind: "ServiceAccount"), namespace: "default",
            object: ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "default", "namespace": "default"]],
            options: WriteOptions(fieldManager: "kube-controller-manager"))
        _ = try? create(
            type(group: "", kind: "Service"), namespace: "default",
            object: [
                "apiVersion": "v1", "kind": "Service",
                "metadata": ["name": "kubernetes", "namespace": "default", "labels": ["component": "apiserver", "provider": "kubernetes"]],
                "spec": ["ports": [["name": "https", "port": 443, "targetPort": 6443]], "clusterIP": "10.96.0.1"],
            ], options: WriteOptions(fieldManager: "kube-apiserver"))
    }

    var namespaceType: ResourceType { type(group: "", kind: "Namespace") }
    static let namespaces = GroupResource(group: "", resource: "namespaces")

    /// A built-in type by group and kind. Only for kinds the simulator always serves.
    func type(group: String, kind: String) -> ResourceType {
        guard let type = BuiltinResourceTypes.all.first(where: { $0.group == group && $0.kind == kind }) else {
            preconditionFailure("\(kind).\(group) is not a built-in kind")
        }
        return registry.type(type.groupResource) ?? type
    }

    /// The served type of objects with this apiVersion and kind, or the error kubectl shows as
    /// "no matches for kind".
    public func type(apiVersion: String, kind: String) throws(APIError) -> ResourceType {
        guard let type = registry.type(apiVersion: apiVersion, kind: kind) else {
            throw APIError(
                code: 404, reason: "NotFound",
                message: "the server could not find the requested resource (no matches for kind \"\(kind)\" in version \"\(apiVersion)\")")
        }
        return type
    }

    static func now() -> String { Timestamp.now() }

    // MARK: Reads

    public func get(_ type: ResourceType, namespace: String, name: String) throws(APIError) -> StoredObject {
        guard let object = store.get(type.groupResource, namespace: type.namespaced ? namespace : "", name: name) else {
            throw APIError.notFound(type.groupResource, name)
        }
        return object
    }

    /// Objects of `type` (in `namespace`, or all namespaces when nil) that match the selectors,
    /// a page at a time when `limit` is set.
    public func list(_ type: ResourceType, namespace: String?, options: ListOptions = ListOptions()) throws(APIError) -> ListResult {
        let labels = try options.labelSelector.map { text throws(APIError) in try LabelSelector(parsing: text) }
        let fields = try options.fieldSelector.map { text throws(APIError) in try FieldSelector(parsing: text, for: type) }
        let (all, revision) = store.list(type.groupResource, namespace: type.namespaced ? namespace : nil)
        if options.resourceVersionMatch == "Exact", let wanted = options.resourceVersion, wanted != String(revision) {
            throw APIError.expired("The resourceVersion for the provided list is too old.")
        }
        var start = 0
        var listRevision = revision
        if let token = options.continueToken, !token.isEmpty {
            guard let position = ContinueToken(token) else {
                throw APIError.badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
            }
            listRevision = position.resourceVersion
            let parts = position.after.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let after = (String(parts.first ?? ""), parts.count > 1 ? String(parts[1]) : "")
            start = all.firstIndex { ($0.namespace, $0.name) > after } ?? all.count
        }
        var items: [StoredObject] = []
        var index = start
        let limit = options.limit.flatMap { $0 > 0 ? $0 : nil }
        while index < all.count {
            if let limit, items.count >= limit { break }
            let object = all[index]
            index += 1
            if let labels, !labels.matches(object.labels) { continue }
            if let fields, !fields.matches(object.object) { continue }
            items.append(object)
        }
        var result = ListResult(items: items, resourceVersion: listRevision)
        if index < all.count, let last = items.last {
            // Another page exists only if something after this one still matches.
            let rest = all[index...].filter { object in
                (labels?.matches(object.labels) ?? true) && (fields?.matches(object.object) ?? true)
            }
            if !rest.isEmpty {
                result.continueToken = ContinueToken(resourceVersion: listRevision, after: Self.listKey(last)).encoded
                if labels == nil && fields == nil { result.remainingItemCount = rest.count }
            }
        }
        return result
    }

    static func listKey(_ object: StoredObject) -> String { object.namespace + "/" + object.name }

    // MARK: Namespaces

    /// A namespaced write needs an existing namespace that is not being deleted.
    func checkNamespace(_ type: ResourceType, namespace: String, name: String, creating: Bool) throws(APIError) {
        guard type.namespaced else { return }
        guard !namespace.isEmpty else { throw APIError.badRequest("the server could not find the requested resource") }
        guard let found = store.get(Self.namespaces, namespace: "", name: namespace) else {
            throw APIError.notFound(Self.namespaces, namespace)
        }
        if creating, found.metadata["deletionTimestamp"] != nil {
            throw APIError.forbidden(
                type.groupResource, name,
                "unable to create new content in namespace \(namespace) because it is being terminated")
        }
    }

    // MARK: Allocation

    func allocateClusterIP() -> String {
        allocations.withLock { state in
            state.nextClusterIP += 1
            let n = state.nextClusterIP
            return "10.96.\(n / 256 % 256).\(n % 256)"
        }
    }

    func allocateNodePort() -> Int {
        allocations.withLock { state in
            state.nextNodePort = state.nextNodePort >= 32_767 ? 30_000 : state.nextNodePort + 1
            return state.nextNodePort
        }
    }
}

/// The opaque `continue` token of a paged list: the list's resourceVersion and the last key
/// served, base64 JSON as the real server encodes it.
struct ContinueToken {
    var resourceVersion: Int
    var after: String

    init(resourceVersion: Int, after: String) {
        self.resourceVersion = resourceVersion
        self.after = after
    }

    init?(_ token: String) {
        guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8),
            let object = (try? JSONParser.parse(text))?.objectValue, let rv = object["rv"]?.intValue,
            let start = object["start"]?.stringValue
        else { return nil }
        resourceVersion = rv
        after = start.hasSuffix("\u{0}") ? String(start.dropLast()) : start
    }

    var encoded: String {
        let json: JSONValue = ["v": "meta.k8s.io/v1", "rv": .int(resourceVersion), "start": .string(after + "\u{0}")]
        return Data(json.jsonString().utf8).base64EncodedString()
    }
}
