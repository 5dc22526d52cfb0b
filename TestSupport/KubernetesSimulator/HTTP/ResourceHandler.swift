import BosunCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The resource endpoints: `GET`, `LIST`, `WATCH`, `POST`, `PUT`, `PATCH`, `DELETE` and
/// delete-collection on `/api/v1/...` and `/apis/<group>/<version>/...`, with their status,
/// scale and finalize subresources.
struct ResourceHandler {
    let core: SimulatorCore
    var api: KubernetesAPI { core.api }

    static let maxBody = 64 * 1024 * 1024

    func handle(_ path: APIPath.ResourcePath, request: Request, query: QueryParameters) async throws -> Response {
        guard let type = api.registry.type(group: path.group, version: path.version, resource: path.resource) else {
            throw APIError.pathNotFound()
        }
        if !type.namespaced && path.namespace != nil { throw APIError.pathNotFound() }
        if type.namespaced && path.name != nil && path.namespace == nil { throw APIError.pathNotFound() }
        let namespace = path.namespace ?? ""
        let apiVersion = type.apiVersion(path.version)
        let accept = request.headers[.accept] ?? ""
        let asTable = TableConvertor.wantsTable(accept: accept)
        let isWatch = query.bool("watch")
        let verb = Self.verb(request.method, name: path.name, watch: isWatch)
        if let denied = core.faults.denial(verb: verb, type: type, namespace: path.namespace, name: path.name) { throw denied }
        if let subresource = path.subresource, !Self.subresources(type).contains(subresource) {
            throw APIError.pathNotFound()
        }

        switch (request.method, path.name, path.subresource) {
        case (.get, nil, nil):
            let options = listOptions(query)
            if isWatch {
                let subscription = try api.watch(type, namespace: path.namespace, options: options)
                return WatchResponse(
                    core: core, type: type, apiVersion: apiVersion, asTable: asTable, includeObject: query["includeObject"],
                    bookmarks: options.allowWatchBookmarks, timeoutSeconds: options.timeoutSeconds
                ).response(subscription)
            }
            let result = try api.list(type, namespace: path.namespace, options: options)
            if asTable {
                let table = TableConvertor.table(
                    result.items, type: type, resourceVersion: result.resourceVersion, continueToken: result.continueToken,
                    includeObject: query["includeObject"])
                return Responses.json(table, contentType: TableConvertor.contentType)
            }
            return Responses.json(Responses.list(result, type: type, apiVersion: apiVersion))
        case (.get, let name?, nil), (.get, let name?, "status"):
            let stored = try api.get(type, namespace: namespace, name: name)
            return objectResponse(stored, type: type, apiVersion: apiVersion, asTable: asTable, query: query)
        case (.get, let name?, "scale"):
            return Responses.json(.object(try api.scale(type, namespace: namespace, name: name)))
        case (.post, nil, nil):
            guard path.namespace != nil || !type.namespaced else { throw APIError.methodNotSupported(type.groupResource, "create") }
            let object = try await bodyObject(request)
            let stored = try api.create(type, namespace: namespace, object: object, options: try writeOptions(query, request), version: path.version)
            return objectResponse(stored, type: type, apiVersion: apiVersion, status: 201)
        case (.put, let name?, let subresource):
            let object = try await bodyObject(request)
            let options = try writeOptions(query, request)
            if subresource == "scale" {
                return Responses.json(.object(try api.writeScale(type, namespace: namespace, name: name, scale: object, options: options)))
            }
            let stored = try api.update(
                type, namespace: namespace, name: name, object: object, subresource: subresource ?? "", options: options,
                version: path.version)
            return objectResponse(stored, type: type, apiVersion: apiVersion)
        case (.patch, let name?, let subresource):
            return try await patch(type, namespace: namespace, name: name, subresource: subresource, request: request, query: query, path: path)
        case (.delete, let name?, nil):
            let options = try await deleteOptions(query, request)
            switch try api.delete(type, namespace: namespace, name: name, options: options) {
            case .deleted(let last):
                if type.returnsDeletedObject { return objectResponse(last, type: type, apiVersion: apiVersion) }
                return Responses.json(Responses.deletedStatus(last, type: type))
            case .pending(let object):
                return objectResponse(object, type: type, apiVersion: apiVersion)
            }
        case (.delete, nil, nil):
            let options = try await deleteOptions(query, request)
            let deleted = try api.deleteCollection(type, namespace: path.namespace, listOptions: listOptions(query), options: options)
            let result = ListResult(items: deleted, resourceVersion: api.store.revision)
            return Responses.json(Responses.list(result, type: type, apiVersion: apiVersion))
        default:
            throw APIError.methodNotSupported(type.groupResource, verb)
        }
    }

