import BosunCore

/// Creates, updates, patches and server-side applies, all through one optimistic write loop.
extension KubernetesAPI {
    /// The object a write wants to store, before the server's own processing; `tracked` when
    /// its `managedFields` are already worked out (apply does that itself).
    struct Proposal {
        var object: JSONObject
        var tracked: Bool
    }

    /// Reads the current object, lets `propose` turn it into the wanted one, runs the server's
    /// processing (identity, status, generation, defaults, field ownership, validation) and
    /// commits if nobody wrote in between; otherwise does it all again on the newer object.
    func write(
        _ type: ResourceType, namespace: String, name: String, subresource: String = "", version: String? = nil,
        options: WriteOptions, mayCreate: Bool, mustCreate: Bool = false,
        propose: (StoredObject?) throws(APIError) -> Proposal
    ) throws(APIError) -> (object: StoredObject, created: Bool) {
        let resource = type.groupResource
        let namespace = type.namespaced ? namespace : ""
        let apiVersion = type.apiVersion(version)
        for _ in 0..<64 {
            let current = store.get(resource, namespace: namespace, name: name)
            if current == nil && !mayCreate { throw APIError.notFound(resource, name) }
            if current != nil && mustCreate { throw APIError.alreadyExists(resource, name) }
            let proposal = try propose(current)
            if let schema = type.validationSchema, options.fieldValidation == "Strict", !proposal.tracked {
                let unknown = CustomResourceValidation.unknownFields(proposal.object, schema: schema)
                if !unknown.isEmpty {
                    throw APIError.badRequest(
                        "\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): strict decoding error: "
                            + unknown.map { "unknown field \"\($0.dropFirst())\"" }.joined(separator: ", "))
                }
            }
            var object: JSONObject
            if let current {
                let requested = proposal.object["metadata"]?["resourceVersion"]?.stringValue ?? ""
                if !requested.isEmpty && requested != String(current.resourceVersion) {
                    throw APIError.modified(resource, name)
                }
                object = try prepareUpdate(proposal.object, old: current.object, type: type, subresource: subresource, apiVersion: apiVersion)
            } else {
                try checkNamespace(type, namespace: namespace, name: name, creating: true)
                object = prepareCreate(proposal.object, type: type, namespace: namespace, name: name, apiVersion: apiVersion)
            }
            var errors: [FieldError] = []
            if let schema = type.validationSchema {
                // Fields the schema does not declare are dropped before anyone can own them.
                object = CustomResourceValidation.pruned(object, schema: schema)
                errors += CustomResourceValidation.errors(object, schema: schema)
            }
            if !proposal.tracked {
                let manager = FieldManager(type: type, subresource: subresource)
                object = ObjectShape.normalized(
                    try manager.update(live: current?.object, updated: object, manager: options.manager, apiVersion: apiVersion, now: Self.now()))
            }
            errors += Validation.validate(object, old: current?.object, type: type)
            if !errors.isEmpty { throw APIError.invalid(type.groupKind, name, errors) }
            if let current, current.object == object { return (current, false) }
            if options.dryRun {
                if current == nil {
                    var metadata = object["metadata"]?.objectValue ?? JSONObject()
                    metadata["resourceVersion"] = nil
                    object["metadata"] = .object(metadata)
                }
                return (StoredObject(object: object, resourceVersion: current?.resourceVersion ?? 0), current == nil)
            }
            do {
                if let current, Self.isFinalized(object, type: type) {
                    // The last finalizer of a terminating object went away: it is deleted now.
                    return (try store.write(resource, namespace: namespace, name: name, object: nil, precondition: .version(current.resourceVersion)), false)
                }
                let stored = try store.write(
                    resource, namespace: namespace, name: name, object: object,
                    precondition: current.map { .version($0.resourceVersion) } ?? .absent)
                return (stored, current == nil)
            } catch {
                continue  // another write came first: start over from the newer object
            }
        }
        throw APIError.internalError("too many concurrent writes to \(resource) \"\(name)\"; try again")
    }

    /// Whether a terminating object has nothing left holding it.
    static func isFinalized(_ object: JSONObject, type: ResourceType) -> Bool {
        guard object["metadata"]?["deletionTimestamp"] != nil else { return false }
        if !(object["metadata"]?["finalizers"]?.arrayValue ?? []).isEmpty { return false }
        if type.group.isEmpty && type.kind == "Namespace" {
            return (object["spec"]?["finalizers"]?.arrayValue ?? []).isEmpty
        }
        return true
    }

