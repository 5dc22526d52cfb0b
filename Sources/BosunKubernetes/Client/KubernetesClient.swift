import BosunCore
import Foundation
import Logging
import NIOHTTP1

/// How a delete reaches an object's dependents.
public enum DeletePropagation: String, Sendable {
    /// The object goes now; the garbage collector removes its dependents after.
    case background = "Background"
    /// The object stays (with a deletionTimestamp) until its dependents are gone.
    case foreground = "Foreground"
    case orphan = "Orphan"
}

/// The objects of one list call and the resource version to watch from.
public struct ObjectList: Sendable {
    public var items: [Resource]
    public var resourceVersion: String
}

/// A client for one Kubernetes API server: discovery, get, list, watch, server-side apply,
/// delete. Transient failures are retried inside; what comes out is a `TargetError` whose
/// message names the verb, resource and namespace.
public final class KubernetesClient: Sendable {
    public let connection: ClusterConnection
    public let options: KubernetesClientOptions
    /// Requests sent, by verb and answer.
    public let metrics: RequestCounts
    public let discovery: APIDiscovery
    let transport: HTTPTransport

    /// A client for `connection`. `environment` is what exec credential plugins see; `clock`
    /// times backoff and credential expiry.
    public init(
        connection: ClusterConnection, options: KubernetesClientOptions = KubernetesClientOptions(),
        clock: any BosunClock = SystemClock(), environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "bosun.kubernetes")
    ) throws {
        self.connection = connection
        self.options = options
        let metrics = RequestCounts()
        self.metrics = metrics
        transport = try HTTPTransport(
            connection: connection, options: options, metrics: metrics, clock: clock, environment: environment, logger: logger)
        discovery = APIDiscovery(transport: transport, clock: clock)
    }

    /// Closes connections. Call once, when done.
    public func shutdown() async { await transport.shutdown() }

    /// How many times the exec credential plugin ran (0 without one).
    public var credentialPluginRuns: Int { get async { await transport.credentials.pluginRuns } }

    // MARK: Reading

    /// The object, or nil when it does not exist.
    public func get(_ resource: APIResource, namespace: String?, name: String) async throws -> Resource? {
        let request = APIRequest(
            method: .GET, path: resource.objectPath(namespace: namespace, name: name), verb: "get",
            resourceName: resource.qualifiedName, namespace: resource.namespaced ? namespace : nil, objectName: name,
            key: resource.key(namespace: namespace ?? "", name: name))
        guard let value = try await transport.json(request, notFoundIsNil: true) else { return nil }
        return Resource(value)
    }

    /// Every object of a kind (in `namespace`, or all namespaces when nil) matching `labelSelector`.
    public func list(_ resource: APIResource, namespace: String? = nil, labelSelector: String? = nil) async throws -> ObjectList {
        var items: [Resource] = []
        let version = try await list(resource, namespace: namespace, labelSelector: labelSelector, pageSize: nil) { items += $0 }
        return ObjectList(items: items, resourceVersion: version)
    }

    /// Every object of a kind, as `list`, read `pageSize` at a time (as client-go's reflector
    /// reads large lists) and handed to `take` page by page, so a kind of thousands of objects is
    /// never held parsed whole; answers the list's resource version. A continue token that
    /// expired mid-way fails the list: the caller lists again from the start.
    public func list(
        _ resource: APIResource, namespace: String? = nil, labelSelector: String? = nil, pageSize: Int?, take: ([Resource]) -> Void
    ) async throws -> String {
        var token: String?
        var version = ""
        repeat {
            var query: [(String, String)] = []
            if let labelSelector { query.append(("labelSelector", labelSelector)) }
            if let pageSize { query.append(("limit", String(pageSize))) }
            if let token { query.append(("continue", token)) }
            let request = APIRequest(
                method: .GET, path: resource.collectionPath(namespace: namespace), query: query, verb: "list",
                resourceName: resource.qualifiedName, namespace: resource.namespaced ? namespace : nil)
            let value = try await transport.json(request) ?? .null
            take(Self.items(of: value, resource: resource))
            version = value["metadata"]?["resourceVersion"]?.stringValue ?? version
            token = value["metadata"]?["continue"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return version
    }

    /// The items of a list answer. They carry no apiVersion and kind; those are put back so they
    /// read as objects.
    private static func items(of list: JSONValue, resource: APIResource) -> [Resource] {
        (list["items"]?.arrayValue ?? []).compactMap { item in
            guard var object = item.objectValue else { return nil }
            if object["apiVersion"] == nil || object["kind"] == nil {
                var filled: JSONObject = ["apiVersion": .string(resource.apiVersion), "kind": .string(resource.kind)]
                for entry in object where entry.key != "apiVersion" && entry.key != "kind" { filled[entry.key] = entry.value }
                object = filled
            }
            return Resource(object)
        }
    }

    /// Watches a kind from `resourceVersion`. The stream ends when the server closes the watch
    /// (resume from the last resource version seen) and fails with `WatchError.gone` when that
    /// version is too old (list again).
    public func watch(
        _ resource: APIResource, namespace: String? = nil, labelSelector: String? = nil, resourceVersion: String
    ) -> AsyncThrowingStream<WatchEvent, any Error> {
        var query: [(String, String)] = [
            ("watch", "1"), ("resourceVersion", resourceVersion), ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", String(Int(options.watchTimeout.seconds))),
        ]
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        let request = APIRequest(
            method: .GET, path: resource.collectionPath(namespace: namespace), query: query, verb: "watch",
            resourceName: resource.qualifiedName, namespace: resource.namespaced ? namespace : nil)
        return WatchStream.events(request, resource: resource, transport: transport)
    }

    // MARK: Writing

    /// Server-side apply of `object` as field manager `bosun`; `force` takes over fields other
    /// managers own; `dryRun` changes nothing and answers what the server would hold.
    public func apply(_ object: Resource, as resource: APIResource, force: Bool, dryRun: Bool) async throws -> Resource {
        var query: [(String, String)] = [("fieldManager", options.fieldManager)]
        if force { query.append(("force", "true")) }
        if dryRun { query.append(("dryRun", "All")) }
        let namespace = resource.namespaced ? object.namespace : nil
        var body = object
        body.source = nil
        // JSON is YAML, so the apply-patch+yaml content type takes it as it is.
        let request = APIRequest(
            method: .PATCH, path: resource.objectPath(namespace: namespace, name: object.name), query: query,
            body: Array(body.value.jsonString().utf8), contentType: "application/apply-patch+yaml", verb: "patch",
            resourceName: resource.qualifiedName, namespace: namespace, objectName: object.name, key: object.key)
        guard let answer = try await transport.json(request).flatMap({ Resource($0) }) else {
            throw TargetError(.transient, "the API server answered \(request) without an object", key: object.key)
        }
        return answer
    }

    /// Creates `object`; returns nil when it already exists.
    public func create(_ object: Resource, as resource: APIResource) async throws -> Resource? {
        let namespace = resource.namespaced ? object.namespace : nil
        let request = APIRequest(
            method: .POST, path: resource.collectionPath(namespace: namespace), query: [("fieldManager", options.fieldManager)],
            body: Array(object.value.jsonString().utf8), contentType: "application/json", verb: "create",
            resourceName: resource.qualifiedName, namespace: namespace, objectName: object.name, key: object.key)
        do {
            return try await transport.json(request).flatMap { Resource($0) }
        } catch let error as TargetError where error.code == .conflict {
            return nil
        }
    }

    /// Deletes an object; returns false when it did not exist.
    @discardableResult
    public func delete(
        _ resource: APIResource, namespace: String?, name: String, propagation: DeletePropagation = .background, dryRun: Bool = false
    ) async throws -> Bool {
        var query: [(String, String)] = [("propagationPolicy", propagation.rawValue)]
        var options: JSONObject = ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": .string(propagation.rawValue)]
        if dryRun {
            query.append(("dryRun", "All"))
            options["dryRun"] = ["All"]
        }
        let request = APIRequest(
            method: .DELETE, path: resource.objectPath(namespace: namespace, name: name), query: query,
            body: Array(JSONValue.object(options).jsonString().utf8), contentType: "application/json", verb: "delete",
            resourceName: resource.qualifiedName, namespace: resource.namespaced ? namespace : nil, objectName: name,
            key: resource.key(namespace: namespace ?? "", name: name))
        return try await transport.send(request, notFoundIsNil: true).status != 404
    }

    // MARK: Kinds

    /// The resource serving `apiVersion` + `kind`, refreshing discovery once when unknown;
    /// throws `.invalid` naming both (and the versions the group serves) when it stays unknown.
    public func resource(apiVersion: String, kind: String, key: ResourceKey? = nil) async throws -> APIResource {
        if let found = try await discovery.resource(apiVersion: apiVersion, kind: kind) { return found }
        let group = Resource.group(ofAPIVersion: apiVersion)
        let served = try await discovery.servedVersions(group: group)
        let hint: String
        if served.isEmpty {
            hint = group.isEmpty ? "" : "; the server serves no API group \"\(group)\" (is its CustomResourceDefinition installed?)"
        } else {
            hint = "; the group \"\(group.isEmpty ? "core" : group)\" serves \(served.joined(separator: ", "))"
        }
        throw TargetError(.invalid, "the API server does not serve kind \"\(kind)\" in apiVersion \"\(apiVersion)\"\(hint)", key: key)
    }
}