    static func subresources(_ type: ResourceType) -> [String] {
        Discovery.subresources(of: type).map(\.name)
    }

    /// The RBAC verb of a request.
    static func verb(_ method: HTTPRequest.Method, name: String?, watch: Bool) -> String {
        switch method {
        case .get: watch ? "watch" : (name == nil ? "list" : "get")
        case .post: "create"
        case .put: "update"
        case .patch: "patch"
        case .delete: name == nil ? "deletecollection" : "delete"
        default: method.rawValue.lowercased()
        }
    }

    // MARK: Patch

    private func patch(
        _ type: ResourceType, namespace: String, name: String, subresource: String?, request: Request, query: QueryParameters,
        path: APIPath.ResourcePath
    ) async throws -> Response {
        let contentType = (request.headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: " ") } ?? ""
        guard let patchType = PatchType(rawValue: contentType) else {
            throw APIError.unsupportedMediaType(contentType, supported: PatchType.allCases.map(\.rawValue))
        }
        let body = String(buffer: try await request.body.collect(upTo: Self.maxBody))
        let options = try writeOptions(query, request)
        let apiVersion = type.apiVersion(path.version)
        if subresource == "scale" {
            let current = try api.scale(type, namespace: namespace, name: name)
            let patched: JSONValue?
            do {
                let patch = patchType == .apply ? JSONValue.object(try KubernetesAPI.parseApplyConfiguration(body)) : try JSONParser.parse(body)
                switch patchType {
                case .json: patched = try Patches.jsonPatch(.object(current), patch)
                case .merge, .apply: patched = Patches.mergePatch(.object(current), patch)
                case .strategicMerge: patched = try Patches.strategicMerge(.object(current), patch, .looseStructure)
                }
            } catch let error as APIError {
                throw error
            } catch {
                throw APIError.badRequest("error decoding patch: \(error)")
            }
            var scale = patched?.objectValue ?? current
            if var metadata = scale["metadata"]?.objectValue, metadata["resourceVersion"] == current["metadata"]?["resourceVersion"] {
                metadata["resourceVersion"] = nil  // a patch is not a precondition unless it sets one
                scale["metadata"] = .object(metadata)
            }
            return Responses.json(.object(try api.writeScale(type, namespace: namespace, name: name, scale: scale, options: options)))
        }
        let (stored, created) = try api.patch(
            type, namespace: namespace, name: name, patchType: patchType, body: body, subresource: subresource ?? "",
            options: options, version: path.version)
        return objectResponse(stored, type: type, apiVersion: apiVersion, status: created ? 201 : 200)
    }

    // MARK: Bodies and options

    /// Media types a create or update body may have.
    static let bodyTypes = ["application/json", "application/yaml"]

    private func bodyObject(_ request: Request) async throws -> JSONObject {
        let contentType = (request.headers[.contentType] ?? "application/json").split(separator: ";").first
            .map { $0.trimmingCharacters(in: " ") } ?? "application/json"
        let buffer = try await request.body.collect(upTo: Self.maxBody)
        if contentType == ProtobufBodies.contentType {
            // kubectl's typed commands (`kubectl create configmap ...`) send protobuf.
            return try ProtobufBodies.decode(Array(buffer.readableBytesView))
        }
        guard Self.bodyTypes.contains(contentType) || contentType.isEmpty else {
            throw APIError.unsupportedMediaType(contentType, supported: Self.bodyTypes + [ProtobufBodies.contentType])
        }
        let value: JSONValue
        do {
            if contentType == "application/yaml" {
                value = try YAMLDecoder().value(String(buffer: buffer))
            } else {
                value = try buffer.withUnsafeReadableBytes { raw in
                    try JSONParser.parse(bytes: raw.bindMemory(to: UInt8.self))
                }
            }
        } catch {
            throw APIError.badRequest("the body of the request could not be decoded as \(contentType): \(error)")
        }
        guard let object = value.objectValue else {
            throw APIError.badRequest("the body of the request must be a JSON object, not \(value.typeName)")
        }
        return object
    }

    private func writeOptions(_ query: QueryParameters, _ request: Request) throws -> WriteOptions {
        if let dryRun = query["dryRun"], dryRun != "All" {
            throw APIError.invalid(
                GroupKind(group: "meta.k8s.io", kind: "CreateOptions"), "",
                [.notSupported("dryRun", .string(dryRun), ["All"])])
        }
        if let validation = query["fieldValidation"], !["", "Ignore", "Warn", "Strict"].contains(validation) {
            throw APIError.badRequest(
                "fieldValidation: Unsupported value: \"\(validation)\": supported values: \"Ignore\", \"Strict\", \"Warn\"")
        }
        return WriteOptions(
            fieldManager: query["fieldManager"], dryRun: query["dryRun"] == "All", force: query["force"] == "true",
            userAgent: request.headers[.userAgent], fieldValidation: query["fieldValidation"])
    }

    private func listOptions(_ query: QueryParameters) -> ListOptions {
        ListOptions(
            labelSelector: query["labelSelector"].flatMap { $0.isEmpty ? nil : $0 },
            fieldSelector: query["fieldSelector"].flatMap { $0.isEmpty ? nil : $0 }, limit: query.int("limit"),
            continueToken: query["continue"], resourceVersion: query["resourceVersion"],
            resourceVersionMatch: query["resourceVersionMatch"],
            allowWatchBookmarks: query["allowWatchBookmarks"] == "true", sendInitialEvents: query["sendInitialEvents"] == "true",
            timeoutSeconds: query.int("timeoutSeconds"))
    }

    private func deleteOptions(_ query: QueryParameters, _ request: Request) async throws -> DeleteOptions {
        var options = DeleteOptions()
        let buffer = try await request.body.collect(upTo: Self.maxBody)
        if buffer.readableBytes > 0, let object = (try? JSONParser.parse(String(buffer: buffer)))?.objectValue {
            if let policy = object["propagationPolicy"]?.stringValue { options.propagationPolicy = try Self.policy(policy) }
            if object["orphanDependents"]?.boolValue == true { options.propagationPolicy = .orphan }
            if object["dryRun"]?.arrayValue?.contains("All") == true { options.dryRun = true }
            options.preconditionUID = object["preconditions"]?["uid"]?.stringValue
            options.preconditionResourceVersion = object["preconditions"]?["resourceVersion"]?.stringValue
            options.gracePeriodSeconds = object["gracePeriodSeconds"]?.intValue
        }
        if let policy = query["propagationPolicy"] { options.propagationPolicy = try Self.policy(policy) }
        if query["orphanDependents"] == "true" { options.propagationPolicy = .orphan }
        if query["dryRun"] == "All" { options.dryRun = true }
        if let grace = query.int("gracePeriodSeconds") { options.gracePeriodSeconds = grace }
        return options
    }

    static func policy(_ text: String) throws -> PropagationPolicy {
        guard let policy = PropagationPolicy(rawValue: text) else {
            throw APIError.invalid(
                GroupKind(group: "meta.k8s.io", kind: "DeleteOptions"), "",
                [.notSupported("propagationPolicy", .string(text), ["Foreground", "Background", "Orphan", "nil"])])
        }
        return policy
    }

    // MARK: Output

    private func objectResponse(
        _ stored: StoredObject, type: ResourceType, apiVersion: String, status: Int = 200, asTable: Bool = false,
        query: QueryParameters? = nil
    ) -> Response {
        if asTable {
            let table = TableConvertor.table(
                [stored], type: type, resourceVersion: stored.resourceVersion, includeObject: query?["includeObject"])
            return Responses.json(table, status: status, contentType: TableConvertor.contentType)
        }
        return Responses.json(Responses.objectBuffer(stored, apiVersion: apiVersion), status: status)
    }
}