    /// The identity checks every write body passes: the kind and version of the endpoint, and
    /// the name and namespace of the URL.
    func checkBody(_ object: JSONObject, type: ResourceType, namespace: String, name: String?, version: String?) throws(APIError) {
        let expected = type.apiVersion(version)
        if let apiVersion = object["apiVersion"]?.stringValue, !apiVersion.isEmpty, apiVersion != expected {
            throw APIError.badRequest(
                "the API version in the data (\(apiVersion)) does not match the expected API version (\(expected))")
        }
        if let kind = object["kind"]?.stringValue, !kind.isEmpty, kind != type.kind {
            throw APIError.badRequest(
                "\(kind) in version \"\(type.apiVersion(version))\" cannot be handled as a \(type.kind): the kind in the data does not match the endpoint")
        }
        let metadata = object["metadata"]?.objectValue ?? JSONObject()
        if let name, let bodyName = metadata["name"]?.stringValue, !bodyName.isEmpty, bodyName != name {
            throw APIError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        if type.namespaced, let bodyNamespace = metadata["namespace"]?.stringValue, !bodyNamespace.isEmpty,
            bodyNamespace != namespace
        {
            throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
    }

    // MARK: Create

    /// POST: a new object; 409 AlreadyExists when the name is taken.
    @discardableResult
    public func create(_ type: ResourceType, namespace: String, object: JSONObject, options: WriteOptions = WriteOptions(), version: String? = nil) throws(APIError) -> StoredObject {
        try checkBody(object, type: type, namespace: namespace, name: nil, version: version)
        let metadata = object["metadata"]?.objectValue ?? JSONObject()
        var name = metadata["name"]?.stringValue ?? ""
        if name.isEmpty, let prefix = metadata["generateName"]?.stringValue, !prefix.isEmpty {
            name = prefix + Identifiers.randomSuffix()
        }
        if name.isEmpty {
            throw APIError.invalid(type.groupKind, "", [.required("metadata.name", "name or generateName is required")])
        }
        return try write(
            type, namespace: namespace, name: name, version: version, options: options, mayCreate: true, mustCreate: true
        ) { _ in Proposal(object: object, tracked: false) }.object
    }

    // MARK: Update

    /// PUT: replaces the object (or its status, through `subresource: "status"`); 404 when it
    /// does not exist, 409 when the body's resourceVersion is not the current one.
    @discardableResult
    public func update(
        _ type: ResourceType, namespace: String, name: String, object: JSONObject, subresource: String = "",
        options: WriteOptions = WriteOptions(), version: String? = nil
    ) throws(APIError) -> StoredObject {
        try checkBody(object, type: type, namespace: namespace, name: name, version: version)
        return try write(
            type, namespace: namespace, name: name, subresource: subresource, version: version, options: options, mayCreate: false
        ) { _ in Proposal(object: object, tracked: false) }.object
    }

    // MARK: Patch

    /// PATCH in any of the four formats; `body` is the request body as sent.
    public func patch(
        _ type: ResourceType, namespace: String, name: String, patchType: PatchType, body: String, subresource: String = "",
        options: WriteOptions = WriteOptions(), version: String? = nil
    ) throws(APIError) -> (object: StoredObject, created: Bool) {
        if patchType == .apply {
            let configuration = try Self.parseApplyConfiguration(body)
            return try apply(
                type, namespace: namespace, name: name, configuration: configuration, subresource: subresource,
                options: options, version: version)
        }
        if options.force {
            throw APIError.invalid(
                GroupKind(group: "meta.k8s.io", kind: "PatchOptions"), "",
                [.forbidden("force", "may not be specified for non-apply patch")])
        }
        if patchType == .strategicMerge && type.isCustom {
            throw APIError.unsupportedMediaType(
                patchType.rawValue, supported: [PatchType.json.rawValue, PatchType.merge.rawValue, PatchType.apply.rawValue])
        }
        let patch: JSONValue
        do { patch = try JSONParser.parse(body) } catch {
            throw APIError.badRequest("error decoding patch: \(error)")
        }
        return try write(
            type, namespace: namespace, name: name, subresource: subresource, version: version, options: options, mayCreate: false
        ) { current throws(APIError) in
            guard let current else { throw APIError.notFound(type.groupResource, name) }
            var document = current.object
            document["apiVersion"] = .string(type.apiVersion(version))
            let patched: JSONValue?
            do throws(Patches.Failure) {
                switch patchType {
                case .merge: patched = Patches.mergePatch(.object(document), patch)
                case .json: patched = try Patches.jsonPatch(.object(document), patch)
                case .strategicMerge: patched = try Patches.strategicMerge(.object(document), patch, type.schema)
                case .apply: patched = nil
                }
            } catch {
                throw APIError(code: 422, reason: "Invalid", message: error.message)
            }
            guard let object = patched?.objectValue else {
                throw APIError(code: 422, reason: "Invalid", message: "the patch must leave an object, not \(patched?.typeName ?? "nothing")")
            }
            try checkBody(object, type: type, namespace: namespace, name: name, version: version)
            return Proposal(object: object, tracked: false)
        }
    }

    // MARK: Apply

    /// Server-side apply of `configuration` by `options.fieldManager` (required): creates the
    /// object or merges into it, removes what this manager applied before and no longer does,
    /// and answers 409 Conflict when it would change another manager's fields, unless forced.
    public func apply(
        _ type: ResourceType, namespace: String, name: String, configuration: JSONObject, subresource: String = "",
        options: WriteOptions, version: String? = nil
    ) throws(APIError) -> (object: StoredObject, created: Bool) {
        guard let manager = options.fieldManager, !manager.isEmpty else {
            throw APIError.invalid(
                GroupKind(group: "meta.k8s.io", kind: "PatchOptions"), "",
                [.required("fieldManager", "is required for apply patch")])
        }
        guard configuration["apiVersion"]?.stringValue?.isEmpty == false, configuration["kind"]?.stringValue?.isEmpty == false else {
            throw APIError.badRequest("error decoding patch: an apply configuration needs apiVersion and kind")
        }
        try checkBody(configuration, type: type, namespace: namespace, name: name, version: version)
        if configuration["metadata"]?["managedFields"] != nil {
            throw APIError.badRequest("metadata.managedFields must be nil")
        }
        if let schema = type.validationSchema {
            // Server-side apply converts the configuration to its typed form, which has no room
            // for undeclared fields.
            let unknown = CustomResourceValidation.unknownFields(configuration, schema: schema)
            if !unknown.isEmpty {
                let objectName = "\(type.namespaced ? namespace : "")/\(name)"
                let problems = unknown.map { "\($0): field not declared in schema" }
                throw APIError.unknown(
                    "failed to create typed patch object (\(objectName); \(type.apiVersion(version)), Kind=\(type.kind)): "
                        + (problems.count == 1 ? problems[0] : "errors:\n  " + problems.joined(separator: "\n  ")))
            }
        }
        var configuration = configuration
        if subresource == "status" {
            configuration.removeAll { !["apiVersion", "kind", "metadata", "status"].contains($0.key) }
        } else if type.hasStatusSubresource {
            configuration["status"] = nil
        }
        let objectName = "\(type.namespaced ? namespace : "")/\(name)"
        let apiVersion = type.apiVersion(version)
        let fieldManager = FieldManager(type: type, subresource: subresource)
        return try write(
            type, namespace: namespace, name: name, subresource: subresource, version: version, options: options,
            mayCreate: subresource.isEmpty
        ) { current throws(APIError) in
            let merged = try fieldManager.apply(
                live: current?.object, config: configuration, manager: manager, apiVersion: apiVersion,
                force: options.force, now: Self.now(), objectName: objectName)
            return Proposal(object: merged.object, tracked: true)
        }
    }

    /// An apply body: YAML (JSON is YAML too, and takes the fast path).
    static func parseApplyConfiguration(_ body: String) throws(APIError) -> JSONObject {
        let value: JSONValue
        do {
            if body.utf8.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == UInt8(ascii: "{") {
                value = try JSONParser.parse(body)
            } else {
                value = try YAMLDecoder().value(body)
            }
        } catch {
            throw APIError.badRequest("error decoding YAML: \(error)")
        }
        guard let object = value.objectValue else {
            throw APIError.badRequest("error decoding patch: an apply configuration must be an object, not \(value.typeName)")
        }
        return object
    }
}
