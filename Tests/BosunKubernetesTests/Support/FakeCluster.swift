import BosunCore
import BosunTesting
import Foundation
import HummingbirdTLS

/// A small stand-in for an API server, served by `ScriptedServer`, until the Kubernetes
/// simulator lands: discovery for a few kinds, get, list with label selectors, watch, apply
/// (stores the applied object), create, delete, and injected failures. Not a model of
/// server-side apply: it keeps what was applied.
final class FakeCluster: Sendable {
    struct Kind: Sendable, Hashable {
        var group: String
        var version: String
        var kind: String
        var plural: String
        var namespaced: Bool
        var groupVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    }

    struct Watcher: Sendable {
        var id: UUID
        var kind: Kind
        var namespace: String?
        var selector: String?
        var continuation: AsyncStream<String>.Continuation
    }

    struct Injected: Sendable {
        var method: String?
        var pathContains: String
        var response: ScriptedResponse
        var remaining: Int
    }

    struct State: Sendable {
        var kinds: [Kind]
        var objects: [String: JSONObject] = [:]
        var version = 100
        var watchers: [Watcher] = []
        var injected: [Injected] = []
        /// Plurals that may not be listed across all namespaces (403).
        var forbidClusterWideList: Set<String> = []
    }

    static let builtInKinds: [Kind] = [
        Kind(group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false),
        Kind(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true),
        Kind(group: "", version: "v1", kind: "Service", plural: "services", namespaced: true),
        Kind(group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true),
        Kind(group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true),
        Kind(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", plural: "clusterroles", namespaced: false),
        Kind(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition", plural: "customresourcedefinitions", namespaced: false),
    ]

    let state: LockedBox<State>

    init(kinds: [Kind] = FakeCluster.builtInKinds) { state = LockedBox(State(kinds: kinds)) }

    // MARK: Test controls

    func serve(_ kind: Kind) { state.update { $0.kinds.append(kind) } }

    /// Answers the next `times` requests whose path contains `pathContains` with `response`.
    func inject(_ response: ScriptedResponse, method: String? = nil, pathContains: String, times: Int = 1) {
        state.update { $0.injected.append(Injected(method: method, pathContains: pathContains, response: response, remaining: times)) }
    }

    func forbidClusterWideList(_ plural: String) { state.update { _ = $0.forbidClusterWideList.insert(plural) } }

    /// Stores an object as if someone changed the cluster, and tells the watchers.
    func put(_ text: String) throws {
        guard let object = try YAMLDecoder().value(text).objectValue else { throw FixtureError("not an object") }
        guard let kind = kind(apiVersion: object["apiVersion"]?.stringValue ?? "", kind: object["kind"]?.stringValue ?? "") else {
            throw FixtureError("kind not served")
        }
        let meta = object["metadata"]?.objectValue ?? JSONObject()
        _ = store(object, kind: kind, namespace: meta["namespace"]?.stringValue, name: meta["name"]?.stringValue ?? "")
    }

    /// Deletes an object behind Bosun's back.
    func remove(_ kind: Kind, namespace: String?, name: String) {
        let key = Self.key(kind, namespace, name)
        let removed = state.update { $0.objects.removeValue(forKey: key) }
        if let removed { notify("DELETED", removed, kind: kind) }
    }

    func object(_ kind: Kind, namespace: String?, name: String) -> JSONObject? {
        state.get().objects[Self.key(kind, namespace, name)]
    }

    /// Ends every open watch as the server does at its timeout.
    func closeWatches() {
        let watchers = state.update { state in defer { state.watchers = [] }; return state.watchers }
        for watcher in watchers { watcher.continuation.finish() }
    }

    /// Tells every open watch its resource version is gone (410), then ends it.
    func expireWatches() {
        let watchers = state.update { state in defer { state.watchers = [] }; return state.watchers }
        let gone: JSONValue = ["type": "ERROR", "object": ["kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "too old resource version: 1 (150)", "reason": "Expired", "code": 410]]
        for watcher in watchers {
            watcher.continuation.yield(gone.jsonString() + "\n")
            watcher.continuation.finish()
        }
    }

    var openWatches: Int { state.get().watchers.count }

    func kind(apiVersion: String, kind: String) -> Kind? {
        state.get().kinds.first { $0.groupVersion == apiVersion && $0.kind == kind }
    }

    // MARK: Serving

    func handle(_ request: RecordedRequest) async -> ScriptedResponse {
        if let injected = takeInjected(request) { return injected }
        switch request.path {
        case "/api": return .json(["kind": "APIVersions", "versions": ["v1"]])
        case "/apis": return .json(groupList())
        default: break
        }
        if let list = resourceList(request.path) { return list }
        guard let target = parse(request.path) else {
            return .failure(404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        switch (request.method, target.name) {
        case ("GET", nil) where request.query["watch"] == "1":
            return watch(target.kind, namespace: target.namespace, selector: request.query["labelSelector"])
        case ("GET", nil):
            if target.namespace == nil, target.kind.namespaced, state.get().forbidClusterWideList.contains(target.kind.plural) {
                return .failure(403, reason: "Forbidden", message: "\(target.kind.plural) is forbidden: User \"bosun\" cannot list resource \"\(target.kind.plural)\" in API group \"\(target.kind.group)\" at the cluster scope")
            }
            return list(target.kind, namespace: target.namespace, selector: request.query["labelSelector"],
                        limit: request.query["limit"].flatMap { Int($0) }, after: request.query["continue"].flatMap { Int($0) } ?? 0)
        case ("GET", let name?):
            guard let object = object(target.kind, namespace: target.namespace, name: name) else { return notFound(target.kind, name) }
            return .json(.object(object))
        case ("PATCH", let name?):
            guard request.headers["content-type"] == "application/apply-patch+yaml", let body = request.bodyJSON?.objectValue else {
                return .failure(415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format")
            }
            if request.query["dryRun"] == "All" {
                var preview = body
                preview["metadata"] = .object(stamp(body, previous: object(target.kind, namespace: target.namespace, name: name), version: state.get().version))
                return .json(.object(preview))
            }
            return .json(.object(store(body, kind: target.kind, namespace: target.namespace, name: name)))
        case ("POST", nil):
            guard let body = request.bodyJSON?.objectValue, let name = body["metadata"]?["name"]?.stringValue else {
                return .failure(400, reason: "BadRequest", message: "no name")
            }
            if object(target.kind, namespace: target.namespace, name: name) != nil {
                return .failure(409, reason: "AlreadyExists", message: "\(target.kind.plural) \"\(name)\" already exists")
            }
            return .json(.object(store(body, kind: target.kind, namespace: target.namespace, name: name)), status: 201)
        case ("DELETE", let name?):
            guard object(target.kind, namespace: target.namespace, name: name) != nil else { return notFound(target.kind, name) }
            if request.query["dryRun"] != "All" { remove(target.kind, namespace: target.namespace, name: name) }
            return .json(["kind": "Status", "apiVersion": "v1", "status": "Success"])
        default:
            return .failure(405, reason: "MethodNotAllowed", message: "not supported by the fake")
        }
    }

    private func takeInjected(_ request: RecordedRequest) -> ScriptedResponse? {
        state.update { state in
            guard let index = state.injected.firstIndex(where: {
                ($0.method == nil || $0.method == request.method) && request.path.contains($0.pathContains) && $0.remaining > 0
            }) else { return nil }
            state.injected[index].remaining -= 1
            return state.injected[index].response
        }
    }

    private func notFound(_ kind: Kind, _ name: String) -> ScriptedResponse {
        .failure(404, reason: "NotFound", message: "\(kind.plural)\(kind.group.isEmpty ? "" : ".\(kind.group)") \"\(name)\" not found")
    }

    private func groupList() -> JSONValue {
        var groups: [String: [String]] = [:]
        var order: [String] = []
        for kind in state.get().kinds where !kind.group.isEmpty {
            if groups[kind.group] == nil { order.append(kind.group) }
            if groups[kind.group]?.contains(kind.version) != true { groups[kind.group, default: []].append(kind.version) }
        }
        let entries: [JSONValue] = order.map { group in
            let versions = groups[group] ?? []
            return [
                "name": .string(group),
                "versions": .array(versions.map { ["groupVersion": .string("\(group)/\($0)"), "version": .string($0)] }),
                "preferredVersion": ["groupVersion": .string("\(group)/\(versions.first ?? "")"), "version": .string(versions.first ?? "")],
            ]
        }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(entries)]
    }

    private func resourceList(_ path: String) -> ScriptedResponse? {
        let groupVersion: String
        if path == "/api/v1" {
            groupVersion = "v1"
        } else if path.hasPrefix("/apis/"), path.split(separator: "/").count == 3 {
            groupVersion = String(path.dropFirst("/apis/".count))
        } else {
            return nil
        }
        let kinds = state.get().kinds.filter { $0.groupVersion == groupVersion }
        guard !kinds.isEmpty else { return .failure(404, reason: "NotFound", message: "the server could not find the requested resource") }
        let resources: [JSONValue] = kinds.flatMap { kind -> [JSONValue] in
            let verbs: JSONValue = ["create", "delete", "get", "list", "patch", "update", "watch"]
            return [
                ["name": .string(kind.plural), "singularName": "", "namespaced": .bool(kind.namespaced), "kind": .string(kind.kind), "verbs": verbs],
                ["name": .string("\(kind.plural)/status"), "singularName": "", "namespaced": .bool(kind.namespaced), "kind": .string(kind.kind), "verbs": ["get", "patch"]],
            ]
        }
        return .json(["kind": "APIResourceList", "groupVersion": .string(groupVersion), "resources": .array(resources)])
    }

    private func parse(_ path: String) -> (kind: Kind, namespace: String?, name: String?)? {
        var parts = path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        let groupVersion: String
        if parts.first == "api", parts.count >= 2 {
            groupVersion = parts[1]
            parts.removeFirst(2)
        } else if parts.first == "apis", parts.count >= 3 {
            groupVersion = "\(parts[1])/\(parts[2])"
            parts.removeFirst(3)
        } else {
            return nil
        }
        var namespace: String?
        if parts.first == "namespaces", parts.count >= 3 {
            namespace = parts[1]
            parts.removeFirst(2)
        }
        guard let plural = parts.first,
            let kind = state.get().kinds.first(where: { $0.groupVersion == groupVersion && $0.plural == plural })
        else { return nil }
        return (kind, namespace, parts.count > 1 ? parts[1] : nil)
    }

    private static func key(_ kind: Kind, _ namespace: String?, _ name: String) -> String {
        "\(kind.group)/\(kind.plural)/\(kind.namespaced ? namespace ?? "" : "")/\(name)"
    }

    private func stamp(_ body: JSONObject, previous: JSONObject?, version: Int) -> JSONObject {
        var meta = body["metadata"]?.objectValue ?? JSONObject()
        meta["resourceVersion"] = .string(String(version))
        meta["uid"] = previous?["metadata"]?["uid"] ?? .string(UUID().uuidString.lowercased())
        meta["generation"] = .int((previous?["metadata"]?["generation"]?.intValue ?? 0) + 1)
        return meta
    }

    @discardableResult
    private func store(_ body: JSONObject, kind: Kind, namespace: String?, name: String) -> JSONObject {
        let key = Self.key(kind, namespace, name)
        let (stored, isNew) = state.update { state -> (JSONObject, Bool) in
            state.version += 1
            let previous = state.objects[key]
            var object = body
            object["metadata"] = .object(stamp(body, previous: previous, version: state.version))
            if object["status"] == nil, let status = previous?["status"] { object["status"] = status }
            state.objects[key] = object
            return (object, previous == nil)
        }
        notify(isNew ? "ADDED" : "MODIFIED", stored, kind: kind)
        return stored
    }

    /// A page of `limit` items from the `after`th on when `limit` is set (the continue token is
    /// where the next page starts), as the API server pages a list.
    private func list(_ kind: Kind, namespace: String?, selector: String?, limit: Int?, after: Int) -> ScriptedResponse {
        let current = state.get()
        let all = current.objects.values
            .filter { matches($0, kind: kind, namespace: namespace, selector: selector) }
            .sorted { ($0["metadata"]?["name"]?.stringValue ?? "") < ($1["metadata"]?["name"]?.stringValue ?? "") }
            .map { item -> JSONValue in
                var stripped = item
                stripped["apiVersion"] = nil
                stripped["kind"] = nil
                return .object(stripped)
            }
        let end = limit.map { min(all.count, after + $0) } ?? all.count
        let items = Array(all[min(after, end)..<end])
        var metadata: JSONObject = ["resourceVersion": .string(String(current.version))]
        if end < all.count { metadata["continue"] = .string(String(end)) }
        return .json([
            "kind": .string("\(kind.kind)List"), "apiVersion": .string(kind.groupVersion), "metadata": .object(metadata), "items": .array(items),
        ])
    }

    private func watch(_ kind: Kind, namespace: String?, selector: String?) -> ScriptedResponse {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        let watcher = Watcher(id: UUID(), kind: kind, namespace: namespace, selector: selector, continuation: continuation)
        state.update { $0.watchers.append(watcher) }
        continuation.onTermination = { [weak self] _ in
            self?.state.update { $0.watchers.removeAll { $0.id == watcher.id } }
        }
        return ScriptedResponse(status: 200, headers: ["Content-Type": "application/json"], stream: stream)
    }

    private func notify(_ type: String, _ object: JSONObject, kind: Kind) {
        let line = JSONValue.object(["type": .string(type), "object": .object(object)]).jsonString() + "\n"
        for watcher in state.get().watchers where watcher.kind == kind {
            if matches(object, kind: kind, namespace: watcher.namespace, selector: watcher.selector) {
                watcher.continuation.yield(line)
            }
        }
    }

    private func matches(_ object: JSONObject, kind: Kind, namespace: String?, selector: String?) -> Bool {
        guard object["apiVersion"]?.stringValue == kind.groupVersion, object["kind"]?.stringValue == kind.kind else { return false }
        if let namespace, kind.namespaced, object["metadata"]?["namespace"]?.stringValue != namespace { return false }
        guard let selector, !selector.isEmpty else { return true }
        let labels = object["metadata"]?["labels"]?.objectValue ?? JSONObject()
        for term in selector.split(separator: ",") {
            let pair = term.split(separator: "=", maxSplits: 1).map(String.init)
            guard let value = labels[pair[0]]?.stringValue else { return false }
            if pair.count == 2, value != pair[1] { return false }
        }
        return true
    }
}

extension FakeCluster {
    /// A scripted server that serves this fake.
    func serve(tls: TLSConfiguration? = nil) async throws -> ScriptedServer {
        try await ScriptedServer.start(tls: tls) { [self] request in await self.handle(request) }
    }
}
